using System.CommandLine;
using AirQuality.Grains.Storage;

namespace AirQuality.Silo.Commands;

/// <summary>`migrate`: create or upgrade the PostgreSQL schema (readings, models, Orleans tables and queries).</summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL connection string of the schema owner (default: ConnectionStrings__PostgresOwner, else ConnectionStrings__Postgres)" };
        var check = new Option<bool>("--check") { Description = "Only list the scripts not applied yet; exit 1 when there are some" };
        var cmd = new Command("migrate", "Create or upgrade the PostgreSQL schema. Safe to run again: applied scripts are skipped.") { connection, check };
        cmd.SetAction(async (parse, ct) =>
        {
            var config = new ConfigurationBuilder().AddEnvironmentVariables().Build();
            // The owner migrates; the application may connect as another, least-privilege login (ConnectionStrings__Postgres),
            // which migrate then creates or updates and grants row rights to.
            var owner = parse.GetValue(connection) ?? config.GetConnectionString("PostgresOwner");
            var cs = owner ?? config.GetConnectionString("Postgres");
            if (string.IsNullOrWhiteSpace(cs))
            {
                Console.Error.WriteLine("No PostgreSQL connection: pass --connection or set ConnectionStrings__Postgres.");
                return 2;
            }
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
            var migrator = new SchemaMigrator(cs, loggers.CreateLogger("migrate"));
            try
            {
                if (parse.GetValue(check))
                {
                    var pending = await migrator.PendingScriptsAsync();
                    foreach (var s in pending) Console.WriteLine($"pending: {s}");
                    Console.WriteLine(pending.Count == 0 ? "Schema is up to date." : $"{pending.Count} script(s) pending.");
                    return pending.Count == 0 ? 0 : 1;
                }
                var applied = await migrator.MigrateAsync();
                Console.WriteLine(applied.Count == 0 ? "Schema is up to date; nothing applied." : $"Applied {applied.Count} script(s): {string.Join(", ", applied)}");
                if (owner is not null && config.GetConnectionString("Postgres") is { Length: > 0 } app)
                {
                    var role = await AppRole.EnsureAsync(cs, app, ct);
                    Console.WriteLine(role is null
                        ? "The application connects as the schema owner (same login in both connection strings)."
                        : $"Application login '{role}': row rights granted (no DDL).");
                }
                return 0;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException)
            {
                Console.Error.WriteLine($"Migration failed: {ex.Message}");
                return 1;
            }
        });
        return cmd;
    }
}
