namespace AirQuality.Domain.Readings;

/// <summary>Hours as readings use them: the start of an hour, in UTC.</summary>
public static class Hours
{
    /// <summary>
    /// The start of the hour <paramref name="t"/> falls in, in UTC (a local time is converted first; an unspecified
    /// one is taken as UTC).
    /// </summary>
    public static DateTime Floor(DateTime t)
    {
        var utc = t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t;
        return new DateTime(utc.Ticks - utc.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
    }

    /// <summary>The start of the hour of an instant, in UTC.</summary>
    public static DateTime Floor(DateTimeOffset t) => Floor(t.UtcDateTime);
}
