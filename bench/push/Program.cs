using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AirQuality.Domain.Readings;
using AirQuality.Grains;
using AirQuality.Grains.Abstractions;
using AirQuality.Silo;
using AirQuality.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.SignalR.Client;

// Push to many clients: the one-process system on loopback (in this process), N SignalR clients subscribed to all
// cities, then rounds of one poll cycle's worth of changes: a new reading for each of the 56 cities, ingested at once
// through their grains as a poll does. Rounds alternate the two ways a client takes every city: a `cityChanged`
// message per change (`Subscribe("*")`) and a `citiesChanged` message per batch (`SubscribeBatches()`). Per round:
// the cycle's own duration (until the last ingest returned, i.e. the last change was applied), per change the delay
// from its ingest returning to the last client having it (p50/p99/max over the cycle's changes), the time from the
// start of the cycle and from its end until the last client has the last change, and the CPU and allocations of this
// process (server and clients) per delivered change.
// Usage: dotnet run -c Release --project bench/push [-- --clients 1000 --rounds 4]. JSON on standard output.
var clients = int.Parse(Arg("--clients") ?? "1000", CultureInfo.InvariantCulture);
var rounds = int.Parse(Arg("--rounds") ?? "4", CultureInfo.InvariantCulture);
var loadBefore = File.ReadAllText("/proc/loadavg").Split(' ')[..3];

var app = SiloHost.Build([
    "--urls", "http://127.0.0.1:0",
    $"--Orleans:SiloPort={FreePort()}", $"--Orleans:GatewayPort={FreePort()}",
    "--Cities:BackfillDays=3", "--RateLimiting:Enabled=false", "--Logging:LogLevel:Default=Warning",
    // No LSTM: the cold start's training (waited for below) is then short; pushes do not depend on the model family.
    "--Forecasting:LstmEnabled=false",
    "--Forecasting:Training:ForestTrees=10", "--Forecasting:Training:BoostingRounds=20", "--Forecasting:Training:MaxTrainingRows=3000",
]);
await app.StartAsync();
var baseAddress = new Uri(app.Urls.First());
using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
await SystemReadiness.WaitUntilReadyAsync(http, TimeSpan.FromMinutes(5));
var waited = Stopwatch.StartNew();
// The cold start's training publishes model changes too: wait until it is over, so only the cycle's changes arrive.
while (true)
{
    var models = JsonDocument.Parse(await http.GetStringAsync("/api/v1/models/list")).RootElement.GetProperty("models").EnumerateArray().ToList();
    if (models.Select(m => m.GetProperty("city_id").GetString()).Distinct().Count() >= 56 &&
        models.All(m => m.GetProperty("last_trained_at").ValueKind != JsonValueKind.Null && !m.GetProperty("training").GetBoolean()))
        break;
    if (waited.Elapsed > TimeSpan.FromMinutes(20)) throw new TimeoutException("the initial training did not end");
    await Task.Delay(2000); // polling a condition: the end of the initial training
}
Console.Error.WriteLine($"system ready, training over after {waited.Elapsed.TotalSeconds:F0} s; connecting {clients} clients");

var grains = app.Services.GetRequiredService<IGrainFactory>();
var cities = JsonDocument.Parse(await http.GetStringAsync("/api/v1/cities/")).RootElement.GetProperty("cities")
    .EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToArray();
var index = cities.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i);
var clock = Stopwatch.StartNew();
var state = new Client[clients];
var hubs = new HubConnection[clients];
var connect = Stopwatch.StartNew();
for (var start = 0; start < clients; start += 50)
{
    await Task.WhenAll(Enumerable.Range(start, Math.Min(50, clients - start)).Select(async i =>
    {
        var client = state[i] = new Client(cities.Length);
        var hub = hubs[i] = new HubConnectionBuilder().WithUrl(new Uri(baseAddress, "/hubs/aqi")).Build();
        hub.On<JsonElement>("cityChanged", change => client.Received(change, index, clock.Elapsed));
        hub.On<JsonElement>("citiesChanged", changes =>
        {
            var at = clock.Elapsed;
            foreach (var change in changes.EnumerateArray()) client.Received(change, index, at);
        });
        await hub.StartAsync();
        await hub.InvokeAsync<string>("Subscribe", "*");
    }));
}
Console.Error.WriteLine($"{clients} clients connected in {connect.Elapsed.TotalSeconds:F1} s");

