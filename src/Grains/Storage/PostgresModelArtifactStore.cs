using AirQuality.Grains.Abstractions;
using System.Text.Json;
using AirQuality.Grains.Forecasting;
using Npgsql;
using NpgsqlTypes;

namespace AirQuality.Grains.Storage;

/// <summary>Model artifacts in PostgreSQL (table `forecast_model_artifacts`, migration 2000), readable by every silo.</summary>
public sealed class PostgresModelArtifactStore(NpgsqlDataSource dataSource) : IModelArtifactStore
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public string Kind => "postgresql";

    public async Task SaveAsync(ModelVersionInfo version, byte[] artifact, CancellationToken cancellationToken = default)
    {
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO forecast_model_artifacts (city_id, target, version, family, trained_at, samples, metadata, artifact)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (city_id, target, version) DO UPDATE
            SET family = EXCLUDED.family, trained_at = EXCLUDED.trained_at, samples = EXCLUDED.samples,
                metadata = EXCLUDED.metadata, artifact = EXCLUDED.artifact
            """);
        cmd.Parameters.AddWithValue(version.City);
        cmd.Parameters.AddWithValue(version.Target);
        cmd.Parameters.AddWithValue(version.Version);
        cmd.Parameters.AddWithValue(version.Model);
        cmd.Parameters.AddWithValue(DateTime.SpecifyKind(version.TrainedAt, DateTimeKind.Utc));
        cmd.Parameters.AddWithValue(version.Samples);
        cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(version with { PerHorizon = [] }, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        cmd.Parameters.AddWithValue(artifact);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<byte[]?> LoadAsync(string cityId, string target, int version, CancellationToken cancellationToken = default)
    {
        await using var cmd = dataSource.CreateCommand("SELECT artifact FROM forecast_model_artifacts WHERE city_id = $1 AND target = $2 AND version = $3");
        cmd.Parameters.AddWithValue(cityId);
        cmd.Parameters.AddWithValue(target);
        cmd.Parameters.AddWithValue(version);
        return await cmd.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    public async Task DeleteAsync(string cityId, string target, int version, CancellationToken cancellationToken = default)
    {
        await using var cmd = dataSource.CreateCommand("DELETE FROM forecast_model_artifacts WHERE city_id = $1 AND target = $2 AND version = $3");
        cmd.Parameters.AddWithValue(cityId);
        cmd.Parameters.AddWithValue(target);
        cmd.Parameters.AddWithValue(version);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
