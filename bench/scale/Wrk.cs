using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AirQuality.Bench.Scale;

/// <summary>What one run of wrk measured: throughput, latency percentiles (ms) and failed requests.</summary>
internal sealed record WrkResult(string Target, int Threads, int Connections, double Seconds, long Requests, double Rps,
    double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, long Non2xx, long SocketErrors);

/// <summary>
/// Runs the external load generator wrk against the silo, the way the issue's latency targets are stated
/// (`wrk -t2 -c64`). Its Lua script cycles over every place (the names read from a file, one per line: 5,000 names do
/// not fit one argument) or asks a random page of the rankings, and prints the percentiles wrk's summary lacks.
/// </summary>
internal static partial class Wrk
{
    public static bool Installed() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "wrk")));

    /// <summary>`current` of every place in turn (each wrk thread starts at its own offset).</summary>
    public static Task<WrkResult> CurrentAsync(string baseUrl, IReadOnlyList<string> names, int threads, int connections, TimeSpan duration) =>
        RunAsync("current", baseUrl, names, threads, connections, duration, """
            local names = {}
            local i = 0
            init = function(args)
              for line in io.lines(args[1]) do table.insert(names, line) end
              i = (id or 0) * 7919
            end
            request = function()
              i = i + 1
              return wrk.format("GET", "/api/v1/aqi/current/" .. names[(i % #names) + 1])
            end
            """);

    /// <summary>A random page of 100 of the rankings.</summary>
    public static Task<WrkResult> RankingsAsync(string baseUrl, IReadOnlyList<string> names, int threads, int connections, TimeSpan duration) =>
        RunAsync("rankings_page_100", baseUrl, names, threads, connections, duration, """
            local pages = 1
            init = function(args)
              math.randomseed(20261208 + (id or 0))
              local n = 0
              for _ in io.lines(args[1]) do n = n + 1 end
              pages = math.max(1, math.floor((n + 99) / 100))
            end
            request = function()
              return wrk.format("GET", "/api/v1/cities/rankings?limit=100&page=" .. math.random(pages))
            end
            """);

    private static async Task<WrkResult> RunAsync(string target, string baseUrl, IReadOnlyList<string> names, int threads, int connections,
        TimeSpan duration, string body)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"aq-scale-wrk-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        var list = Path.Combine(folder, "names.txt");
        await File.WriteAllLinesAsync(list, names.Select(Uri.EscapeDataString));
        var script = Path.Combine(folder, $"{target}.lua");
        // Each wrk thread runs the script in a Lua state of its own; `setup` numbers them.
        await File.WriteAllTextAsync(script, """
            local threads = 0
            setup = function(thread)
              thread:set("id", threads)
              threads = threads + 1
            end

            """ + body + """

            done = function(summary, latency, requests)
              for _, p in ipairs({ 50, 90, 99, 99.9 }) do
                io.write(string.format("pct %s %d\n", tostring(p), latency:percentile(p)))
              end
              io.write(string.format("pct max %d\n", latency.max))
            end
            """);
        var psi = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { $"-t{threads}", $"-c{connections}", $"-d{(int)Math.Ceiling(duration.TotalSeconds)}s", "--latency", "--timeout", "10s",
                     "-s", script, baseUrl, "--", list })
            psi.ArgumentList.Add(a);
        using var wrk = Process.Start(psi)!;
        var stdout = wrk.StandardOutput.ReadToEndAsync();
        var stderr = wrk.StandardError.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        var output = await stdout;
        if (wrk.ExitCode != 0) throw new InvalidOperationException($"wrk exited with code {wrk.ExitCode}: {await stderr}");
        double Pct(string p) => Percentiles().Matches(output).FirstOrDefault(m => m.Groups[1].Value == p) is { } m
            ? Math.Round(long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) / 1000.0, 2) : double.NaN;
        long Count(Regex r) => r.Match(output) is { Success: true } m ? m.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture)) : 0;
        return new WrkResult(target, threads, connections, duration.TotalSeconds,
            long.Parse(RequestCount().Match(output).Groups[1].Value, CultureInfo.InvariantCulture),
            double.Parse(RequestRate().Match(output).Groups[1].Value, CultureInfo.InvariantCulture),
            Pct("50"), Pct("90"), Pct("99"), Pct("99.9"), Pct("max"), Count(Non2xx()), Count(SocketErrors()));
    }

    [GeneratedRegex(@"^pct (\S+) (\d+)$", RegexOptions.Multiline)]
    private static partial Regex Percentiles();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestCount();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestRate();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();
}
