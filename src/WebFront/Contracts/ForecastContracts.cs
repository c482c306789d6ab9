namespace AirQuality.WebFront.Contracts;

/// <summary>One forecast hour.</summary>
/// <param name="Time">Start of the hour forecast, UTC.</param>
/// <param name="Value">Forecast value: India AQI, or PM2.5 in µg/m³.</param>
/// <param name="Category">India AQI category of the value (for PM2.5: of its PM2.5 sub-index).</param>
/// <param name="Lower">Lower edge of the prediction band at `level` (split-conformal).</param>
/// <param name="Upper">Upper edge of the prediction band.</param>
public sealed record ForecastHourDto(DateTime Time, int Horizon, double Value, string Category, double Lower, double Upper);

/// <summary>The model behind a forecast.</summary>
/// <param name="Family">`linear`, `random_forest`, `gradient_boosting`, `lstm`, `ensemble`, `global` (one model for all cities), or a baseline (`persistence`, `seasonal_naive`).</param>
/// <param name="Version">Registry version; null for a baseline.</param>
/// <param name="Note">Why this model serves.</param>
public sealed record ForecastModelDto(string Family, int? Version, bool Baseline, string Note);

/// <summary>A city's hourly forecast.</summary>
/// <param name="IssuedFor">The latest hour known when the forecast was made.</param>
/// <param name="Level">Coverage level of the bands (0.8 or 0.9).</param>
public sealed record ForecastDto(string City, string CityId, string Target, string Unit, DateTime IssuedFor, DateTime GeneratedAt, double Level,
    ForecastModelDto Model, IReadOnlyList<ForecastHourDto> Hours);

/// <summary>Body of a batch forecast request.</summary>
public sealed record BatchForecastRequest(IReadOnlyList<string>? Cities, int? HoursAhead, string? Target);

/// <summary>A city of a batch that could not be answered, with its problem.</summary>
public sealed record BatchProblemDto(string City, int Status, string Title, string Detail, IReadOnlyList<string>? Suggestions);

/// <summary>Forecasts of several cities.</summary>
/// <param name="Count">Forecasts on this page.</param>
/// <param name="Meta">`found`: the known cities asked, paged in the order asked.</param>
public sealed record BatchForecastDto(int Count, int HoursAhead, string Target, IReadOnlyList<ForecastDto> Forecasts, IReadOnlyList<BatchProblemDto> Errors, PageMetaDto Meta);

/// <summary>A horizon's prediction band: multiplicative factors around the forecast and coverage on validation data.</summary>
/// <param name="LowerFactor80">The 80 % band's lower edge is about value x this (exactly: exp(log(1 + v) - w) - 1).</param>
public sealed record ConfidenceHorizonDto(int Horizon, double LowerFactor80, double UpperFactor80, double LowerFactor90, double UpperFactor90);

/// <summary>How wide a city's bands are and how often they held.</summary>
/// <param name="ValidationCoverage">Share of validation outcomes inside each band (keys "0.8", "0.9").</param>
/// <param name="LiveMae">MAE of issued forecasts (1-24 h) against what happened since.</param>
public sealed record ConfidenceDto(string City, string Target, string Model, int? Version, string Method, IReadOnlyDictionary<string, double> ValidationCoverage,
    double? LiveMae, int LivePairs, IReadOnlyList<ConfidenceHorizonDto> Horizons, IReadOnlyList<ForecastHourDto> Forecast);
