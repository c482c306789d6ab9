using AirQuality.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace AirQuality.Integration.Tests.Orleans;

/// <summary>Reminders through Orleans' own ADO.NET reminder table on this project's schema.</summary>
public sealed class ReminderTableTests(MigratedDatabase db) : IClassFixture<MigratedDatabase>
{
    private readonly string _service = "svc-" + Guid.NewGuid().ToString("N")[..12];

    private async Task<IReminderTable> TableAsync()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(Options.Create(new ClusterOptions { ClusterId = "c", ServiceId = _service }));
        services.UseAdoNetReminderService(o => o.Configure(r =>
        {
            r.Invariant = OrleansClientHosting.PostgresInvariant;
            r.ConnectionString = db.ConnectionString;
        }));
        var table = services.BuildServiceProvider().GetRequiredService<IReminderTable>();
        await table.StartAsync();
        return table;
    }

    private static GrainId City(int i) => GrainId.Create("city", $"city-{i}");

    private static ReminderEntry Entry(GrainId grain, string name = "poll", TimeSpan? period = null) => new()
    {
        GrainId = grain,
        ReminderName = name,
        StartAt = new DateTime(2026, 1, 1, 0, 5, 0, DateTimeKind.Utc),
        Period = period ?? TimeSpan.FromHours(1),
    };

    [Fact]
    public async Task Upsert_gives_a_new_etag_each_time_and_reads_back_what_was_written()
    {
        var table = await TableAsync();
        var first = await table.UpsertRow(Entry(City(1)));
        var longPeriod = TimeSpan.FromDays(40); // past int.MaxValue ms: bound as a long
        var second = await table.UpsertRow(Entry(City(1), period: longPeriod));

        Assert.NotEqual(first, second);
        var row = (await table.ReadRow(City(1), "poll"))!;
        Assert.Equal(City(1), row.GrainId);
        Assert.Equal(second, row.ETag);
        Assert.Equal(longPeriod, row.Period);
        Assert.Equal(new DateTime(2026, 1, 1, 0, 5, 0, DateTimeKind.Utc), row.StartAt);
        Assert.Equal(DateTimeKind.Utc, row.StartAt.Kind);
    }

    [Fact]
    public async Task Remove_needs_the_current_etag()
    {
        var table = await TableAsync();
        var stale = (await table.UpsertRow(Entry(City(2))))!;
        var current = (await table.UpsertRow(Entry(City(2))))!;

        Assert.False(await table.RemoveRow(City(2), "poll", stale));
        Assert.NotNull(await table.ReadRow(City(2), "poll"));
        Assert.True(await table.RemoveRow(City(2), "poll", current));
        Assert.Null(await table.ReadRow(City(2), "poll"));
        Assert.False(await table.RemoveRow(City(2), "poll", current));
    }

    [Fact]
    public async Task A_reminder_created_again_never_reuses_an_old_etag()
    {
        var table = await TableAsync();
        var old = (await table.UpsertRow(Entry(City(3))))!;
        Assert.True(await table.RemoveRow(City(3), "poll", old));
        await table.UpsertRow(Entry(City(3)));

        Assert.False(await table.RemoveRow(City(3), "poll", old));
    }

    [Fact]
    public async Task Rows_of_a_grain_are_its_reminders_only()
    {
        var table = await TableAsync();
        await table.UpsertRow(Entry(City(4), "poll"));
        await table.UpsertRow(Entry(City(4), "retrain"));
        await table.UpsertRow(Entry(City(5), "poll"));

        var rows = await table.ReadRows(City(4));

        Assert.Equal(["poll", "retrain"], rows.Reminders.Select(r => r.ReminderName).Order().ToArray());
        Assert.All(rows.Reminders, r => Assert.Equal(City(4), r.GrainId));
    }

    [Fact]
    public async Task Ring_ranges_return_exactly_the_reminders_whose_hash_is_in_begin_exclusive_end_inclusive()
    {
        var table = await TableAsync();
        var grains = Enumerable.Range(100, 150).Select(City).ToList();
        foreach (var g in grains) await table.UpsertRow(Entry(g));

        var ranges = new List<(uint Begin, uint End)>
        {
            (0x10000000, 0x60000000),  // inside the positive half: one signed comparison
            (0x90000000, 0xF0000000),  // inside the negative half
            (0x70000000, 0x90000000),  // crosses int.MaxValue: the wrapped signed query
            (0xF0000000, 0x20000000),  // wraps past uint.MaxValue, contiguous as signed
            (0x40000000, 0x40000000),  // begin = end: the whole ring
        };
        var random = new Random(42);
        for (var i = 0; i < 40; i++) ranges.Add(((uint)random.NextInt64(0, 1L << 32), (uint)random.NextInt64(0, 1L << 32)));
        // Boundaries at real hashes: begin excludes, end includes.
        var h = grains[0].GetUniformHashCode();
        ranges.Add((h, h + 1));
        ranges.Add((h - 1, h));

        foreach (var (begin, end) in ranges)
        {
            var expected = grains.Where(g => InRange(g.GetUniformHashCode(), begin, end)).Select(g => g.ToString()).Order().ToList();
            var actual = (await table.ReadRows(begin, end)).Reminders.Select(r => r.GrainId.ToString()).Order().ToList();
            Assert.True(expected.SequenceEqual(actual), $"range ({begin:X8}, {end:X8}]: expected {expected.Count} reminders, got {actual.Count}");
        }
    }

    [Fact]
    public async Task Clearing_the_table_removes_only_this_service()
    {
        var table = await TableAsync();
        await table.UpsertRow(Entry(City(6)));
        await db.RunAsync("UpsertReminderRowKey",
            Arg.Text("ServiceId", "someone-else"), Arg.Int("GrainHash", 1), Arg.Ansi("GrainId", "city/city-6"), Arg.Text("ReminderName", "poll"),
            Arg.Time("StartTime", DateTime.UtcNow), Arg.Int("Period", 60_000));

        await table.TestOnlyClearTable();

        Assert.Empty((await table.ReadRows(0u, 0u)).Reminders);
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM orleans_reminder WHERE service_id = 'someone-else'"));
    }

    /// <summary>The reminder service's ring range: (begin, end] on the uint ring; begin = end is the whole ring.</summary>
    private static bool InRange(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;
}
