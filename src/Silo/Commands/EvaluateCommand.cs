using Microsoft.Extensions.Configuration;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using AirQuality.Forecasting.Evaluation;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;
using AirQuality.Grains.Import;

namespace AirQuality.Silo.Commands;

/// <summary>
/// `evaluate`: trains every family on the earlier part of a history file and scores it, with both baselines, on the
/// later part. Offline: no database, no network.
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
        var threads = new Option<int>("--threads") { Description = "Threads each family may use (default: all cores)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var setting = new Option<string[]>("--setting")
        {
            Description = "Training setting as Name=Value, as under Forecasting:Training in the silo's configuration (e.g. ForestTrees=60); repeatable",
            AllowMultipleArgumentsPerToken = true,
        };
        var cmd = new Command("evaluate", "Train every forecasting family on the earlier part of a history file and score it, against persistence and seasonal naive, on the later part.")
        {
            input, format, location, target, horizons, testFraction, json, threads, setting,
        };
        cmd.SetAction((parse, ct) => Task.FromResult(Execute(
            parse.GetValue(input) ?? [], parse.GetValue(format), parse.GetValue(location), parse.GetValue(target),
            parse.GetValue(horizons), parse.GetValue(testFraction), parse.GetValue(json), parse.GetValue(threads), parse.GetValue(setting) ?? [], ct)));
        return cmd;
    }

    private static int Execute(string[] inputs, string? formatText, string? location, string? targetText, string? horizonsText,
        double testFraction, string? jsonPath, int threads, string[] settingTexts, CancellationToken ct)
    {
        if (HistoryFormat.Find(formatText) is not { } format) return Fail("--format must be 'openaq' or 'airnow'");
        if (!ForecastTargets.TryParse(targetText, out var target)) return Fail("--target must be 'pm25' or 'aqi'");
        if (!TryHorizons(horizonsText, out var hs)) return Fail("--horizons must be whole numbers from 1 to 48, comma separated (e.g. 1,6,12,24,48)");
        if (testFraction is <= 0 or >= 0.9) return Fail("--test-fraction must be above 0 and below 0.9");
        if (threads < 1) return Fail("--threads must be at least 1");
        // Every family is refitted on the whole training part, so each one's test figures describe the model it would serve.
        var settings = new ForecastSettings { Threads = threads, RefitAllFamilies = true };
        if (!TrySettings(settingTexts, settings, out var settingError)) return Fail(settingError);

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
        if (series.Length < ForecastTrainer.MinimumHours / (1 - testFraction))
            return Fail($"{series.Length} hours in the input; evaluation needs at least {Math.Ceiling(ForecastTrainer.MinimumHours / (1 - testFraction))}");

        var lstm = TorchRuntime.UnavailableReason;
        if (lstm is not null) Console.WriteLine($"lstm is unavailable: {lstm}");
        var trainer = new ForecastTrainer(ForecastTrainer.DefaultFamilies(), settings);
        Console.WriteLine($"{series.Start:yyyy-MM-dd HH:mm} to {series.End:yyyy-MM-dd HH:mm} UTC, {series.Length} hours; target {target.Code()}; test = last {testFraction:P0}");
        HoldoutReport report;
        try
        {
            report = HoldoutEvaluation.Run(series, target, place ?? "?", hs, testFraction, trainer, Console.WriteLine, ct);
        }
        catch (InsufficientHistoryException ex)
        {
            return Fail(ex.Message);
        }
        Print(report);
        if (jsonPath is not null)
        {
            var options = new JsonSerializerOptions
            {
                WriteIndented = true,
                PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            };
            options.Converters.Add(new RoundingConverter());
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(report, options));
            Console.WriteLine($"Figures written to {jsonPath}");
        }
        return 0;
    }

    /// <summary>Applies `Name=Value` pairs to the settings with the configuration binder the silo uses for `Forecasting:Training`.</summary>
    private static bool TrySettings(string[] texts, ForecastSettings settings, out string error)
    {
        error = "";
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var text in texts)
        {
            var eq = text.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                error = $"--setting '{text}' is not Name=Value";
                return false;
            }
            values[text[..eq].Trim()] = text[(eq + 1)..].Trim();
        }
        if (values.Count == 0) return true;
        try
        {
            new ConfigurationBuilder().AddInMemoryCollection(values).Build().Bind(settings, o => o.ErrorOnUnknownConfiguration = true);
            return true;
        }
        catch (InvalidOperationException ex)
        {
            var names = string.Join(", ", typeof(ForecastSettings).GetProperties().Where(p => p.CanWrite).Select(p => p.Name));
            error = $"--setting: {ex.Message} Settings: {names}";
            return false;
        }
    }

    private static void Print(HoldoutReport r)
    {
        Console.WriteLine();
        Console.WriteLine($"Test {r.Test.From:yyyy-MM-dd} to {r.Test.To:yyyy-MM-dd} ({r.Test.Samples} hours), trained on {r.Train.From:yyyy-MM-dd} to {r.Train.To:yyyy-MM-dd} ({r.Train.Samples} hours). MAE per horizon:");
        Console.WriteLine($"{"model",-18}" + string.Concat(r.Horizons.Select(h => $"{h + " h",9}")) + $"{"1-48 avg",10}{"vs persistence",16}");
        var persistence = r.Average148.GetValueOrDefault("persistence")?.Mae;
        foreach (var (name, byHorizon) in r.Models)
        {
            var avg = r.Average148[name].Mae;
            var gain = persistence is { } p && p > 0 ? $"{100 * (1 - avg / p),14:0.0} %" : "";
            Console.WriteLine($"{name + (name == r.Champion ? " *" : ""),-18}" + string.Concat(r.Horizons.Select(h => $"{byHorizon[h.ToString(CultureInfo.InvariantCulture)].Mae,9:0.00}")) + $"{avg,10:0.00}{gain,16}");
        }
        foreach (var (name, reason) in r.Unavailable) Console.WriteLine($"{name,-18} unavailable: {reason}");
        Console.WriteLine($"champion (chosen on validation): {r.Champion}: {r.ChampionReason}");
        foreach (var (level, byHorizon) in r.Intervals)
            Console.WriteLine($"{level} band coverage on test: " + string.Join(", ", byHorizon.Select(kv => $"{kv.Key} h {kv.Value:P1}")) + $"; 1-48 h average {r.IntervalsAverage148[level]:P1}");
    }

    private static bool TryHorizons(string? text, out IReadOnlyList<int> horizons)
    {
        var list = new List<int>();
        horizons = list;
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var h) || h is < 1 or > 48) return false;
            if (!list.Contains(h)) list.Add(h);
        }
        list.Sort();
        return list.Count > 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    /// <summary>Four decimals are plenty for figures; NaN (no data) is written as null.</summary>
    private sealed class RoundingConverter : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(Math.Round(value, 4));
            else writer.WriteNullValue();
        }
    }
}
