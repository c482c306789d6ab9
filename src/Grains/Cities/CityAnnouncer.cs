using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace AirQuality.Grains.Cities;

/// <summary>What a city tells others after a change: the rankings its AQI, then the forecast grain its changed hours.</summary>
public sealed class CityAnnouncer(City city, IGrainFactory grains, ILogger logger)
{
    private static readonly TimeSpan RankingsTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Tells the rankings the AQI, then the forecast grain the changed hours (it refreshes, then tells the web fronts
    /// once). In that order: a web front that drops its cached rankings on the change must find the new AQI when it
    /// asks again. Without <paramref name="changed"/> (an activation: answers cached meanwhile may be stale) the web
    /// fronts are told directly.
    /// </summary>
    public async Task AnnounceAsync(CityCurrent? current, IReadOnlyList<CityHour>? changed, DateTime now)
    {
        if (current is { } c)
        {
            var summary = new CityAqiSummary(c.CityId, c.City, city.State, c.Timestamp, c.India.Headline, c.India.Category,
                c.India.Complete, c.Us.Aqi, c.Us.Category, c.India.Dominant?.Code(), c.Simulated, city.Latitude, city.Longitude);
            try
            {
                // Bounded: a rankings grain on a silo that just died is not waited for past the next poll's time.
                await grains.GetGrain<IRankingsGrain>(GrainKeys.Rankings).Report(summary).WaitAsync(RankingsTimeout);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The next change reports again; the city's own answers are already up to date.
                logger.LogWarning("Rankings did not take {City}'s AQI: {Error}", city.Name, ex.Message);
            }
        }
        var aqi = current?.India.Headline;
        if (changed is null)
            grains.GetGrain<INotifierGrain>(GrainKeys.Notifier).Publish(new CityChange(city.Id, CityChangeKind.Readings, now, aqi)).Ignore();
        else
            grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(city.Id)).HoursChanged(new CityHoursChanged(city.Id, now, changed, aqi)).Ignore();
    }
}
