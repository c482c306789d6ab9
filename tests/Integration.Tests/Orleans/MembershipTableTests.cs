using System.Net;
using AirQuality.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService;

namespace AirQuality.Integration.Tests.Orleans;

/// <summary>Cluster membership through Orleans' own ADO.NET provider on this project's schema.</summary>
public sealed class MembershipTableTests(MigratedDatabase db) : IClassFixture<MigratedDatabase>
{
    private readonly string _cluster = "test-" + Guid.NewGuid().ToString("N")[..12];
    private static readonly DateTime Now = DateTime.UtcNow;

    private async Task<AdoNetClusteringTable> TableAsync()
    {
        var table = new AdoNetClusteringTable(
            new ServiceCollection().AddLogging().BuildServiceProvider(),
            Options.Create(new ClusterOptions { ClusterId = _cluster, ServiceId = "aq" }),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = OrleansClientHosting.PostgresInvariant, ConnectionString = db.ConnectionString }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await table.InitializeMembershipTableAsync(true);
        return table;
    }

    private static MembershipEntry Silo(int n, SiloStatus status = SiloStatus.Active, DateTime? at = null, int proxyPort = 30000) => new()
    {
        SiloAddress = SiloAddress.New(new IPEndPoint(IPAddress.Parse($"10.1.0.{n}"), 11111), 1000 + n),
        Status = status,
        SiloName = $"silo-{n}",
        HostName = $"host-{n}",
        ProxyPort = proxyPort,
        StartTime = at ?? Now,
        IAmAliveTime = at ?? Now,
        SuspectTimes = [],
    };

    [Fact]
    public async Task Version_record_is_created_once_at_version_0()
    {
        var first = await db.RunAsync("InsertMembershipVersionKey", Arg.Text("DeploymentId", _cluster + "-v"));
        var again = await db.RunAsync("InsertMembershipVersionKey", Arg.Text("DeploymentId", _cluster + "-v"));
        Assert.Equal(1, Convert.ToInt32(Assert.Single(first).Values.Single()));
        Assert.Equal(0, Convert.ToInt32(Assert.Single(again).Values.Single()));

        var table = await TableAsync();
        var data = await table.ReadAllAsync();
        Assert.Equal(0, data.Version.Version);
        Assert.Empty(data.Members);
    }

    [Fact]
    public async Task Insert_with_a_stale_version_returns_false_and_changes_nothing()
    {
        var table = await TableAsync();
        var v0 = (await table.ReadAllAsync()).Version;
        Assert.True(await table.InsertRowAsync(Silo(1), v0.Next()));
        Assert.False(await table.InsertRowAsync(Silo(2), v0.Next()));

        var data = await table.ReadAllAsync();
        Assert.Equal(1, data.Version.Version);
        Assert.Equal("silo-1", Assert.Single(data.Members).Item1.SiloName);
    }

    [Fact]
    public async Task Insert_of_a_silo_already_there_returns_false_and_keeps_the_version()
    {
        var table = await TableAsync();
        Assert.True(await table.InsertRowAsync(Silo(1), (await table.ReadAllAsync()).Version.Next()));
        var v1 = (await table.ReadAllAsync()).Version;

        Assert.False(await table.InsertRowAsync(Silo(1), v1.Next()));

        var data = await table.ReadAllAsync();
        Assert.Equal(1, data.Version.Version);
        Assert.Single(data.Members);
    }

