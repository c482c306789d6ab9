namespace AirQuality.Domain.Outlook;

/// <summary>One hour of a forecast with its bands, as the outlooks read it.</summary>
/// <param name="Time">The hour forecast (start of the hour, UTC).</param>
public sealed record ForecastPoint(DateTime Time, int Horizon, double Value, double Lower80, double Upper80, double Lower90, double Upper90)
{
    public BandDistribution Distribution() => BandDistribution.Fit(Value, Lower80, Upper80, Lower90, Upper90);
}

/// <summary>The daily AQI convention of CPCB's bulletin, in this system's UTC hours.</summary>
/// <remarks>
/// CPCB's bulletin gives the India AQI of the 24 hours ending at 16:00 IST. Hours here are UTC hour starts, and IST
/// is UTC+05:30, so the day's AQI is the hourly India AQI (itself made of 24-hour running averages) of the last UTC
/// hour that ends by 16:00 IST: the hour starting at 09:00 UTC (ending 10:00 UTC = 15:30 IST). CPCB's own hourly
/// values start on the IST hour (15:00-16:00 IST starts at 09:30 UTC) and are stored in that same UTC hour, so for
/// CPCB data the window is exactly CPCB's.
/// </remarks>
public static class BulletinDay
{
    /// <summary>India Standard Time, UTC+05:30 (no daylight saving).</summary>
    public static readonly TimeSpan IstOffset = TimeSpan.FromHours(5.5);

    /// <summary>The hour (UTC start) whose India AQI is the day's bulletin AQI.</summary>
    public static DateTime Hour(DateOnly date) => date.ToDateTime(new TimeOnly(9, 0), DateTimeKind.Utc);

    /// <summary>When the day's bulletin can be issued: 16:00 IST.</summary>
    public static DateTime IssueTime(DateOnly date) => date.ToDateTime(new TimeOnly(10, 30), DateTimeKind.Utc);

    /// <summary>The date in India at an instant.</summary>
    public static DateOnly IndiaDate(DateTime utc) => DateOnly.FromDateTime(utc + IstOffset);

    /// <summary>The latest day whose bulletin can be issued at <paramref name="utc"/>.</summary>
    public static DateOnly LatestIssued(DateTime utc)
    {
        var today = IndiaDate(utc);
        return utc >= IssueTime(today) ? today : today.AddDays(-1);
    }
}
