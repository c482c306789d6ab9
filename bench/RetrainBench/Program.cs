using System.Diagnostics;
using System.Text.Json;
using AirQuality.Domain.Cities;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;
using AirQuality.Grains.Forecasting;
using AirQuality.Grains.Ingestion;

// Retrains every city of the catalog, every family, on --days (90 by default) of simulated hourly data, with as many
// trainings side by side as the training worker runs by default (cores - 1, at least 1), and prints the wall time as JSON.
// Usage: dotnet run -c Release --project bench/RetrainBench [-- --cities N --days D --targets pm25|aqi|both --concurrency C]
// (C: trainings side by side; default the worker's, Forecasting:TrainingConcurrency = cores - 1)
var cities = CityCatalog.Default.All.Take(Arg("--cities", CityCatalog.Default.All.Count)).ToList();
var days = Arg("--days", 90);
var targets = (ArgText("--targets") ?? "pm25") switch { "both" => ForecastTargets.All, "aqi" => [ForecastTarget.IndiaAqi], _ => (IReadOnlyList<ForecastTarget>)[ForecastTarget.Pm25] };
var options = new ForecastOptions();
var concurrency = Arg("--concurrency", options.TrainingConcurrency);
var trainer = new ForecastTrainer(ForecastTrainer.DefaultFamilies(), options.Training);
var to = new DateTime(2025, 1, 15, 0, 0, 0, DateTimeKind.Utc);
var histories = cities.ToDictionary(c => c.Id, c =>
    SimulatedSource.Range(c, to.AddDays(-days), to).Select(r => MergePolicy.Merge(r.Hour, null, [r])).ToSeries());
var perFamily = new System.Collections.Concurrent.ConcurrentBag<(string Family, double Seconds)>();
var champions = new System.Collections.Concurrent.ConcurrentBag<string>();
var watch = Stopwatch.StartNew();
Parallel.ForEach(cities, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, c =>
{
    foreach (var target in targets)
    {
        var outcome = trainer.Train(histories[c.Id], target);
        foreach (var f in outcome.Families.Where(f => !f.Family.IsBaseline())) perFamily.Add((f.Family.Code(), f.TrainSeconds));
        champions.Add(outcome.Champion.Code());
        Console.Error.WriteLine($"{c.Id}/{target.Code()}: champion {outcome.Champion.Code()} ({watch.Elapsed.TotalSeconds:0} s)");
    }
});
var result = new
{
    benchmark = "retrain_all_cities",
    machine = new { cores = Environment.ProcessorCount, memory_gb = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9, 1), load_average = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null },
    cities = cities.Count,
    days,
    targets = targets.Select(t => t.Code()).ToArray(),
    families = ModelFamilies.Trained.Select(f => f.Code()).ToArray(),
    lstm = TorchRuntime.UnavailableReason ?? "available",
    concurrency,
    wall_seconds = Math.Round(watch.Elapsed.TotalSeconds, 1),
    family_seconds_median = perFamily.GroupBy(p => p.Family).ToDictionary(g => g.Key, g => Math.Round(g.Select(x => x.Seconds).Order().ElementAt(g.Count() / 2), 2)),
    champions = champions.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count()),
};
Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));

int Arg(string name, int fallback) => ArgText(name) is { } v && int.TryParse(v, out var n) ? n : fallback;
string? ArgText(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
