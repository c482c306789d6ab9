using System.Text.Json;

// The ceiling of bench/api: a bare ASP.NET Core minimal API answering a constant 160-byte JSON body, started by
// run.py beside the service with the same GC settings, so the service's figures can be read against what Kestrel
// alone does on the same machine in the same minutes. GET /stats gives the process's allocations and GC counts.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var app = builder.Build();

var body = "{\"city\":\"Delhi\",\"city_id\":\"delhi\",\"aqi\":187,\"category\":\"moderate\",\"pm25\":83.4,\"pm10\":161.2,\"timestamp\":\"2026-12-03T05:00:00Z\",\"standard\":\"in\",\"simulated\":false}"u8.ToArray();
if (body.Length != 160) throw new InvalidOperationException($"the constant body is {body.Length} bytes, not 160");
app.MapGet("/ceiling", () => Results.Bytes(body, "application/json; charset=utf-8"));
app.MapGet("/stats", () => Results.Text(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["allocated_bytes"] = GC.GetTotalAllocatedBytes(precise: false),
    ["gen0"] = GC.CollectionCount(0),
    ["gen1"] = GC.CollectionCount(1),
    ["gen2"] = GC.CollectionCount(2),
    ["pause_seconds"] = GC.GetTotalPauseDuration().TotalSeconds,
    ["server_gc"] = System.Runtime.GCSettings.IsServerGC,
    ["latency_mode"] = System.Runtime.GCSettings.LatencyMode.ToString(),
}), "application/json"));
app.Run();
