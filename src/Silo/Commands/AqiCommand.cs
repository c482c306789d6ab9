using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using AirQuality.Domain.Aqi;
using AirQuality.Domain.Readings;

namespace AirQuality.Silo.Commands;

/// <summary>`aqi`: the AQI calculator on the command line.</summary>
public static class AqiCommand
{
    public static Command Create(TimeProvider? clock = null)
    {
        var standard = new Option<string>("--standard") { Description = "in (India NAQI, default) or us (US EPA)", DefaultValueFactory = _ => "in" };
        var at = new Option<string?>("--at") { Description = "Date of the values (picks the US PM2.5 table); default now" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var pollutants = Pollutants.All.ToDictionary(p => p,
            p => new Option<double?>("--" + p.Code())
            {
                Description = $"{p.TableName()} in {p.Unit()}, averaged over its period",
                CustomParser = r => ParseConcentration(r, p),
            });
        var cmd = new Command("aqi", "Compute the India NAQI or US EPA AQI of given concentrations (µg/m³; CO in mg/m³).") { standard, at, json };
        foreach (var o in pollutants.Values) cmd.Add(o);
        cmd.SetAction(parse =>
        {
            if (!AqiStandards.TryParse(parse.GetValue(standard), out var std))
            {
                Console.Error.WriteLine("--standard must be 'in' or 'us'");
                return 2;
            }
            var when = (clock ?? TimeProvider.System).GetUtcNow().UtcDateTime;
            if (parse.GetValue(at) is { } text && !DateTime.TryParse(text, CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out when))
            {
                Console.Error.WriteLine("--at must be a date such as 2024-05-06");
                return 2;
            }
            var values = new Dictionary<Pollutant, double>();
            foreach (var (p, o) in pollutants)
            {
                if (parse.GetValue(o) is not { } v) continue;
                if (!double.IsFinite(v) || v < 0)
                {
                    Console.Error.WriteLine($"--{p.Code()} must be a finite, non-negative number");
                    return 2;
                }
                values[p] = v;
            }
            if (values.Count == 0)
            {
                Console.Error.WriteLine("Give at least one concentration, e.g. --pm25 45");
                return 2;
            }
            var result = AqiCalculator.Calculate(std, values, when);
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            else
                Print(result);
            return 0;
        });
        return cmd;
    }

    // The default parser's error names a CLR type ("System.Nullable`1[System.Double]"); say what is wanted instead.
    private static double? ParseConcentration(ArgumentResult r, Pollutant p)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return v;
        r.AddError($"--{p.Code()} must be a number in {p.Unit()} (such as 45 or 12.5), not '{text}'");
        return null;
    }

    private static void Print(AqiResult r)
    {
        Console.WriteLine($"{r.Standard.DisplayName()} ({r.Table})");
        foreach (var s in r.SubIndices)
            Console.WriteLine($"  {s.Pollutant.TableName(),-6} {s.Concentration,10:0.###} {s.Unit,-6} {s.Averaging,-7} sub-index {s.Value,4}  {s.Category}");
        Console.WriteLine(r.Aqi is { } aqi
            ? $"AQI {aqi} ({r.Category}), dominant {r.Dominant?.TableName()}"
            : $"AQI not complete (highest sub-index {r.MaxSubIndex?.ToString(CultureInfo.InvariantCulture) ?? "none"})");
        foreach (var n in r.Notes) Console.WriteLine($"  note: {n}");
    }
}
