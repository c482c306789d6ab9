using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace AirQuality.Integration.Tests.Orleans;

/// <summary>
/// Three in-process silos on PostgreSQL (<see cref="PostgresTestCluster"/>); membership timeouts are shortened so a killed
/// silo is noticed in seconds, and cities poll every 3 s.
/// </summary>
public sealed class PostgresClusterFixture : IAsyncLifetime
{
    public MigratedDatabase Database { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public static readonly Dictionary<string, string?> Settings = new()
    {
        ["Cities:BackfillDays"] = "2",
        ["Cities:PollPeriod"] = "00:00:03",
        ["Cities:PollOffset"] = "00:00:00",
        ["Sources:Simulated:Enabled"] = "true",
        // Off: the failover test proves that the reminders alone keep moved cities polling (the watchdog is tested on its own).
        ["Cities:WatchdogPeriod"] = "00:00:00",
        // One training at a time per silo: three silos training 56 cold starts each on two shared cores starve the
        // cities' start calls past Orleans' 30 s response timeout.
        ["Forecasting:TrainingConcurrency"] = "1",
        ["Orleans:Membership:ProbeTimeout"] = "00:00:01",
        ["Orleans:Membership:IAmAliveTablePublishTimeout"] = "00:00:02",
        ["Orleans:Membership:TableRefreshTimeout"] = "00:00:02",
        ["Orleans:Rebalancer:Enabled"] = "false",
    };

    /// <summary>How often each silo re-reads the reminder table for its ring range.</summary>
    public static readonly TimeSpan RefreshReminderListPeriod = TimeSpan.FromSeconds(10);

    /// <summary>The failure-detection settings the silos run with.</summary>
    public ClusterMembershipOptions Membership => Cluster.GetActiveSilos().First().ServiceProvider
        .GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        Cluster = PostgresTestCluster.Build(3, Database.ConnectionString, Settings, silo: silo => silo.Configure<ReminderOptions>(o =>
        {
            o.MinimumReminderPeriod = TimeSpan.FromSeconds(1);
            // A survivor reads a dead silo's reminders when the ring changes; should that read fail or lag on a
            // starved machine, the periodic re-read (5 min by default) is the fallback, shortened here.
            o.RefreshReminderListPeriod = RefreshReminderListPeriod;
        }));
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
    }
}
