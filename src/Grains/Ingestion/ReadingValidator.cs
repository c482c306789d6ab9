using AirQuality.Domain.Readings;

namespace AirQuality.Grains.Ingestion;

/// <summary>Rejects values that cannot be air: negative, not a number, or beyond physical plausibility; and hours in the future.</summary>
public static class ReadingValidator
{
    /// <summary>Splits a reading into its acceptable part and the rejected values with reasons.</summary>
    public static (SourceReading? Accepted, List<Rejection> Rejections) Validate(SourceReading reading, DateTime now)
    {
        var rejections = new List<Rejection>();
        if (reading.Hour > now.AddHours(1))
        {
            rejections.Add(new Rejection(reading.Source, reading.CityId, "future_timestamp", $"{reading.Hour:O} is after {now:O}"));
            return (null, rejections);
        }
        var kept = new Dictionary<Pollutant, double>();
        foreach (var (p, v) in reading.Values)
        {
            var reason = v switch
            {
                double.NaN or double.PositiveInfinity or double.NegativeInfinity => "not_a_number",
                < 0 => "negative",
                _ when v > p.PlausibleMaximum() => "implausible",
                _ => null,
            };
            if (reason is null) kept[p] = v;
            else rejections.Add(new Rejection(reading.Source, reading.CityId, reason, $"{p.Code()}={v} at {reading.Hour:O}"));
        }
        if (kept.Count == 0 && reading.Weather is null && reading.ReportedUsAqi is null) return (null, rejections);
        return (reading with { Values = kept }, rejections);
    }
}
