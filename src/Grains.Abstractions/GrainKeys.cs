using AirQuality.Domain.Cities;

namespace AirQuality.Grains.Abstractions;

/// <summary>
/// The one place grain keys are built. Every key carries a prefix with non-hex letters: the ADO.NET storage reads a
/// key made only of hex digits as a number, which would merge distinct keys into one row.
/// </summary>
public static class GrainKeys
{
    public const string CityPrefix = "city-";

    /// <summary>Key of the grain of a city (`city-delhi`).</summary>
    public static string City(City city) => CityPrefix + city.Id;

    /// <summary>Key of the grain of a city id (`delhi` -> `city-delhi`).</summary>
    public static string City(string cityId) => CityPrefix + cityId;

    /// <summary>The city id inside a city grain key.</summary>
    public static string CityIdOf(string key) =>
        key.StartsWith(CityPrefix, StringComparison.Ordinal) ? key[CityPrefix.Length..] : throw new ArgumentException($"'{key}' is not a city grain key", nameof(key));

    public const string ForecastPrefix = "forecast-";

    /// <summary>Key of a city's forecasting companion grain (`forecast-delhi`).</summary>
    public static string Forecast(string cityId) => ForecastPrefix + cityId;

    /// <summary>The city id inside a forecast grain key.</summary>
    public static string CityIdOfForecast(string key) =>
        key.StartsWith(ForecastPrefix, StringComparison.Ordinal) ? key[ForecastPrefix.Length..] : throw new ArgumentException($"'{key}' is not a forecast grain key", nameof(key));

    /// <summary>Key of the singleton that keeps every city's latest AQI.</summary>
    public const string Rankings = "rankings-all";

    /// <summary>Key of the singleton that keeps every city's data-quality flags.</summary>
    public const string Quality = "quality-all";

    /// <summary>Key of the singleton that keeps the health of every upstream source.</summary>
    public const string SourceHealth = "sourcehealth-all";

    /// <summary>Key of the singleton that fans state changes out to subscribed web fronts.</summary>
    public const string Notifier = "notifier-all";

    /// <summary>Key of the singleton that notices cities that stopped polling.</summary>
    public const string PollWatchdog = "watchdog-polls";

    /// <summary>Key of the singleton that applies the readings store's retention and creates its partitions.</summary>
    public const string StorageMaintenance = "maintenance-storage";

    /// <summary>Key of the singleton that gathers how every silo's writes to the store stand.</summary>
    public const string StorageHealth = "health-storage";

    public const string BulletinPrefix = "bulletin-";

    /// <summary>Key of the bulletin of a date in India (`bulletin-2025-11-05`).</summary>
    public static string Bulletin(DateOnly date) => BulletinPrefix + date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The date inside a bulletin grain key.</summary>
    public static DateOnly DateOfBulletin(string key) =>
        key.StartsWith(BulletinPrefix, StringComparison.Ordinal) && DateOnly.TryParseExact(key[BulletinPrefix.Length..], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d)
            ? d : throw new ArgumentException($"'{key}' is not a bulletin grain key", nameof(key));

    /// <summary>Key of the singleton that issues the bulletin every day.</summary>
    public const string BulletinSchedule = "bulletinschedule-all";

    public const string AlertSubscriptionPrefix = "alertsub-";

    /// <summary>Key of an alert subscription (`alertsub-sub_3f2a...`).</summary>
    public static string AlertSubscription(string id) => AlertSubscriptionPrefix + id;

    /// <summary>The subscription id inside a subscription grain key.</summary>
    public static string SubscriptionIdOf(string key) =>
        key.StartsWith(AlertSubscriptionPrefix, StringComparison.Ordinal) ? key[AlertSubscriptionPrefix.Length..] : throw new ArgumentException($"'{key}' is not a subscription grain key", nameof(key));

    public const string CityAlertsPrefix = "cityalerts-";

    /// <summary>Key of a city's alert evaluation grain (`cityalerts-delhi`).</summary>
    public static string CityAlerts(string cityId) => CityAlertsPrefix + cityId;

    /// <summary>The city id inside a city alert grain key.</summary>
    public static string CityIdOfAlerts(string key) =>
        key.StartsWith(CityAlertsPrefix, StringComparison.Ordinal) ? key[CityAlertsPrefix.Length..] : throw new ArgumentException($"'{key}' is not a city alert grain key", nameof(key));

    /// <summary>Key of the singleton that lists every subscription.</summary>
    public const string AlertIndex = "alertindex-all";

    /// <summary>Key of the singleton that runs the periodic alert check.</summary>
    public const string AlertSchedule = "alertschedule-all";

    /// <summary>Key of the singleton that pushes dashboard alerts to web fronts.</summary>
    public const string AlertPush = "alertpush-all";
}
