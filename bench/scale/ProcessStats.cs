using System.Globalization;

namespace AirQuality.Bench.Scale;

/// <summary>What /proc says of a process and the machine: CPU seconds, resident memory, load average.</summary>
internal static class ProcessStats
{
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    public static double RssMegabytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return Math.Round(long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0, 1);
    }

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "";

    public static object Machine() => new
    {
        Cores = Environment.ProcessorCount,
        MemoryGb = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9, 1),
        Os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        Dotnet = Environment.Version.ToString(),
    };

    /// <summary>The runtime's `DOTNET_*` settings the silo inherits from the bench (GC mode and the like), by name.</summary>
    public static SortedDictionary<string, string> RuntimeEnvironment() =>
        new(Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Where(e => e.Key is string k && k.StartsWith("DOTNET_", StringComparison.Ordinal) && !k.StartsWith("DOTNET_CLI", StringComparison.Ordinal))
            .ToDictionary(e => (string)e.Key, e => e.Value?.ToString() ?? ""), StringComparer.Ordinal);

    /// <summary>The sum of a Prometheus metric's samples whose labels contain <paramref name="labels"/> (null when there is none).</summary>
    public static double? Metric(string text, string name, string labels = "")
    {
        double? sum = null;
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length <= name.Length || line[name.Length] is not ('{' or ' ')) continue;
            if (labels.Length > 0 && !line.Contains(labels, StringComparison.Ordinal)) continue;
            sum = (sum ?? 0) + double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return sum;
    }
}
