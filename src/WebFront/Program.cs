using AirQuality.WebFront;

// The web front on its own: an Orleans client of a cluster (see OrleansClientHosting). For one process with no
// services, run the silo executable instead: it hosts this web front beside the grains.
var builder = WebApplication.CreateBuilder(args);
builder.AddDefaultLogLevels();
builder.AddTelemetry("airquality-web");
builder.AddOrleansClient();
builder.AddClusterCheck(ready: true);
builder.AddWebFront();
builder.AddTrustedProxies();
builder.AddManagementPort();
var app = builder.Build();
app.UseForwardedHeaders();
app.MapProbes();
app.MapTelemetry();
app.MapWebFront();
app.Run();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
