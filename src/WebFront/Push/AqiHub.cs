using AirQuality.Domain.Cities;
using Microsoft.AspNetCore.SignalR;

namespace AirQuality.WebFront.Push;

/// <summary>
/// Live updates for browsers and other clients at `/hubs/aqi`. A client joins the cities it shows
/// (`Subscribe("Delhi")`, or `"*"` for every city) and receives `cityChanged` messages
/// (`{"city_id","kind","at","aqi"}`) when new readings, forecasts or models arrive.
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

    public async Task Unsubscribe(string city) =>
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(Resolve(city)));

    private string Resolve(string city) =>
        city == AllCities ? AllCities : catalog.Resolve(city)?.Id ?? throw new HubException($"Unknown city '{city}'");
}
