using AirQuality.Domain.Cities;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Quality;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Cities;

/// <summary>
/// What a <see cref="CityGrain"/> is built from: the silo's services it needs and the named pieces of one city made
/// from them (its poll cycle, history, announcer, assessor and state writer). Registered transient: one per activation.
/// </summary>
public sealed class CityParts(
    CityCatalog catalog,
    IEnumerable<IAirQualitySource> sources,
    IReadingStore store,
    TimeProvider clock,
    IOptions<CityOptions> options,
    SourceHealthReporter health,
    CityMetrics metrics,
    PollSlots slots,
    QualityMetrics qualityMetrics,
    WriteBufferMonitor writes,
    IOptions<WriteBufferOptions> writeOptions,
    ILogger<CityGrain> logger)
{
    public CityOptions Options { get; } = options.Value;

    public CityMetrics Metrics => metrics;

    /// <summary>The silo's bound on polls at once.</summary>
    public PollSlots Slots => slots;

    public DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>The catalog city of a city grain's key.</summary>
    public City CityOf(string grainKey)
    {
        var id = GrainKeys.CityIdOf(grainKey);
        return catalog.ById(id) ?? throw new InvalidOperationException($"City '{id}' is not in the catalog");
    }

    public PollCycle Cycle(City city, IGrainFactory grains) => new(city, sources.ToList(), health, grains, Options.SourceTimeout, logger);

    public CityHistory History(City city) => new(city, store, Options, logger);

    public CityAnnouncer Announcer(City city, IGrainFactory grains) => new(city, grains, logger);

    public CityAssessor Assessor(City city, QualityState state, IGrainFactory grains) =>
        new(city, state, qualityMetrics, q => grains.GetGrain<IDataQualityGrain>(GrainKeys.Quality).Report(q).Ignore());

    /// <summary>The city's state writer; its retry is a timer of <paramref name="grain"/> that writes under <paramref name="gate"/>.</summary>
    public StateWriter<CityState> Writer(IPersistentState<CityState> state, Grain grain, City city, AsyncLock gate)
    {
        var period = writeOptions.Value.StateRetryPeriod;
        return new(state, grain.GetPrimaryKeyString(), city.Name, writes, logger, retry =>
            grain.RegisterGrainTimer(ct => gate.Run(() => retry(ct), ct), new GrainTimerCreationOptions(period, period) { Interleave = true }));
    }

    /// <summary>Time to the city's next `poll` slot (<see cref="PollSchedule"/>).</summary>
    public TimeSpan PollDue(City city) => PollSchedule.DueTime(Now, Options, catalog, city.Id);
}