var process = Process.GetCurrentProcess();
var results = new List<object>();
var batched = false;
for (var round = 1; round <= rounds; round++)
{
    var batches = round % 2 == 0;
    if (batches != batched)
    {
        // Every client switches between a message per change and a message per batch.
        for (var start = 0; start < clients; start += 50)
            await Task.WhenAll(hubs.Skip(start).Take(50).Select(async hub =>
            {
                if (batches)
                {
                    await hub.InvokeAsync<string>("Unsubscribe", "*");
                    await hub.InvokeAsync("SubscribeBatches");
                }
                else
                {
                    await hub.InvokeAsync("UnsubscribeBatches");
                    await hub.InvokeAsync<string>("Subscribe", "*");
                }
            }));
        batched = batches;
    }
    var hours = await Task.WhenAll(cities.Select(async c => (await grains.GetGrain<ICityGrain>(GrainKeys.City(c)).GetCurrent())!.Timestamp));
    foreach (var c in state) c.Reset();
    process.Refresh();
    var cpuBefore = process.TotalProcessorTime;
    var allocatedBefore = GC.GetTotalAllocatedBytes();
    var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
    var started = clock.Elapsed;
    // One poll cycle's changes, all at once: each city takes a new PM10 for its latest hour.
    var applied = new TimeSpan[cities.Length];
    await Task.WhenAll(cities.Select(async (c, i) =>
    {
        await grains.GetGrain<ICityGrain>(GrainKeys.City(c)).Ingest(
            [new SourceReading(c, hours[i], SourceNames.Cpcb, new Dictionary<Pollutant, double> { [Pollutant.Pm10] = 300 + round * 7 + i }, null)]);
        applied[i] = clock.Elapsed;
    }));
    var ingested = clock.Elapsed - started;
    var deadline = Stopwatch.StartNew();
    while (state.Any(c => !c.Complete))
    {
        if (deadline.Elapsed > TimeSpan.FromSeconds(60)) break;
        await Task.Delay(10); // polling a condition: every client has every change
    }
    var complete = state.Count(c => c.Complete);
    var lastAt = state.Where(c => c.Complete).Select(c => c.CompletedAt).DefaultIfEmpty(clock.Elapsed).Max();
    var completions = state.Where(c => c.Complete).Select(c => (c.CompletedAt - started).TotalMilliseconds).Order().ToArray();
    // Per change: from its ingest returning (the city applied it and published the change) to the last client having it.
    var delays = Enumerable.Range(0, cities.Length)
        .Select(i => state.Where(c => c.Complete).Select(c => c.At(i)).DefaultIfEmpty(clock.Elapsed).Max() - applied[i])
        .Select(d => d.TotalMilliseconds).Order().ToArray();
    process.Refresh();
    var messages = state.Sum(c => c.Count);
    var cpu = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
    results.Add(new
    {
        round,
        delivery = batches ? "citiesChanged per batch" : "cityChanged per change",
        clients_complete = complete,
        changes_delivered = messages,
        ingest_ms = Math.Round(ingested.TotalMilliseconds, 1),
        change_to_last_client_ms = new
        {
            p50 = Math.Round(delays[delays.Length / 2], 1),
            p99 = Math.Round(delays[Math.Min(delays.Length - 1, (int)Math.Ceiling(delays.Length * 0.99) - 1)], 1),
            max = Math.Round(delays[^1], 1),
        },
        last_client_has_last_change_ms = Math.Round((lastAt - started).TotalMilliseconds, 1),
        last_client_has_last_change_after_last_ingest_ms = Math.Round((lastAt - started - ingested).TotalMilliseconds, 1),
        median_client_complete_ms = completions.Length == 0 ? (double?)null : Math.Round(completions[completions.Length / 2], 1),
        cpu_ms = Math.Round(cpu, 1),
        cpu_us_per_change_delivered = messages == 0 ? (double?)null : Math.Round(cpu * 1000 / messages, 2),
        allocated_bytes_per_change_delivered = messages == 0 ? (long?)null : (GC.GetTotalAllocatedBytes() - allocatedBefore) / messages,
        gen0 = GC.CollectionCount(0) - gcBefore.Item1,
        gen1 = GC.CollectionCount(1) - gcBefore.Item2,
        gen2 = GC.CollectionCount(2) - gcBefore.Item3,
        load_average_1m = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture),
    });
    Console.Error.WriteLine(JsonSerializer.Serialize(results[^1]));
    await Task.Delay(2000); // a pause between cycles, as between polls (not a synchronisation)
}
var report = new
{
    benchmark = "push",
    machine = new { cores = Environment.ProcessorCount, platform = System.Runtime.InteropServices.RuntimeInformation.OSDescription },
    configuration = new { gc = System.Runtime.GCSettings.IsServerGC ? "server" : "workstation", clients, cities = cities.Length, transport = "websockets (negotiated)", clients_in_process = true },
    load_average_before = loadBefore,
    rounds = results,
};
Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
foreach (var hub in hubs) await hub.DisposeAsync();
await app.StopAsync();
return 0;

static int FreePort()
{
    using var l = new TcpListener(IPAddress.Loopback, 0);
    l.Start();
    return ((IPEndPoint)l.LocalEndpoint).Port;
}

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>What one client has received in the current round: when each city's change first came, and when the last one did.</summary>
sealed class Client(int cities)
{
    private readonly bool[] _seen = new bool[cities];
    private readonly TimeSpan[] _at = new TimeSpan[cities];
    private int _distinct;
    private int _count;

    public TimeSpan CompletedAt { get; private set; }

    public bool Complete => Volatile.Read(ref _distinct) == _seen.Length;

    public int Count => Volatile.Read(ref _count);

    public void Reset()
    {
        lock (_seen)
        {
            Array.Clear(_seen);
            _distinct = 0;
            _count = 0;
        }
    }

    /// <summary>When this client first had city <paramref name="city"/>'s change of the round.</summary>
    public TimeSpan At(int city)
    {
        lock (_seen) return _at[city];
    }

    public void Received(JsonElement change, Dictionary<string, int> index, TimeSpan at)
    {
        if (change.GetProperty("kind").GetString() != "readings") return;
        if (!index.TryGetValue(change.GetProperty("city_id").GetString()!, out var city)) return;
        Received(city, at);
    }

    public void Received(int city, TimeSpan at)
    {
        lock (_seen)
        {
            _count++;
            if (_seen[city]) return;
            _seen[city] = true;
            _at[city] = at;
            if (++_distinct == _seen.Length) CompletedAt = at;
        }
    }
}
