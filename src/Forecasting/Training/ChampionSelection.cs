using AirQuality.Forecasting.Models;

namespace AirQuality.Forecasting.Training;

/// <summary>
/// Who serves. The champion is the trained family with the lowest validation MAE averaged over horizons 1..48, and
/// only if it beats persistence on that same average; otherwise persistence serves and says so. A challenger replaces
/// a serving model only when it is better on the same validation window.
/// </summary>
public static class ChampionSelection
{
    /// <summary>Chooses among a run's families.</summary>
    public static (ModelFamily Champion, string Reason) Choose(IReadOnlyList<FamilyOutcome> outcomes)
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
        return (best.Family,
            $"{best.Family.Code()} has the lowest validation MAE ({best.ValidationAverage.Mae:0.##}), {100 * (1 - best.ValidationAverage.Mae / bar):0.#} % below persistence ({bar:0.##})");
    }

    /// <summary>True when a challenger's validation MAE is lower than the serving model's on the same window.</summary>
    public static bool ChallengerWins(double challengerMae, double? incumbentMae) =>
        !double.IsNaN(challengerMae) && (incumbentMae is not { } inc || double.IsNaN(inc) || challengerMae < inc);
}
