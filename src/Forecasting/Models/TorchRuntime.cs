using TorchSharp;

namespace AirQuality.Forecasting.Models;

/// <summary>
/// Whether TorchSharp's native libraries load on this machine. They may not: libLibTorchSharp.so needs a libstdc++
/// newer than Debian 12's unless the build marked that need weak (docs/torchsharp-on-debian12.md), and a publish for
/// another platform may lack the natives. The answer is found once, and the LSTM family reports it.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lazy<string?> Probe = new(TryLoad, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Null when TorchSharp works here, else why it does not.</summary>
    public static string? UnavailableReason => Probe.Value;

    private static string? TryLoad()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            using var probe = torch.ones(2);
            return Math.Abs(probe.sum().ToSingle() - 2f) < 1e-6 ? null : "TorchSharp loaded but computed a wrong sum";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var inner = ex;
            while (inner.InnerException is not null) inner = inner.InnerException;
            return $"TorchSharp could not load its native library: {inner.GetType().Name}: {inner.Message}";
        }
    }
}
