using AirQuality.Grains.Storage;
using Npgsql;

namespace AirQuality.Silo;

/// <summary>
/// Keeps a cluster silo from starting on a database whose schema is missing or older than this build needs: the
/// Orleans providers would otherwise fail later with less helpful errors (a missing table, a missing named query).
/// Silos never migrate by themselves; the `migrate` verb does, once, before they start.
/// </summary>
public static class SchemaGate
{
    /// <summary>Null when the schema is current, else the message to print.</summary>
    public static async Task<string?> CheckAsync(string connectionString)
    {
        IReadOnlyList<string> pending;
        try
        {
            pending = await new SchemaMigrator(connectionString, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).PendingScriptsAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            return $"Cannot read the schema version from PostgreSQL at {b.Host}:{b.Port}/{b.Database}: {ex.Message}";
        }
        if (pending.Count == 0) return null;
        var all = SchemaMigrator.KnownScripts.Count;
        var what = pending.Count == all ? "has no schema yet" : $"is {pending.Count} script(s) behind this build";
        return $"The PostgreSQL database {what} (first pending: {Short(pending[0])}). " +
               "Run `dotnet AirQuality.Silo.dll migrate` (the compose `migrate` service or the Kubernetes migrate Job) before starting silos.";
    }

    private static string Short(string script) => script.Replace("AirQuality.Grains.Storage.Migrations.", "", StringComparison.Ordinal);
}
