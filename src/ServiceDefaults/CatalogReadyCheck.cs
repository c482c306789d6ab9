using AirQuality.Domain.Cities;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AirQuality.ServiceDefaults;

/// <summary>
/// Ready once every city of the catalog answers with a current AQI: until then rankings and comparisons would list
/// only the cities that happen to have polled (right after a start, 31 of 56). Once all have answered the check stays
/// healthy (cities keep themselves running with their reminders, and the cluster checks cover losing a silo), so a
/// ready process asks no more grains on each probe.
/// </summary>
public sealed class CatalogReadyCheck(IGrainFactory grains, CityCatalog catalog) : IHealthCheck
{
    /// <summary>How long one probe waits for the cities' answers.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(3);

    private volatile bool _allAnswered;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var total = catalog.All.Count;
        if (_allAnswered) return HealthCheckResult.Healthy($"all {total} cities answer");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(Wait);
        var waiting = new System.Collections.Concurrent.ConcurrentBag<string>();
        try
        {
            await Parallel.ForEachAsync(catalog.All, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cts.Token }, async (city, ct) =>
            {
                var current = await grains.GetGrain<ICityGrain>(GrainKeys.City(city)).GetCurrent().WaitAsync(ct);
                if (current is null) waiting.Add(city.Name);
            });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus,
                $"{total - waiting.Count} of {total} cities checked before {(cts.IsCancellationRequested ? $"the {Wait.TotalSeconds:0} s wait ran out" : ex.GetType().Name)}");
        }
        if (waiting.IsEmpty)
        {
            _allAnswered = true;
            return HealthCheckResult.Healthy($"all {total} cities answer");
        }
        var names = waiting.Order(StringComparer.Ordinal).ToList();
        return new HealthCheckResult(context.Registration.FailureStatus,
            $"{total - names.Count} of {total} cities answer; waiting for {string.Join(", ", names.Take(5))}{(names.Count > 5 ? $" and {names.Count - 5} more" : "")}");
    }
}
