-- The cluster's training queue (AirQuality.Grains.Storage.PostgresTrainingQueue). A city has at most one job queued,
-- leased or running (the partial unique index); a worker leases a job with FOR UPDATE SKIP LOCKED and renews
-- lease_expires_at by heartbeats; a job whose lease expired is leased again (attempts + 1, which fences the old
-- worker out). Automatic jobs' created_at is the city's retrain cooldown, kept here so that it survives restarts.
CREATE TABLE IF NOT EXISTS forecast_training_jobs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    city_id          text        NOT NULL,
    reason           text        NOT NULL,
    automatic        boolean     NOT NULL,
    first_version    integer     NOT NULL,
    incumbents       jsonb       NOT NULL,
    state            text        NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'leased', 'running', 'done', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    worker           text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    not_before       timestamptz NOT NULL,
    leased_at        timestamptz,
    lease_expires_at timestamptz,
    started_at       timestamptz,
    finished_at      timestamptz,
    error            text
);
CREATE UNIQUE INDEX IF NOT EXISTS forecast_training_jobs_one_active ON forecast_training_jobs (city_id)
    WHERE state IN ('queued', 'leased', 'running');
CREATE INDEX IF NOT EXISTS forecast_training_jobs_due ON forecast_training_jobs (not_before, id) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS forecast_training_jobs_leases ON forecast_training_jobs (lease_expires_at) WHERE state IN ('leased', 'running');
CREATE INDEX IF NOT EXISTS forecast_training_jobs_city ON forecast_training_jobs (city_id, created_at DESC);
