using AirQuality.Domain.Aqi;
using AirQuality.Domain.Health;
using AirQuality.WebFront.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AirQuality.WebFront.Contracts;

/// <summary>The official health statement of a category.</summary>
/// <param name="Language">The language of <paramref name="Text"/> (English when the asked language has no statement).</param>
/// <param name="Source">Who says so (CPCB's NAQI table, EPA's AQI basics, or this project's translation of them).</param>
public sealed record HealthAdviceDto(string Category, string Text, string Language, string Source)
{
    public static HealthAdviceDto? For(AqiStandard standard, string? category, string language) =>
        HealthAdviceBook.For(standard, category, language) is { } a ? new HealthAdviceDto(a.Category, a.Text, a.Language, a.Source) : null;

    /// <summary>Reads the `lang` query value; a problem naming the languages there are otherwise.</summary>
    public static bool TryLanguage(string? text, out string language, out ProblemHttpResult? problem)
    {
        problem = null;
        if (HealthAdviceBook.TryLanguage(text, out language)) return true;
        problem = Problems.BadParameter("lang", $"must be one of {string.Join(", ", HealthAdviceBook.Languages)}");
        return false;
    }
}

/// <summary>The daily bulletin: every city's India AQI of the 24 hours ending 16:00 IST.</summary>
/// <param name="Date">The bulletin's date in India.</param>
/// <param name="WindowStart">Start of the first of the 24 hours (UTC).</param>
/// <param name="WindowEnd">End of the last hour (UTC; 15:30 IST, see `method`).</param>
/// <param name="Final">True once archived at 16:00 IST; false for a provisional bulletin earlier in the day.</param>
/// <param name="ProbabilityAssumption">How forecast probabilities are derived from the prediction bands.</param>
public sealed record BulletinDto(
    string Date,
    DateTime WindowStart,
    DateTime WindowEnd,
    DateTime ComposedAt,
    bool Final,
    string Standard,
    string Method,
    string ProbabilityAssumption,
    int Count,
    IReadOnlyList<BulletinCityDto> Cities);

/// <summary>One city of the bulletin.</summary>
/// <param name="Aqi">The India AQI of the 24 hours; null when CPCB's minimum-data rules are not met.</param>
/// <param name="ProminentPollutants">The dominant pollutant, then any other with a sub-index above 100.</param>
/// <param name="Sources">The sources that contributed (ground stations, model output, simulation).</param>
/// <param name="Completeness">Share of the 24 hours with at least one value (0-1).</param>
/// <param name="ExcludedValues">Values left out of the AQI by data-quality rules (`source:pollutant:flag` → count).</param>
public sealed record BulletinCityDto(
    string City,
    string CityId,
    string State,
    int? Aqi,
    int? ProvisionalAqi,
    string? Category,
    string? Color,
    IReadOnlyList<string> ProminentPollutants,
    IReadOnlyList<string> Sources,
    int SourceCount,
    int HoursWithData,
    double Completeness,
    bool Complete,
    bool Simulated,
    HealthAdviceDto? HealthAdvice,
    IReadOnlyList<SubIndexDto> SubIndices,
    IReadOnlyList<BulletinForecastDto> Forecast,
    IReadOnlyList<string> Notes,
    IReadOnlyDictionary<string, int> ExcludedValues);

/// <summary>The forecast category of a later day and how likely it is.</summary>
/// <param name="Probability">Probability of <paramref name="Category"/> (0-1), from the forecast's bands.</param>
/// <param name="Probabilities">Probability of every India category.</param>
/// <param name="HorizonHours">Hours ahead of the forecast's origin.</param>
public sealed record BulletinForecastDto(string Date, string Category, double Probability, double Aqi, int HorizonHours, string Model,
    IReadOnlyDictionary<string, double> Probabilities, HealthAdviceDto? HealthAdvice);

/// <summary>One GRAP stage and the AQI range that invokes it.</summary>
public sealed record GrapStageDto(int Stage, string Name, int AqiLo, int? AqiHi, string Category, string Source);

/// <summary>GRAP for the NCR cities: the stage now, and today, tomorrow and the day after with probabilities.</summary>
public sealed record GrapDto(DateTime GeneratedAt, string Method, string ProbabilityAssumption, IReadOnlyList<GrapStageDto> Stages, IReadOnlyList<GrapCityDto> Cities);

/// <summary>One NCR city's GRAP outlook.</summary>
/// <param name="Aqi">The current India AQI (24-hour running averages) the current stage comes from.</param>
/// <param name="ExpectedChange">The first day whose most likely stage differs from the current one, if any.</param>
public sealed record GrapCityDto(
    string City,
    string CityId,
    string Region,
    int? Aqi,
    DateTime? ObservedAt,
    int? CurrentStage,
    string? CurrentStageName,
    HealthAdviceDto? HealthAdvice,
    IReadOnlyList<GrapDayDto> Days,
    GrapChangeDto? ExpectedChange,
    bool Simulated);

/// <summary>A day of the GRAP outlook.</summary>
/// <param name="Basis">`observed` (the day's 16:00 IST AQI is known), `forecast`, or `unavailable`.</param>
/// <param name="Probability">Probability of <paramref name="Stage"/>; 1 for an observed day.</param>
/// <param name="StageProbabilities">Probability of each stage, stage 0 (none) to 4.</param>
public sealed record GrapDayDto(string Date, string Basis, double? Aqi, int? Stage, string? StageName, double? Probability, int? HorizonHours,
    IReadOnlyList<double> StageProbabilities);

/// <summary>A stage change the outlook expects.</summary>
public sealed record GrapChangeDto(string Date, int FromStage, int ToStage, double Probability);
