using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;

namespace AirQuality.Silo.Commands;

/// <summary>What the evaluation verbs (`evaluate`, `evaluate-global`) read and write alike: horizons, `Name=Value` settings, the JSON figures.</summary>
internal static class EvaluationCli
{
    /// <summary>`1,6,12,24,48`: whole hours from 1 to 48, at least one, sorted, each once.</summary>
    public static bool TryHorizons(string? text, out IReadOnlyList<int> horizons)
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

    /// <summary>
    /// Applies `Name=Value` pairs given to <paramref name="option"/> to <paramref name="settings"/> with the configuration
    /// binder the silo uses for its own sections (an unknown name is an error that lists the known ones).
    /// </summary>
    public static bool TryBind<T>(string option, string[] texts, T settings, out IReadOnlyDictionary<string, string?> applied, out string error)
        where T : class
    {
        error = "";
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        applied = values;
        foreach (var text in texts)
        {
            var eq = text.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                error = $"{option} '{text}' is not Name=Value";
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
            var names = string.Join(", ", typeof(T).GetProperties().Where(p => p.CanWrite).Select(p => p.Name));
            error = $"{option}: {ex.Message} Settings: {names}";
            return false;
        }
    }

    /// <summary>Writes <paramref name="report"/> as indented snake_case JSON; <paramref name="round"/> keeps four decimals and writes NaN as null.</summary>
    public static bool TryWriteJson<T>(string path, T report, bool round, out string error)
    {
        error = "";
        var options = new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        if (round) options.Converters.Add(new RoundingConverter());
        try
        {
            File.WriteAllText(path, JsonSerializer.Serialize(report, options));
            Console.WriteLine($"Figures written to {path}");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"--json: cannot write '{path}': {ex.Message}";
            return false;
        }
    }

    /// <summary>Prints <paramref name="message"/> to standard error; the verbs' exit code for bad input.</summary>
    public static int Fail(string message)
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
