using AirQuality.Forecasting.Models;

namespace AirQuality.Forecasting.Training;

/// <summary>
/// Who serves. The champion is the trained family with the lowest validation MAE averaged over horizons 1..48, and
/// only if it beats persistence on that same average; otherwise persistence serves and says so. The ensemble is
/// preferred: a single family is chosen over it only when lower by more than a margin. A challenger replaces a
/// serving model only when it is better on the same validation window.
/// </summary>
public static class ChampionSelection
{
    /// <summary>Chooses among a run's families.</summary>
    /// <param name="outcomes">Every candidate of the run, baselines included.</param>
    /// <param name="ensembleMargin">A single family displaces the ensemble only when its validation MAE is lower by
    /// more than this share of the ensemble's (<see cref="ForecastSettings.EnsembleMargin"/>; 0: the lowest wins).</param>
    public static (ModelFamily Champion, string Reason) Choose(IReadOnlyList<FamilyOutcome> outcomes, double ensembleMargin = 0)
    {
        var persistence = outcomes.FirstOrDefault(o => o.Family == ModelFamily.Persistence);
        var bar = persistence?.ValidationAverage.Mae ?? double.PositiveInfinity;
        var best = outcomes
            .Where(o => !o.Family.IsBaseline() && o.Trained && !double.IsNaN(o.ValidationAverage.Mae))
            .OrderBy(o => o.ValidationAverage.Mae)
            .FirstOrDefault();
        if (best is null)
            return (ModelFamily.Persistence, "no trained family is available; persistence serves");
        if (!(best.ValidationAverage.Mae < bar))
            return (ModelFamily.Persistence,
                $"no trained family beats persistence on validation (best: {best.Family.Code()} MAE {best.ValidationAverage.Mae:0.##} vs persistence {bar:0.##}); persistence serves");
        var ensemble = outcomes.FirstOrDefault(o => o.Family == ModelFamily.Ensemble && o.Trained && !double.IsNaN(o.ValidationAverage.Mae));
        if (best.Family != ModelFamily.Ensemble && ensemble is not null && ensemble.ValidationAverage.Mae < bar
            && best.ValidationAverage.Mae >= ensemble.ValidationAverage.Mae * (1 - ensembleMargin))
            return (ModelFamily.Ensemble,
                $"ensemble: {best.Family.Code()}'s validation MAE ({best.ValidationAverage.Mae:0.##}) is not {100 * ensembleMargin:0.#} % below the ensemble's ({ensemble.ValidationAverage.Mae:0.##}), {100 * (1 - ensemble.ValidationAverage.Mae / bar):0.#} % below persistence ({bar:0.##})");
        return (best.Family,
            $"{best.Family.Code()} has the lowest validation MAE ({best.ValidationAverage.Mae:0.##}), {100 * (1 - best.ValidationAverage.Mae / bar):0.#} % below persistence ({bar:0.##})");
    }

    /// <summary>
    /// What serves after a training run: the run's choice replaces the serving model when it is better on the same
    /// out-of-sample forecasts (or nothing serves yet); the serving model stays when it is not beaten; with no trained
    /// choice, the serving model stays only while it still beats persistence, else the better baseline serves.
    /// </summary>
    /// <param name="challengerTrained">The run chose a trained family (not persistence) and its model exists.</param>
    /// <param name="challengerMae">The choice's MAE on the forecasts compared with the serving model (see <see cref="IncumbentComparison"/>).</param>
    /// <param name="incumbentMae">The serving model's MAE on the same forecasts; null when none serves or nothing stands for it.</param>
    /// <param name="hasIncumbent">A trained model serves now.</param>
    /// <param name="persistenceMae">Persistence's validation MAE in this run.</param>
    public static ServingDecision Decide(bool challengerTrained, double challengerMae, double? incumbentMae, bool hasIncumbent, double persistenceMae)
    {
        if (challengerTrained) return ChallengerWins(challengerMae, incumbentMae) ? ServingDecision.Promote : ServingDecision.Keep;
        return hasIncumbent && incumbentMae is { } inc && inc < persistenceMae ? ServingDecision.Keep : ServingDecision.Baseline;
    }

    /// <summary>True when a challenger's validation MAE is lower than the serving model's on the same window.</summary>
    public static bool ChallengerWins(double challengerMae, double? incumbentMae) =>
        !double.IsNaN(challengerMae) && (incumbentMae is not { } inc || double.IsNaN(inc) || challengerMae < inc);
}

/// <summary>The outcome of <see cref="ChampionSelection.Decide"/>.</summary>
public enum ServingDecision
{
    /// <summary>The run's choice serves from now on.</summary>
    Promote,

    /// <summary>The serving model keeps serving.</summary>
    Keep,

    /// <summary>No trained model serves: the better baseline does.</summary>
    Baseline,
}
