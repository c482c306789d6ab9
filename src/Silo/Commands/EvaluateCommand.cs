using System.CommandLine;
using System.Globalization;
using AirQuality.Forecasting.Evaluation;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;
using AirQuality.Grains.Forecasting;
using AirQuality.Grains.Import;

namespace AirQuality.Silo.Commands;

/// <summary>
/// `evaluate`: scores the service's forecasting on a history file, with the service's own trainer, champion rule and
/// band calibration. `--protocol split` (default) trains once on the earlier part and scores the later part;
/// `--protocol rolling` replays the service (retraining every `--retrain-every` on the window it reads). Offline: no
/// database, no network.
/// </summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var input = new Option<string[]>("--input") { Description = "History file(s); several are joined in time order (a later file wins on a shared hour)", Required = true, AllowMultipleArgumentsPerToken = true };
        var format = new Option<string>("--format") { Description = "openaq or airnow", Required = true };
        var location = new Option<string?>("--location") { Description = "The location to use when a file holds several" };
        var target = new Option<string>("--target") { Description = "pm25 or aqi (hourly India AQI)", DefaultValueFactory = _ => "pm25" };
        var horizons = new Option<string>("--horizons") { Description = "Horizons in hours to report, 1-48", DefaultValueFactory = _ => "1,6,12,24,48" };
        var testFraction = new Option<double>("--test-fraction") { Description = "Share of the history, at its end, held out for the test", DefaultValueFactory = _ => 0.2 };
        var json = new Option<string?>("--json") { Description = "Write the figures as JSON to this file" };
        var threads = new Option<int>("--threads") { Description = "Fits run side by side, each on one thread (default: all cores); the figures do not depend on it", DefaultValueFactory = _ => Environment.ProcessorCount };
        var protocol = new Option<string>("--protocol") { Description = "split (train once on the earlier part, score the later part) or rolling (replay the service: retrain every --retrain-every, forecast every hour)", DefaultValueFactory = _ => "split" };
        var retrainEvery = new Option<string>("--retrain-every") { Description = "Rolling protocol: time between retrainings, e.g. 7d, 1d (the service), 12h", DefaultValueFactory = _ => "7d" };
        var historyDays = new Option<int>("--history-days") { Description = "Rolling protocol: days of history each retraining reads (the service's Forecasting:HistoryDays)", DefaultValueFactory = _ => new ForecastOptions().HistoryDays };
        var covariates = new Option<string>("--covariates") { Description = "all (other pollutants and weather known at the origin) or none (the target's own history)", DefaultValueFactory = _ => "all" };
        var weather = new Option<string>("--weather") { Description = "origin (weather known at the origin only) or observed-as-forecast (observed target-hour weather stands in for a forecast: an upper bound)", DefaultValueFactory = _ => "origin" };
        var setting = new Option<string[]>("--setting")
        {
            Description = "Training setting as Name=Value, as under Forecasting:Training in the silo's configuration (e.g. ForestTrees=60); repeatable",
            AllowMultipleArgumentsPerToken = true,
        };
        var cmd = new Command("evaluate", "Train every forecasting family on the earlier part of a history file and score it, against persistence and seasonal naive, on the later part.")
        {
            input, format, location, target, horizons, testFraction, json, threads, setting, protocol, retrainEvery, historyDays, covariates, weather,
        };
        cmd.SetAction((parse, ct) => Task.FromResult(Execute(new Request(
            parse.GetValue(input) ?? [], parse.GetValue(format), parse.GetValue(location), parse.GetValue(target),
            parse.GetValue(horizons), parse.GetValue(testFraction), parse.GetValue(json), parse.GetValue(threads), parse.GetValue(setting) ?? [],
            parse.GetValue(protocol), parse.GetValue(retrainEvery), parse.GetValue(historyDays), parse.GetValue(covariates), parse.GetValue(weather)), ct)));
        return cmd;
    }

    private sealed record Request(string[] Inputs, string? Format, string? Location, string? Target, string? Horizons, double TestFraction,
        string? Json, int Threads, string[] Settings, string? Protocol, string? RetrainEvery, int HistoryDays, string? Covariates, string? Weather);

    private static int Execute(Request q, CancellationToken ct)
    {
        var (inputs, formatText, location, targetText, horizonsText, testFraction, jsonPath, threads, settingTexts) =
            (q.Inputs, q.Format, q.Location, q.Target, q.Horizons, q.TestFraction, q.Json, q.Threads, q.Settings);
        var rolling = q.Protocol?.Trim().ToLowerInvariant() switch { "split" => false, "rolling" => true, _ => (bool?)null };
        if (rolling is null) return Fail("--protocol must be 'split' or 'rolling'");
        if (!TryDuration(q.RetrainEvery, out var retrainHours)) return Fail("--retrain-every must be a whole number of days or hours, e.g. 7d, 1d, 12h");
        if (q.HistoryDays < 15) return Fail("--history-days must be at least 15");
        var use = (q.Covariates?.Trim().ToLowerInvariant(), q.Weather?.Trim().ToLowerInvariant()) switch
        {
            ("all", "origin") => CovariateUse.All,
            ("all", "observed-as-forecast") => CovariateUse.AllWithTargetWeather,
            ("none", "origin") => CovariateUse.None,
            _ => (CovariateUse?)null,
        };
        if (use is null) return Fail("--covariates must be 'all' or 'none', --weather 'origin' or 'observed-as-forecast' (which needs --covariates all)");
        if (HistoryFormat.Find(formatText) is not { } format) return Fail("--format must be 'openaq' or 'airnow'");
        if (!ForecastTargets.TryParse(targetText, out var target)) return Fail("--target must be 'pm25' or 'aqi'");
        if (!EvaluationCli.TryHorizons(horizonsText, out var hs)) return Fail("--horizons must be whole numbers from 1 to 48, comma separated (e.g. 1,6,12,24,48)");
        if (testFraction is <= 0 or >= 0.9) return Fail("--test-fraction must be above 0 and below 0.9");
        if (threads < 1) return Fail("--threads must be at least 1");
        // Every family is refitted on the whole training part, so each one's test figures describe the model it would serve.
        // Split: every family is refitted on the whole training part, so each one's test figures describe the model it
        // would serve. Rolling: as the service trains (only what serves is refitted).
        var settings = new ForecastSettings { Threads = 1, Parallelism = threads, RefitAllFamilies = rolling == false, Covariates = use.Value };
        if (!EvaluationCli.TryBind("--setting", settingTexts, settings, out _, out var settingError)) return Fail(settingError);
        if (settings.Problems("--setting ") is [var firstProblem, ..]) return Fail(firstProblem);

        var observations = new List<HourlyObservation>();
        string? place = null;
        foreach (var path in inputs)
        {
            if (!File.Exists(path)) return Fail($"--input: no file at '{path}'");
            try
            {
                var file = StationHistory.Read(path, format, location);
                place ??= file.Location;
                Console.WriteLine($"{path}: {file.LinesRead} lines, {file.Observations.Count} hours of '{file.Location}', {file.BadLineCount} bad line(s) left out");
                foreach (var r in file.BadLines.Take(5)) Console.WriteLine($"  {r}");
                observations.AddRange(file.Observations);
            }
            catch (Exception ex) when (ex is HistoryFileException or IOException or CsvHelper.CsvHelperException)
            {
                return Fail(ex.Message);
            }
        }
        var series = HourlySeries.From(observations);
        if (rolling == false && series.Length < ForecastTrainer.MinimumHours / (1 - testFraction))
            return Fail($"{series.Length} hours in the input; evaluation needs at least {Math.Ceiling(ForecastTrainer.MinimumHours / (1 - testFraction))}");

        var lstm = TorchRuntime.UnavailableReason;
        if (lstm is not null) Console.WriteLine($"lstm is unavailable: {lstm}");
        var trainer = new ForecastTrainer(ForecastTrainer.DefaultFamilies(), settings);
        if (use == CovariateUse.AllWithTargetWeather) Console.WriteLine($"UPPER BOUND: {EvaluationReport.UpperBoundLabel}");
        Console.WriteLine(rolling == true
            ? $"{series.Start:yyyy-MM-dd HH:mm} to {series.End:yyyy-MM-dd HH:mm} UTC, {series.Length} hours; target {target.Code()}; rolling: retrain every {retrainHours} h on the last {q.HistoryDays} days"
            : $"{series.Start:yyyy-MM-dd HH:mm} to {series.End:yyyy-MM-dd HH:mm} UTC, {series.Length} hours; target {target.Code()}; test = last {testFraction:P0}");
        EvaluationReport report;
        try
        {
            report = rolling == true
                ? RollingEvaluation.Run(series, target, place ?? "?", hs, retrainHours, q.HistoryDays * 24, trainer, Console.WriteLine, ct)
                : HoldoutEvaluation.Run(series, target, place ?? "?", hs, testFraction, trainer, Console.WriteLine, ct);
        }
        catch (InsufficientHistoryException ex)
        {
            return Fail(ex.Message);
        }
        Print(report);
        if (jsonPath is not null && !EvaluationCli.TryWriteJson(jsonPath, report, round: true, out var jsonError)) return Fail(jsonError);
        return 0;
    }

    private static void Print(EvaluationReport r)
    {
        Console.WriteLine();
        if (r.Test is { } test && r.Train is { } train)
            Console.WriteLine($"Test {test.From:yyyy-MM-dd} to {test.To:yyyy-MM-dd} ({test.Samples} hours), trained on {train.From:yyyy-MM-dd} to {train.To:yyyy-MM-dd} ({train.Samples} hours). MAE per horizon:");
        else
            Console.WriteLine($"Rolling: {r.Retrains} retrainings every {r.RetrainEveryHours} h; forecasts scored for {r.ScoredFrom:yyyy-MM-dd HH:mm} to {r.ScoredTo:yyyy-MM-dd HH:mm} UTC. MAE per horizon:");
        Console.WriteLine($"{"model",-18}" + string.Concat(r.Horizons.Select(h => $"{h + " h",9}")) + $"{"1-48 avg",10}{"vs persistence",16}");
        var persistence = r.Average148.GetValueOrDefault("persistence")?.Mae;
        string Gain(double avg) => persistence is { } p && p > 0 ? $"{100 * (1 - avg / p),14:0.0} %" : "";
        foreach (var (name, byHorizon) in r.Models)
        {
            var avg = r.Average148[name].Mae;
            Console.WriteLine($"{name + (name == r.Champion ? " *" : ""),-18}" + string.Concat(r.Horizons.Select(h => $"{byHorizon[h.ToString(CultureInfo.InvariantCulture)].Mae,9:0.00}")) + $"{avg,10:0.00}{Gain(avg),16}");
        }
        Console.WriteLine($"{"SERVED",-18}" + string.Concat(r.Horizons.Select(h => $"{r.Served[h.ToString(CultureInfo.InvariantCulture)].Mae,9:0.00}")) + $"{r.ServedAverage148.Mae,10:0.00}{Gain(r.ServedAverage148.Mae),16}");
        Console.WriteLine($"{"served skill",-18}" + string.Concat(r.Horizons.Select(h => $"{100 * r.Skill[h.ToString(CultureInfo.InvariantCulture)],7:0.0} %")));
        Console.WriteLine($"{"  95 % CI",-18}" + string.Concat(r.Horizons.Select(h => r.SkillCi[h.ToString(CultureInfo.InvariantCulture)] is var c ? $" {100 * c.Lower,3:0}..{100 * c.Upper,-3:0}" : "")));
        Console.WriteLine("served by: " + string.Join(", ", r.ServedModels.Select(kv => $"{kv.Key} {kv.Value:P0}")));
        foreach (var (name, reason) in r.Unavailable) Console.WriteLine($"{name,-18} unavailable: {reason}");
        Console.WriteLine($"champion (chosen on validation{(r.Protocol == "rolling" ? ", at the last retraining" : "")}): {r.Champion}: {r.ChampionReason}");
        foreach (var (level, byHorizon) in r.Intervals)
            Console.WriteLine($"{level} band coverage of served forecasts, out of sample: " + string.Join(", ", byHorizon.Select(kv => $"{kv.Key} h {kv.Value:P1}")) + $"; 1-48 h average {r.IntervalsAverage148[level]:P1}");
        Console.WriteLine("category accuracy (served / persistence): " + string.Join(", ", r.CategoryAccuracy.Select(kv => $"{kv.Key} h {kv.Value:P0} / {r.CategoryAccuracyPersistence[kv.Key]:P0}")));
        if (r.UpperBound) Console.WriteLine($"UPPER BOUND: {EvaluationReport.UpperBoundLabel}");
        Console.WriteLine($"{r.WallSeconds:0.0} s wall, {r.CpuSeconds:0.0} s CPU");
    }

    /// <summary>`7d`, `1d`, `12h` (or a bare number of hours) as hours.</summary>
    private static bool TryDuration(string? text, out int hours)
    {
        hours = 0;
        var t = (text ?? "").Trim().ToLowerInvariant();
        var factor = t.EndsWith('d') ? 24 : 1;
        if (t.EndsWith('d') || t.EndsWith('h')) t = t[..^1];
        if (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v < 1 || v > 365 * 24) return false;
        hours = v * factor;
        return true;
    }

    private static int Fail(string message) => EvaluationCli.Fail(message);
}
