using Orleans.Concurrency;

namespace AirQuality.Grains.Abstractions;

/// <summary>Reads the cluster's training queue for the web front (a stateless worker on every silo; key 0).</summary>
public interface ITrainingJobsGrain : IGrainWithIntegerKey
{
    /// <summary>A training job's state; null when no such job exists (or it was purged).</summary>
    [ReadOnly]
    Task<TrainingJobView?> Get(long jobId);
}

/// <summary>A training job as the queue holds it.</summary>
/// <param name="State">`queued`, `leased` (a worker holds it), `running`, `done` or `failed`.</param>
/// <param name="Attempts">Times the job was leased (more than one: a worker stopped heartbeating and another took it over).</param>
/// <param name="Worker">The silo (worker) that holds or last held the lease.</param>
/// <param name="NotBefore">Earliest start: automatic retrainings are spread over the period by a per-city offset.</param>
[GenerateSerializer, Immutable]
public sealed record TrainingJobView(long Id, string CityId, string Reason, string State, int Attempts, string? Worker, DateTime CreatedAt,
    DateTime NotBefore, DateTime? LeasedAt, DateTime? LeaseExpiresAt, DateTime? StartedAt, DateTime? FinishedAt, string? Error);