    [Fact]
    public async Task Update_needs_the_current_version_and_keeps_what_it_does_not_set()
    {
        var table = await TableAsync();
        var started = Now.AddMinutes(-5);
        Assert.True(await table.InsertRowAsync(Silo(1, at: started), (await table.ReadAllAsync()).Version.Next()));
        var read = await table.ReadAllAsync();
        var (entry, etag) = read.Members.Single();

        var voter = SiloAddress.New(new IPEndPoint(IPAddress.Parse("10.1.0.9"), 11111), 77);
        var suspected = new DateTime(2026, 3, 1, 12, 0, 5, 123, DateTimeKind.Utc);
        var changed = Silo(1, SiloStatus.Dead, at: started);
        changed.SiloName = "renamed";
        changed.IAmAliveTime = Now;
        changed.SuspectTimes = [Tuple.Create(voter, suspected)];
        Assert.True(await table.UpdateRowAsync(changed, etag, read.Version.Next()));
        Assert.False(await table.UpdateRowAsync(changed, etag, read.Version.Next()));

        var after = await table.ReadAllAsync();
        Assert.Equal(2, after.Version.Version);
        var stored = after.Members.Single().Item1;
        Assert.Equal(SiloStatus.Dead, stored.Status);
        Assert.Equal("silo-1", stored.SiloName);
        Assert.Equal(started, stored.StartTime, TimeSpan.FromMilliseconds(1));
        var vote = Assert.Single(stored.SuspectTimes!);
        Assert.Equal(voter, vote.Item1);
        Assert.Equal(suspected, vote.Item2);
    }

    [Fact]
    public async Task Update_of_a_missing_silo_returns_false_and_keeps_the_version()
    {
        var table = await TableAsync();
        Assert.True(await table.InsertRowAsync(Silo(1), (await table.ReadAllAsync()).Version.Next()));
        var read = await table.ReadAllAsync();

        Assert.False(await table.UpdateRowAsync(Silo(2, SiloStatus.Dead), read.Members.Single().Item2, read.Version.Next()));

        Assert.Equal(1, (await table.ReadAllAsync()).Version.Version);
    }

