using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace AirQuality.TestSupport;

/// <summary>
/// A PostgreSQL server of one test alone (initdb in a temporary folder, its own loopback port), for tests that stop,
/// restart or reconfigure the database under a running system; the shared server of <see cref="TestServices"/> is
/// never touched. Needs the PostgreSQL binaries under /usr/lib/postgresql; as root it runs them as `postgres`.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dir;

    private PrivatePostgres(string bin, string dir, int port)
    {
        _bin = bin;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Connection string of database <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=3;Command Timeout=10";

    /// <summary>Why the server cannot run here (no binaries), or null.</summary>
    public static string? Unavailable => FindBin() is null ? "PostgreSQL binaries not found under /usr/lib/postgresql" : null;

    public static async Task<PrivatePostgres> StartAsync()
    {
        var bin = FindBin() ?? throw new InvalidOperationException(Unavailable);
        var dir = Path.Combine(Path.GetTempPath(), "aq-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var pg = new PrivatePostgres(bin, dir, PrivatePorts.Free());
        if (IsRoot) await Run("chown", "postgres:postgres", dir);
        await pg.AsPostgres($"'{bin}/initdb' -D '{dir}/data' -A trust -U postgres -E UTF8 --no-locale");
        await pg.StartServerAsync();
        return pg;
    }

    /// <summary>Starts the server (again) on the same port and data.</summary>
    public Task StartServerAsync() => AsPostgres(
        $"'{_bin}/pg_ctl' -D '{_dir}/data' -l '{_dir}/pg.log' -w -t 60 -o \"-p {Port} -k '{_dir}' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" start");

    /// <summary>Stops the server at once (open connections are cut, as in a crash or a failover).</summary>
    public Task StopServerAsync() => AsPostgres($"'{_bin}/pg_ctl' -D '{_dir}/data' -m immediate -w -t 60 stop");

    /// <summary>Switches every session of the server to read-only transactions (or back), as an operator would.</summary>
    public async Task SetReadOnlyAsync(bool readOnly)
    {
        await using var conn = new NpgsqlConnection(ConnectionString() + ";Pooling=false");
        await conn.OpenAsync();
        await using (var set = new NpgsqlCommand($"ALTER SYSTEM SET default_transaction_read_only = {(readOnly ? "on" : "off")}", conn))
            await set.ExecuteNonQueryAsync();
        await using (var reload = new NpgsqlCommand("SELECT pg_reload_conf()", conn))
            await reload.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgres($"'{_bin}/pg_ctl' -D '{_dir}/data' -m immediate -w -t 60 stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static string? FindBin() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderBy(d => d.Length).ThenBy(d => d, StringComparer.Ordinal).LastOrDefault()
            : null;

    private Task AsPostgres(string command) => IsRoot ? Run("su", "postgres", "-s", "/bin/bash", "-c", command) : Run("bash", "-c", command);

    internal static async Task Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {await error}{await output}");
    }
}

/// <summary>A redis-server of one test alone, on its own loopback port, that the test may stop, pause and start again.</summary>
public sealed class PrivateRedis : IAsyncDisposable
{
    private Process? _process;

    private PrivateRedis(int port) => Port = port;

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Why the server cannot run here (no redis-server), or null.</summary>
    public static string? Unavailable =>
        new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.Any(File.Exists) ? null : "redis-server not installed";

    public static async Task<PrivateRedis> StartAsync()
    {
        var redis = new PrivateRedis(PrivatePorts.Free());
        await redis.StartServerAsync();
        return redis;
    }

    public async Task StartServerAsync()
    {
        var psi = new ProcessStartInfo("redis-server", ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var watch = Stopwatch.StartNew();
        while (!await AcceptsAsync())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(20)) throw new InvalidOperationException("redis-server did not start");
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            await timer.WaitForNextTickAsync();
        }
    }

    /// <summary>Kills the server (connections drop at once).</summary>
    public async Task StopServerAsync()
    {
        if (_process is null) return;
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open and nothing answers, the hardest case for a client.</summary>
    public Task PauseAsync() => PrivatePostgres.Run("kill", "-STOP", _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public Task ResumeAsync() => PrivatePostgres.Run("kill", "-CONT", _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false }) await ResumeAsync();
        await StopServerAsync();
    }

    private async Task<bool> AcceptsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>Free loopback ports for servers a test starts.</summary>
public static class PrivatePorts
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
