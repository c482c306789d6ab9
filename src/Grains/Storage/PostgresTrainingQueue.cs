using System.Text.Json;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Forecasting;
using Npgsql;
using NpgsqlTypes;

namespace AirQuality.Grains.Storage;

/// <summary>
/// The training queue in PostgreSQL (table `forecast_training_jobs`, migration 2010), shared by every silo: one active
/// job per city by a partial unique index, leases taken with `FOR UPDATE SKIP LOCKED` and timed by the server's clock,
/// the attempt number as fencing token, the cooldown read from the city's automatic jobs.
/// </summary>
public sealed class PostgresTrainingQueue(NpgsqlDataSource dataSource) : ITrainingQueue
{
    private const string Active = "state IN ('queued', 'leased', 'running')";
    private const string Columns = "id, city_id, reason, state, attempts, worker, created_at, not_before, leased_at, lease_expires_at, started_at, finished_at, error";
    private readonly SemaphoreSlim _signal = new(0);

    public string Kind => "postgresql";

    public async Task<EnqueueResult> EnqueueAsync(TrainingRequest request, CancellationToken cancellationToken = default)
    {
        var job = request.Job;
        // Twice at most: a job that finished between the refused insert and the look-up leaves room for this one.
        for (var round = 0; round < 2; round++)
        {
            await using (var insert = dataSource.CreateCommand($"""
                INSERT INTO forecast_training_jobs (city_id, reason, automatic, first_version, incumbents, not_before)
                SELECT $1, $2, $3, $4, $5, now() + $6
                WHERE $7::interval IS NULL OR NOT EXISTS (
                    SELECT 1 FROM forecast_training_jobs WHERE city_id = $1 AND automatic AND created_at > now() - $7::interval)
                ON CONFLICT (city_id) WHERE {Active} DO NOTHING
                RETURNING id
                """))
            {
                insert.Parameters.AddWithValue(job.CityId);
                insert.Parameters.AddWithValue(job.Reason);
                insert.Parameters.AddWithValue(request.Automatic);
                insert.Parameters.AddWithValue(job.FirstVersion);
                insert.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(job.Incumbents), NpgsqlDbType = NpgsqlDbType.Jsonb });
                insert.Parameters.Add(new NpgsqlParameter { Value = request.Delay, NpgsqlDbType = NpgsqlDbType.Interval });
                insert.Parameters.Add(new NpgsqlParameter { Value = request.Cooldown is { } c ? c : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Interval });
                if (await insert.ExecuteScalarAsync(cancellationToken) is long id)
                {
                    Signal();
                    return new EnqueueResult(EnqueueStatus.Queued, id);
                }
            }
            if (await ActiveJobAsync(job.CityId, cancellationToken) is { } active) return new EnqueueResult(EnqueueStatus.AlreadyQueued, active);
            if (request.Cooldown is { } cooldown)
            {
                await using var last = dataSource.CreateCommand("SELECT max(created_at) FROM forecast_training_jobs WHERE city_id = $1 AND automatic");
                last.Parameters.AddWithValue(job.CityId);
                if (await last.ExecuteScalarAsync(cancellationToken) is DateTime at && at + cooldown > DateTime.UtcNow - TimeSpan.FromSeconds(1))
                    return new EnqueueResult(EnqueueStatus.CoolingDown, null, at + cooldown);
            }
        }
        throw new InvalidOperationException($"The training of {job.CityId} could neither be queued nor found queued");
    }

    public async Task<TrainingLease?> TryLeaseAsync(string worker, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken = default)
    {
        await using (var expire = dataSource.CreateCommand("""
            UPDATE forecast_training_jobs
            SET state = 'failed', finished_at = now(), lease_expires_at = NULL,
                error = format('lease expired %s time(s) (worker %s stopped heartbeating)', attempts, worker)
            WHERE state IN ('leased', 'running') AND lease_expires_at < now() AND attempts >= $1
            """))
        {
            expire.Parameters.AddWithValue(maxAttempts);
            await expire.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var cmd = dataSource.CreateCommand("""
            UPDATE forecast_training_jobs j
            SET state = 'leased', attempts = j.attempts + 1, worker = $1, leased_at = now(), lease_expires_at = now() + $2, started_at = NULL
            WHERE j.id = (
                SELECT id FROM forecast_training_jobs
                WHERE (state = 'queued' AND not_before <= now()) OR (state IN ('leased', 'running') AND lease_expires_at < now())
                ORDER BY not_before, id
                LIMIT 1
                FOR UPDATE SKIP LOCKED)
            RETURNING j.id, j.attempts, j.city_id, j.reason, j.first_version, j.incumbents::text
            """);
        cmd.Parameters.AddWithValue(worker);
        cmd.Parameters.Add(new NpgsqlParameter { Value = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var incumbents = JsonSerializer.Deserialize<Dictionary<string, int>>(reader.GetString(5)) ?? [];
        return new TrainingLease(reader.GetInt64(0), reader.GetInt32(1),
            new TrainingJob(reader.GetString(2), reader.GetString(3), reader.GetInt32(4), incumbents));
    }

    public Task<bool> StartAsync(TrainingLease lease, TimeSpan duration, CancellationToken cancellationToken = default) =>
        HeldAsync(lease, "state = 'running', started_at = now(), lease_expires_at = now() + $3", duration, null, cancellationToken);

    public Task<bool> HeartbeatAsync(TrainingLease lease, TimeSpan duration, CancellationToken cancellationToken = default) =>
        HeldAsync(lease, "lease_expires_at = now() + $3", duration, null, cancellationToken);

    public Task<bool> FinishAsync(TrainingLease lease, string? error, CancellationToken cancellationToken = default) =>
        HeldAsync(lease, "state = CASE WHEN $4::text IS NULL THEN 'done' ELSE 'failed' END, error = $4::text, finished_at = now(), lease_expires_at = NULL",
            null, error, cancellationToken);

    public async Task ReleaseAsync(TrainingLease lease, CancellationToken cancellationToken = default)
    {
        if (await HeldAsync(lease, "state = 'queued', lease_expires_at = NULL, started_at = NULL", null, null, cancellationToken)) Signal();
    }

    public async Task<TrainingJobView?> GetAsync(long jobId, CancellationToken cancellationToken = default)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM forecast_training_jobs WHERE id = $1");
        cmd.Parameters.AddWithValue(jobId);
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        if (!await r.ReadAsync(cancellationToken)) return null;
        return new TrainingJobView(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.IsDBNull(5) ? null : r.GetString(5),
            r.GetDateTime(6), r.GetDateTime(7), Time(r, 8), Time(r, 9), Time(r, 10), Time(r, 11), r.IsDBNull(12) ? null : r.GetString(12));
    }

    public async Task<long?> ActiveJobAsync(string cityId, CancellationToken cancellationToken = default)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT id FROM forecast_training_jobs WHERE city_id = $1 AND {Active}");
        cmd.Parameters.AddWithValue(cityId);
        return await cmd.ExecuteScalarAsync(cancellationToken) is long id ? id : null;
    }

    public async Task<int> PurgeAsync(TimeSpan age, CancellationToken cancellationToken = default)
    {
        await using var cmd = dataSource.CreateCommand($"DELETE FROM forecast_training_jobs WHERE NOT ({Active}) AND finished_at < now() - $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = age, NpgsqlDbType = NpgsqlDbType.Interval });
        return await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    private void Signal()
    {
        if (_signal.CurrentCount == 0) _signal.Release();
    }

    private async Task<bool> HeldAsync(TrainingLease lease, string set, TimeSpan? duration, string? error, CancellationToken cancellationToken)
    {
        await using var cmd = dataSource.CreateCommand($"UPDATE forecast_training_jobs SET {set} WHERE id = $1 AND attempts = $2 AND state IN ('leased', 'running')");
        cmd.Parameters.AddWithValue(lease.JobId);
        cmd.Parameters.AddWithValue(lease.Attempt);
        cmd.Parameters.Add(new NpgsqlParameter { Value = duration is { } d ? d : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Interval });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return await cmd.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static DateTime? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDateTime(i);
}
