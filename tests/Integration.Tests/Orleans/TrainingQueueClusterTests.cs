using System.Collections.Concurrent;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Forecasting;
using AirQuality.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace AirQuality.Integration.Tests.Orleans;

/// <summary>
/// Two in-process silos on PostgreSQL (membership, grain state and the training queue): a silo killed while it trains a
/// city loses the job to the other silo, which completes it once. Training itself is a stand-in that holds its first
/// run until the test ends, so the kill always lands mid-training.
/// </summary>
public sealed class TrainingQueueClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly MigratedDatabase _database = new();
    private readonly HeldRunner.Shared _runs = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        var settings = new Dictionary<string, string?>(PostgresClusterFixture.Settings)
        {
            ["ConnectionStrings:Postgres"] = _database.ConnectionString,
            ["Forecasting:TrainingLease"] = "00:00:03",
            ["Forecasting:TrainingHeartbeat"] = "00:00:01",
            ["Forecasting:TrainingPollInterval"] = "00:00:00.500",
        };
        _cluster = PostgresTestCluster.Build(2, _database.ConnectionString, settings,
            host => host.Services.AddSingleton<ITrainingRunner>(sp => new HeldRunner(sp.GetRequiredService<ILocalSiloDetails>().SiloAddress, _runs)));
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        _runs.ReleaseAll();
        await _cluster.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task A_silo_killed_mid_training_loses_the_job_to_the_other_which_completes_it_once()
    {
        var grains = _cluster.Client;
        var forecast = grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast("delhi"));
        var answer = await forecast.Retrain("kill test");
        Assert.True(answer.Queued);
        var job = answer.JobId!.Value;

        var first = await _runs.FirstStarted.WaitAsync(TimeSpan.FromSeconds(60));
        var jobs = grains.GetGrain<ITrainingJobsGrain>(0);
        Assert.Equal(TrainingJobStates.Running, (await jobs.Get(job))!.State);
        output.WriteLine($"job {job} running on {first}; killing it");
        await _cluster.KillSiloAsync(_cluster.GetActiveSilos().Single(s => s.SiloAddress.Equals(first)));

        var survivor = _cluster.GetActiveSilos().Single().SiloAddress;
        TrainingJobView? view = null;
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                view = await grains.GetGrain<ITrainingJobsGrain>(0).Get(job);
                var registry = await forecast.GetModels();
                return view?.State == TrainingJobStates.Done && registry.Retrains == 1 ? null : $"job {view?.State} attempt {view?.Attempts} on {view?.Worker}; retrains {registry.Retrains}";
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                return ex.Message;
            }
        }, TimeSpan.FromSeconds(60), "the job completed by the surviving silo");

        Assert.Equal(2, view!.Attempts);
        Assert.Contains(survivor.Endpoint.ToString(), view.Worker, StringComparison.Ordinal);
        Assert.Equal([first, survivor], _runs.Starts.ToArray());
        // The killed silo's run, let go now, finds its lease taken over: nothing more is delivered.
        _runs.ReleaseAll();
        Assert.Equal(1, (await forecast.GetModels()).Retrains);
        Assert.Equal(TrainingJobStates.Done, (await grains.GetGrain<ITrainingJobsGrain>(0).Get(job))!.State);
    }

    /// <summary>Stands for training: the first run anywhere holds until released; later runs finish at once.</summary>
    private sealed class HeldRunner(SiloAddress silo, HeldRunner.Shared shared) : ITrainingRunner
    {
        public sealed class Shared
        {
            private readonly TaskCompletionSource<SiloAddress> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
            private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

            public ConcurrentQueue<SiloAddress> Starts { get; } = new();

            public Task<SiloAddress> FirstStarted => _first.Task;

            public Task Released => _release.Task;

            public bool Claim(SiloAddress silo) => _first.TrySetResult(silo);

            public void ReleaseAll() => _release.TrySetResult();
        }

        public async Task<TrainingReport> RunAsync(TrainingJob job, CancellationToken cancellationToken)
        {
            shared.Starts.Enqueue(silo);
            if (shared.Claim(silo)) await shared.Released.WaitAsync(cancellationToken);
            var now = DateTime.UtcNow;
            return new TrainingReport(job.CityId, job.Reason, now, now, 0, [], null);
        }
    }
}
