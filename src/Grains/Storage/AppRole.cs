using Npgsql;

namespace AirQuality.Grains.Storage;

/// <summary>
/// The application's least-privilege login. The `migrate` verb connects as the schema owner
/// (<c>ConnectionStrings:PostgresOwner</c>); when the application's connection string (<c>ConnectionStrings:Postgres</c>)
/// names another login, migrate creates it (or resets its password) and grants it row rights only, through
/// <c>aq_grant_app_role</c>. The DDL the application needs at run time (partitions, retention drops) goes through
/// owner-rights helpers (<c>aq_ensure_partitions</c>, <c>aq_drop_partition</c>, <c>aq_drop_chunks</c>).
/// </summary>
public static class AppRole
{
    /// <summary>Name of the owner's connection string (<c>ConnectionStrings__PostgresOwner</c>).</summary>
    public const string OwnerConnectionName = "PostgresOwner";

    /// <summary>
    /// Makes the login of <paramref name="appConnectionString"/> exist with its password and row rights on the
    /// owner's database; answers its name, or null when it is the owner itself.
    /// </summary>
    /// <exception cref="InvalidOperationException">The two connection strings name different databases.</exception>
    public static async Task<string?> EnsureAsync(string ownerConnectionString, string appConnectionString, CancellationToken cancellationToken = default)
    {
        var owner = new NpgsqlConnectionStringBuilder(ownerConnectionString);
        var app = new NpgsqlConnectionStringBuilder(appConnectionString);
        if (string.IsNullOrEmpty(app.Username) || string.Equals(app.Username, owner.Username, StringComparison.Ordinal)) return null;
        if (!string.Equals(app.Database ?? app.Username, owner.Database ?? owner.Username, StringComparison.Ordinal))
            throw new InvalidOperationException($"ConnectionStrings:Postgres names database '{app.Database}', the owner's names '{owner.Database}'.");
        await using var conn = new NpgsqlConnection(ownerConnectionString);
        await conn.OpenAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var exists = await Scalar<bool>(conn, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = @r)", cancellationToken, app.Username);
        var quoted = await Scalar<string>(conn, "SELECT quote_ident(@r)", cancellationToken, app.Username);
        var password = await Scalar<string>(conn, "SELECT quote_literal(@r)", cancellationToken, app.Password ?? "");
        // Only a superuser may name the superuser, replication and RLS attributes, even to deny them; a new role has none.
        var superuser = await Scalar<bool>(conn, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user", cancellationToken, "");
        if (!exists) await Execute(conn, $"CREATE ROLE {quoted} LOGIN", cancellationToken);
        await Execute(conn, $"ALTER ROLE {quoted} LOGIN NOCREATEDB NOCREATEROLE"
                            + (superuser ? " NOSUPERUSER NOREPLICATION NOBYPASSRLS" : "")
                            + (app.Password is null ? "" : $" PASSWORD {password}"), cancellationToken);
        await Execute(conn, "SELECT aq_grant_app_role(@r)", cancellationToken, app.Username);
        await tx.CommitAsync(cancellationToken);
        return app.Username;
    }

    private static async Task Execute(NpgsqlConnection conn, string sql, CancellationToken ct, string? parameter = null)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        if (parameter is not null) cmd.Parameters.AddWithValue("r", parameter);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<T> Scalar<T>(NpgsqlConnection conn, string sql, CancellationToken ct, string parameter)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("r", parameter);
        return (T)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
