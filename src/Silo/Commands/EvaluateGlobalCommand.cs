using System.CommandLine;
using System.Globalization;
using AirQuality.Forecasting.Evaluation;
using AirQuality.Forecasting.Global;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;
using AirQuality.Grains.Import;

namespace AirQuality.Silo.Commands;

/// <summary>
/// `evaluate-global`: each `--input` is a station. The global family is trained on the training parts of all of them
/// pooled; each station is then evaluated with the split protocol of `evaluate` (the service's trainer and champion
/// rule, the global family among the candidates) and the global family is compared with the best per-city family and
/// persistence per horizon. With `--cost`, each station is also trained as the service trains, with every per-city
/// family and with linear + global only, and the CPU time is extrapolated to a catalog of cities.
/// </summary>
public static class EvaluateGlobalCommand
{
    public static Command Create()
    {
        var input = new Option<string[]>("--input") { Description = "History files, one station each (at least two)", Required = true, AllowMultipleArgumentsPerToken = true };
        var format = new Option<string?>("--format") { Description = "openaq or airnow for every input; by default from each file's name (airnow* is airnow, the rest openaq)" };
        var target = new Option<string>("--target") { Description = "pm25 or aqi", DefaultValueFactory = _ => "pm25" };
        var horizons = new Option<string>("--horizons") { Description = "Horizons in hours to report, 1-48", DefaultValueFactory = _ => "1,6,12,24,48" };
        var testFraction = new Option<double>("--test-fraction") { Description = "Share of each history, at its end, held out for the test", DefaultValueFactory = _ => 0.2 };
        var threads = new Option<int>("--threads") { Description = "Per-city fits run side by side, each on one thread", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cost = new Option<bool>("--cost") { Description = "Also measure the CPU cost of training each station as the service does, and extrapolate it" };
        var cities = new Option<int>("--cities") { Description = "Cities the cost is extrapolated to", DefaultValueFactory = _ => 5000 };
        var json = new Option<string?>("--json") { Description = "Write the figures as JSON to this file" };
        var globalSetting = new Option<string[]>("--global-setting")
        {
            Description = "Global family setting as Name=Value, as under Forecasting:Global:Training in the silo's configuration (e.g. CalibrationShrink=1e9); repeatable",
            AllowMultipleArgumentsPerToken = true,
        };
        var cmd = new Command("evaluate-global", "Train the global family on several stations pooled and compare it, per station and horizon, with the per-city families and persistence.")
        {
            input, format, target, horizons, testFraction, threads, cost, cities, json, globalSetting,
        };
        cmd.SetAction((parse, ct) => Task.FromResult(Execute(parse.GetValue(input) ?? [], parse.GetValue(format), parse.GetValue(target), parse.GetValue(horizons),
            parse.GetValue(testFraction), parse.GetValue(threads), parse.GetValue(cost), parse.GetValue(cities), parse.GetValue(json), parse.GetValue(globalSetting) ?? [], ct)));
        return cmd;
    }

    private static int Execute(string[] inputs, string? formatText, string? targetText, string? horizonsText, double testFraction, int threads, bool cost, int cities,
        string? jsonPath, string[] globalSettings, CancellationToken ct)
    {
        if (inputs.Length < 2) return Fail("--input: give at least two stations");
        if (!ForecastTargets.TryParse(targetText, out var target)) return Fail("--target must be 'pm25' or 'aqi'");
        if (!EvaluationCli.TryHorizons(horizonsText, out var hs)) return Fail("--horizons must be whole numbers from 1 to 48, comma separated (e.g. 1,6,12,24,48)");
        if (testFraction is <= 0 or >= 0.9) return Fail("--test-fraction must be above 0 and below 0.9");
        if (threads < 1) return Fail("--threads must be at least 1");
        if (cities < 1) return Fail("--cities must be at least 1");
        var stations = new List<(string, HourlySeries)>();
        foreach (var path in inputs)
        {
            if (!File.Exists(path)) return Fail($"--input: no file at '{path}'");
            var name = Path.GetFileName(path);
            var f = HistoryFormat.Find(formatText ?? (name.StartsWith("airnow", StringComparison.OrdinalIgnoreCase) ? "airnow" : "openaq"));
            if (f is null) return Fail("--format must be 'openaq' or 'airnow'");
            try
            {
                var file = StationHistory.Read(path, f);
                Console.WriteLine($"{path}: {file.Observations.Count} hours of '{file.Location}'");
                var series = HourlySeries.From(file.Observations);
                if (series.Length < ForecastTrainer.MinimumHours / (1 - testFraction)) return Fail($"{path}: {series.Length} hours; at least {Math.Ceiling(ForecastTrainer.MinimumHours / (1 - testFraction))} are needed");
                stations.Add((name.Split(".csv")[0], series));
            }
            catch (Exception ex) when (ex is HistoryFileException or IOException or CsvHelper.CsvHelperException)
            {
                return Fail(ex.Message);
            }
        }
        var settings = new ForecastSettings { Threads = 1, Parallelism = threads, RefitAllFamilies = true };
        var global = new GlobalSettings { Threads = threads };
        if (!EvaluationCli.TryBind("--global-setting", globalSettings, global, out var applied, out var settingError)) return Fail(settingError);
        if (applied.Count > 0) Console.WriteLine("global settings: " + string.Join(", ", applied.Select(kv => $"{kv.Key}={kv.Value}")));
        var report = GlobalEvaluation.Run(stations, target, hs, testFraction, settings, global, cost, Console.WriteLine, ct);
        Print(report, cities);
        if (jsonPath is not null && !EvaluationCli.TryWriteJson(jsonPath, report, round: false, out var jsonError)) return Fail(jsonError);
        return 0;
    }

    private static void Print(GlobalEvaluationReport r, int cities)
    {
        Console.WriteLine();
        Console.WriteLine($"Global family: {r.Stations} stations pooled ({r.PoolRows} rows); fitting {r.GlobalFitCpuSeconds:0.0} s CPU, pooling {r.PoolCpuSecondsPerCity:0.00} s CPU per station");
        foreach (var f in r.Figures)
        {
            var rep = f.Report;
            var hs = rep.Horizons.Select(h => h.ToString(CultureInfo.InvariantCulture)).ToList();
            Console.WriteLine();
            Console.WriteLine($"{f.Station}: test MAE per horizon (champion {rep.Champion})");
            Console.WriteLine($"{"model",-22}" + string.Concat(hs.Select(h => $"{h + " h",9}")) + $"{"1-48 avg",10}");
            foreach (var name in new[] { ModelFamily.Global.Code(), f.BestPerCity, ModelFamily.Ensemble.Code(), ModelFamily.Persistence.Code() })
            {
                if (!rep.Models.TryGetValue(name, out var byH)) continue;
                var label = name == f.BestPerCity ? $"{name} (best per-city)" : name;
                Console.WriteLine($"{label,-22}" + string.Concat(hs.Select(h => $"{byH[h].Mae,9:0.00}")) + $"{rep.Average148[name].Mae,10:0.00}");
            }
            Console.WriteLine($"{"SERVED",-22}" + string.Concat(hs.Select(h => $"{rep.Served[h].Mae,9:0.00}")) + $"{rep.ServedAverage148.Mae,10:0.00}");
            if (f.GlobalVsBest.Count > 0)
                Console.WriteLine($"{"global vs best",-22}" + string.Concat(hs.Select(h => $"{100 * f.GlobalVsBest[h],7:+0.0;-0.0} %")) + $"{100 * f.GlobalVsBest["1-48"],8:+0.0;-0.0} %");
        }
        if (r.Extrapolate(cities, 2) is { } x)
        {
            Console.WriteLine();
            Console.WriteLine($"Extrapolated CPU of one full retraining of {cities} cities x 2 targets: all per-city families {x.AllFamiliesHours:0.0} h, global + linear {x.GlobalAndLinearHours:0.0} h (a day on two cores is 48 CPU hours)");
        }
        Console.WriteLine($"{r.WallSeconds:0.0} s wall");
    }

    private static int Fail(string message) => EvaluationCli.Fail(message);
}
