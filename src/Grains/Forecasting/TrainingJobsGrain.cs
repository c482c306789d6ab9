using AirQuality.Grains.Abstractions;
using Orleans.Concurrency;

namespace AirQuality.Grains.Forecasting;

/// <summary>Reads the training queue for the web front; on every silo, so a job's state is one local read away.</summary>
[StatelessWorker]
public sealed class TrainingJobsGrain(ITrainingQueue queue) : Grain, ITrainingJobsGrain
{
    public Task<TrainingJobView?> Get(long jobId) => queue.GetAsync(jobId);
}
