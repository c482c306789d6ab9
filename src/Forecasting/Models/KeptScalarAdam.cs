using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AirQuality.Forecasting.Models;

/// <summary>
/// Adam (Kingma and Ba, 2015, with bias correction) whose scalar operands are created once, held until the update
/// returns, and disposed by this class.
/// </summary>
/// <remarks>
/// TorchSharp turns a <c>double</c> operand into a native <see cref="Scalar"/> that nothing references once its handle is
/// passed to the native call, so the finalizer thread may free it while libtorch still reads it. Its own optimizers do
/// that on every step; with two trainings side by side and ML.NET allocating next to them, a collection in that window
/// was seen failing a step with "Unknown scalar type" (freed memory read as a scalar). Here every scalar outlives the
/// calls that use it.
/// </remarks>
internal sealed class KeptScalarAdam : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _firstMoments;
    private readonly Tensor[] _secondMoments;
    private readonly double _learningRate;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly Scalar _beta1Scalar;
    private readonly Scalar _beta2Scalar;
    private readonly Scalar _oneMinusBeta1;
    private readonly Scalar _oneMinusBeta2;
    private readonly Scalar _epsilon;
    private int _steps;

    public KeptScalarAdam(IEnumerable<Parameter> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        _parameters = parameters.ToArray();
        _learningRate = learningRate;
        (_beta1, _beta2) = (beta1, beta2);
        _firstMoments = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _secondMoments = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _beta1Scalar = beta1.ToScalar();
        _beta2Scalar = beta2.ToScalar();
        _oneMinusBeta1 = (1 - beta1).ToScalar();
        _oneMinusBeta2 = (1 - beta2).ToScalar();
        _epsilon = epsilon.ToScalar();
    }

    public void ZeroGrad()
    {
        foreach (var p in _parameters)
            p.grad?.zero_();
    }

    public void Step()
    {
        _steps++;
        var correction1 = 1 - Math.Pow(_beta1, _steps);
        var correction2 = 1 - Math.Pow(_beta2, _steps);
        using var stepSize = (-_learningRate / correction1).ToScalar();
        using var rootCorrection2 = Math.Sqrt(correction2).ToScalar();
        using var noGrad = no_grad();
        for (var i = 0; i < _parameters.Length; i++)
        {
            var grad = _parameters[i].grad;
            if (grad is null) continue;
            _firstMoments[i].mul_(_beta1Scalar).add_(grad, _oneMinusBeta1);
            _secondMoments[i].mul_(_beta2Scalar).addcmul_(grad, grad, _oneMinusBeta2);
            using var denominator = _secondMoments[i].sqrt();
            denominator.div_(rootCorrection2).add_(_epsilon);
            _parameters[i].addcdiv_(_firstMoments[i], denominator, stepSize);
        }
        GC.KeepAlive(this);
    }

    public void Dispose()
    {
        foreach (var t in _firstMoments.Concat(_secondMoments)) t.Dispose();
        foreach (var s in new[] { _beta1Scalar, _beta2Scalar, _oneMinusBeta1, _oneMinusBeta2, _epsilon }) s.Dispose();
    }
}