    [Fact]
    public async Task Heartbeat_only_moves_forward_and_leaves_the_version()
    {
        var table = await TableAsync();
        var entry = Silo(1, at: Now.AddMinutes(-1));
        Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));

        entry.IAmAliveTime = Now.AddSeconds(30);
        await table.UpdateIAmAliveAsync(entry);
        entry.IAmAliveTime = Now.AddSeconds(10);
        await table.UpdateIAmAliveAsync(entry);

        var data = await table.ReadAllAsync();
        Assert.Equal(1, data.Version.Version);
        Assert.Equal(Now.AddSeconds(30), data.Members.Single().Item1.IAmAliveTime, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Gateways_are_the_active_silos_with_a_proxy_port()
    {
        var table = await TableAsync();
        foreach (var e in new[] { Silo(1), Silo(2, proxyPort: 0), Silo(3, SiloStatus.Dead) })
            Assert.True(await table.InsertRowAsync(e, (await table.ReadAllAsync()).Version.Next()));

        var rows = await db.RunAsync("GatewaysQueryKey", Arg.Text("DeploymentId", _cluster), Arg.Int("Status", (int)SiloStatus.Active));

        var row = Assert.Single(rows);
        Assert.Equal("10.1.0.1", row["address"]);
        Assert.Equal(30000, row["proxyport"]);
        Assert.Equal(1001, row["generation"]);
    }

    [Fact]
    public async Task Cleanup_removes_only_dead_silos_whose_every_time_is_before_the_cutoff()
    {
        var table = await TableAsync();
        var old = Now.AddDays(-2);
        var oldVoter = Tuple.Create(SiloAddress.New(new IPEndPoint(IPAddress.Parse("10.1.0.9"), 11111), 5), old);
        var recentVoter = Tuple.Create(oldVoter.Item1, Now);
        var deadOld = Silo(2, SiloStatus.Dead, old);
        deadOld.SuspectTimes = [oldVoter];
        var deadRecentVote = Silo(4, SiloStatus.Dead, old);
        deadRecentVote.SuspectTimes = [recentVoter];
        foreach (var e in new[] { Silo(1, SiloStatus.Active, old), deadOld, Silo(3, SiloStatus.Dead), deadRecentVote })
            Assert.True(await table.InsertRowAsync(e, (await table.ReadAllAsync()).Version.Next()));
        // Insert leaves suspect times empty; record the votes the way the runtime does, with an update.
        foreach (var e in new[] { deadOld, deadRecentVote })
        {
            var read = await table.ReadAllAsync();
            Assert.True(await table.UpdateRowAsync(e, read.Members.First().Item2, read.Version.Next()));
        }
        var versionBefore = (await table.ReadAllAsync()).Version.Version;

        await table.CleanupDefunctSiloEntriesAsync(Now.AddDays(-1));

        var data = await table.ReadAllAsync();
        Assert.Equal(["silo-1", "silo-3", "silo-4"], data.Members.Select(m => m.Item1.SiloName).Order().ToArray());
        Assert.Equal(versionBefore, data.Version.Version);
    }

    [Fact]
    public async Task Bulk_cleanup_key_deletes_old_dead_rows_without_votes_and_never_active_ones()
    {
        var table = await TableAsync();
        var old = Now.AddDays(-2);
        foreach (var e in new[] { Silo(1, SiloStatus.Active, old), Silo(2, SiloStatus.Dead, old), Silo(3, SiloStatus.Dead) })
            Assert.True(await table.InsertRowAsync(e, (await table.ReadAllAsync()).Version.Next()));

        await db.RunAsync("CleanupDefunctSiloEntriesKey", Arg.Text("DeploymentId", _cluster), Arg.Time("IAmAliveTime", Now.AddDays(-1)));

        var data = await table.ReadAllAsync();
        Assert.Equal(["silo-1", "silo-3"], data.Members.Select(m => m.Item1.SiloName).Order().ToArray());
    }

    [Fact]
    public async Task Per_row_cleanup_spares_a_row_that_changed_since_it_was_read()
    {
        var table = await TableAsync();
        var old = Now.AddDays(-2);
        var dead = Silo(2, SiloStatus.Dead, old);
        Assert.True(await table.InsertRowAsync(dead, (await table.ReadAllAsync()).Version.Next()));
        var captured = (await table.ReadAllAsync()).Members.Single().Item1;
        Arg[] Args(DateTime alive) =>
        [
            Arg.Text("DeploymentId", _cluster), Arg.Ansi("Address", "10.1.0.2"), Arg.Int("Port", 11111), Arg.Int("Generation", 1002),
            Arg.Text("SuspectTimes", null), Arg.Time("StartTime", captured.StartTime), Arg.Time("IAmAliveTime", alive),
        ];

        // The heartbeat moved after the cleaner read the row: its captured time no longer matches.
        dead.IAmAliveTime = old.AddMinutes(1);
        await table.UpdateIAmAliveAsync(dead);
        await db.RunAsync("CleanupDefunctSiloEntryKey", Args(captured.IAmAliveTime));
        Assert.Single((await table.ReadAllAsync()).Members);

        var current = (await table.ReadAllAsync()).Members.Single().Item1;
        await db.RunAsync("CleanupDefunctSiloEntryKey", Args(current.IAmAliveTime));
        Assert.Empty((await table.ReadAllAsync()).Members);
    }

    [Fact]
    public async Task Deleting_the_cluster_removes_its_silos_and_version_only()
    {
        var table = await TableAsync();
        Assert.True(await table.InsertRowAsync(Silo(1), (await table.ReadAllAsync()).Version.Next()));
        var other = await db.RunAsync("InsertMembershipVersionKey", Arg.Text("DeploymentId", _cluster + "-other"));

        await table.DeleteMembershipTableEntriesAsync(_cluster);

        Assert.Equal(0L, await db.ScalarAsync<long>($"SELECT count(*) FROM orleans_silo WHERE deployment_id = '{_cluster}'"));
        Assert.Equal(0L, await db.ScalarAsync<long>($"SELECT count(*) FROM orleans_cluster_version WHERE deployment_id = '{_cluster}'"));
        Assert.Equal(1L, await db.ScalarAsync<long>($"SELECT count(*) FROM orleans_cluster_version WHERE deployment_id = '{_cluster}-other'"));
    }
}
