using System.Globalization;
using AirQuality.Domain.Aqi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AirQuality.WebFront.Infrastructure;

/// <summary>Query values read as text and checked here, so every bad value gets a problem naming it.</summary>
public static class QueryParsing
{
    public static bool TryStandard(string? text, out AqiStandard standard, out ProblemHttpResult? problem)
    {
        problem = null;
        if (AqiStandards.TryParse(text, out standard)) return true;
        problem = Problems.BadParameter("standard", "must be 'in' (India NAQI) or 'us' (US EPA)");
        return false;
    }

    public static bool TryInt(string? text, string name, int min, int max, int fallback, out int value, out ProblemHttpResult? problem)
    {
        problem = null;
        value = fallback;
        if (string.IsNullOrWhiteSpace(text)) return true;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && value <= max) return true;
        problem = Problems.BadParameter(name, $"must be a whole number from {min} to {max}");
        return false;
    }

    public static bool TryConcentration(string? text, string name, out double? value, out ProblemHttpResult? problem)
    {
        problem = null;
        value = null;
        if (text is null) return true;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= 0 && v <= 1e6)
        {
            value = v;
            return true;
        }
        problem = Problems.BadParameter(name, "must be a non-negative number (µg/m³; CO in mg/m³) no greater than 1000000");
        return false;
    }

    public static bool TryInstant(string? text, string name, out DateTime? value, out ProblemHttpResult? problem)
    {
        problem = null;
        value = null;
        if (string.IsNullOrWhiteSpace(text)) return true;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            value = t.UtcDateTime;
            return true;
        }
        problem = Problems.BadParameter(name, "must be an ISO 8601 date or time, e.g. 2024-05-06 or 2025-11-05T10:00:00Z");
        return false;
    }
}
