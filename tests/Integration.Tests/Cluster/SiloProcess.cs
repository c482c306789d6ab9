using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AirQuality.TestSupport;

namespace AirQuality.Integration.Tests.Cluster;

/// <summary>
/// One real process of the built silo executable (`dotnet AirQuality.Silo.dll ...`), its output kept in a log file.
/// Disposing kills it if it still runs.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    public string Name { get; }
    public string LogPath { get; }
    public int HttpPort { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");

    /// <summary>The management port (`Management:Port`): where `/metrics` answers.</summary>
    public int ManagementPort { get; private init; }

    public Uri ManagementAddress => new($"http://127.0.0.1:{ManagementPort}");

    private SiloProcess(string name, string[] args, IReadOnlyDictionary<string, string> env, int httpPort)
    {
        Name = name;
        HttpPort = httpPort;
        LogPath = Path.Combine(Path.GetTempPath(), $"aqcl-{name}-{Guid.NewGuid():N}.log");
        _log = new StreamWriter(LogPath) { AutoFlush = true };
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(SiloDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        _process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Write(e.Data);
        _process.ErrorDataReceived += (_, e) => Write(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts `run` with the given role on its own HTTP port.</summary>
    public static SiloProcess Run(string name, string role, IReadOnlyDictionary<string, string> env)
    {
        var http = FreePort();
        var management = FreePort();
        while (management == http) management = FreePort();
        return new SiloProcess(name, ["run", "--role", role, "--urls", $"http://127.0.0.1:{http}", $"--Management:Port={management}"], env, http)
        {
            ManagementPort = management,
        };
    }

    /// <summary>Runs a verb to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToEndAsync(string[] args, IReadOnlyDictionary<string, string> env, TimeSpan timeout)
    {
        using var p = new SiloProcess("verb-" + args[0], args, env, 0);
        using var cts = new CancellationTokenSource(timeout);
        await p._process.WaitForExitAsync(cts.Token);
        p._process.WaitForExit(); // drains the redirected output
        p._log.Flush();
        return (p._process.ExitCode, await File.ReadAllTextAsync(p.LogPath));
    }

    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>SIGKILL: no shutdown, no goodbye to the cluster.</summary>
    public void Kill() => _process.Kill(entireProcessTree: false);

    /// <summary>SIGTERM, what an orchestrator sends first: the host stops gracefully.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    public Task WaitForExitAsync(CancellationToken ct) => _process.WaitForExitAsync(ct);

    public string Log()
    {
        lock (_log) _log.Flush();
        using var f = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(f).ReadToEnd();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // never started
        }
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    private void Write(string? line)
    {
        if (line is null) return;
        lock (_log) _log.WriteLine(line);
    }

    /// <summary>The silo executable built next to this test run (same configuration, Debug or Release).</summary>
    public static string SiloDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            var path = Path.Combine(TestServices.RepositoryRoot, "src", "Silo", "bin", configuration, "net10.0", "AirQuality.Silo.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build src/Silo first (the test project references it)", path);
        }
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
