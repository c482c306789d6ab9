using AirQuality.Domain.Cities;
using Microsoft.AspNetCore.SignalR;

namespace AirQuality.WebFront.Push;

/// <summary>
/// Live updates for browsers and other clients at `/hubs/aqi`. A client joins the cities it shows
/// (`Subscribe("Delhi")`, or `"*"` for every city) and receives `cityChanged` messages
/// (`{"city_id","kind","at","aqi"}`) when new readings, forecasts or models arrive; or takes them a batch at a time
/// (`SubscribeBatches()`, message `citiesChanged` with an array of them).
/// </summary>
public sealed class AqiHub(CityCatalog catalog) : Hub
{
    public const string Path = "/hubs/aqi";
    public const string AllCities = "*";

    public static string Group(string cityId) => "city:" + cityId;

    /// <summary>Subscribes the caller to a city (name or alias) or to all cities (`*`); returns the city id.</summary>
    public async Task<string> Subscribe(string city)
    {
        var id = Resolve(city);
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(id));
        return id;
    }

    /// <summary>The group of dashboard users who opted in to alerts (message `alert`).</summary>
    public const string AlertsGroup = "alerts";

    /// <summary>Opts the caller in to the alerts of subscriptions that publish to the dashboard.</summary>
    public Task SubscribeAlerts() => Groups.AddToGroupAsync(Context.ConnectionId, AlertsGroup);

    public Task UnsubscribeAlerts() => Groups.RemoveFromGroupAsync(Context.ConnectionId, AlertsGroup);

    /// <summary>
    /// The group of clients that take every city's changes as one `citiesChanged` message per batch (an array of the
    /// `cityChanged` payloads applied together, e.g. one poll cycle's) rather than a message per change.
    /// </summary>
    public const string BatchesGroup = "changes:batches";

    /// <summary>Joins <see cref="BatchesGroup"/>: `citiesChanged` with every city's changes, a batch at a time.</summary>
    public Task SubscribeBatches() => Groups.AddToGroupAsync(Context.ConnectionId, BatchesGroup);

    public Task UnsubscribeBatches() => Groups.RemoveFromGroupAsync(Context.ConnectionId, BatchesGroup);

    public async Task Unsubscribe(string city) =>
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(Resolve(city)));

    private string Resolve(string city) =>
        city == AllCities ? AllCities : catalog.Resolve(city)?.Id ?? throw new HubException($"Unknown city '{city}'");
}
