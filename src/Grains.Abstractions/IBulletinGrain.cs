using AirQuality.Domain.Aqi;

namespace AirQuality.Grains.Abstractions;

/// <summary>
/// The daily bulletin of one date (key `bulletin-2025-11-05`, see <see cref="GrainKeys.Bulletin"/>): every city's India AQI
/// of the 24 hours ending 16:00 IST, composed once the hour has passed and archived in the grain's persisted state
/// (PostgreSQL in cluster mode, memory in embedded mode).
/// </summary>
public interface IBulletinGrain : IGrainWithStringKey
{
    /// <summary>
    /// The archived bulletin; before 16:00 IST a provisional one from the hours so far (not archived); null for a date
    /// still in the future.
    /// </summary>
    Task<DailyBulletin?> Get();

    /// <summary>Composes and archives the bulletin now (the daily schedule calls this at 16:00 IST).</summary>
    Task<DailyBulletin?> Issue();
}

/// <summary>Issues the day's bulletin at 16:00 IST every day (a reminder, so it survives silo restarts).</summary>
public interface IBulletinScheduleGrain : IGrainWithStringKey
{
    Task Start();
}

/// <summary>A day's bulletin.</summary>
/// <param name="Date">The date in India (`yyyy-MM-dd`).</param>
/// <param name="Hour">The UTC hour whose 24-hour India AQI is the day's (09:00 UTC, ending 15:30 IST).</param>
/// <param name="Final">True once archived at or after 16:00 IST; false for a provisional answer earlier in the day.</param>
[GenerateSerializer, Immutable]
public sealed record DailyBulletin(string Date, DateTime Hour, DateTime ComposedAt, bool Final, IReadOnlyList<BulletinCity> Cities);

/// <summary>One city of a bulletin.</summary>
/// <param name="Aqi">India AQI of the 24 hours; null when CPCB's minimum-data rules are not met.</param>
/// <param name="ProvisionalAqi">The highest sub-index, shown when the AQI is incomplete.</param>
/// <param name="Prominent">The dominant pollutant, then any other with a sub-index above 100, highest first.</param>
/// <param name="Sources">The sources that contributed values in the 24 hours.</param>
/// <param name="HoursWithData">Hours of the 24 with at least one pollutant value.</param>
/// <param name="Excluded">Values left out of the AQI by the data-quality rules, as `source:pollutant:flag` with a count.</param>
[GenerateSerializer, Immutable]
public sealed record BulletinCity(
    string CityId,
    string City,
    string State,
    int? Aqi,
    int? ProvisionalAqi,
    string? Category,
    IReadOnlyList<string> Prominent,
    IReadOnlyList<SubIndex> SubIndices,
    IReadOnlyList<string> Sources,
    int HoursWithData,
    bool Complete,
    bool Simulated,
    IReadOnlyList<BulletinForecastDay> Forecast,
    IReadOnlyList<string> Notes,
    IReadOnlyDictionary<string, int> Excluded);

/// <summary>The forecast category of a later day, with its probability.</summary>
/// <param name="Hour">The forecast hour read (the day's bulletin hour).</param>
/// <param name="Horizon">Hours ahead of the forecast's origin.</param>
/// <param name="Probabilities">Probability of each India category, lowest first.</param>
[GenerateSerializer, Immutable]
public sealed record BulletinForecastDay(string Date, DateTime Hour, int Horizon, double Aqi, string Category, double Probability,
    IReadOnlyDictionary<string, double> Probabilities, string Model);
