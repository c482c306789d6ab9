-- Chooses, once per database, how the readings store partitions time:
--   `timescaledb`: hypertables (1-day chunks for raw readings), compression after 7 days, continuous aggregates;
--   `partitions`:  native declarative range partitions, rollup tables kept up to date by the store.
-- TimescaleDB is used when the extension is installed on the server AND preloaded (CREATE EXTENSION fails
-- otherwise), unless the session asks for partitions (`-c aq.storage_layout=partitions` in the connection options).
-- The choice is recorded and never revisited: moving data between the two layouts is a data migration, not a flag.
CREATE TABLE IF NOT EXISTS aq_storage_layout (
    id          integer PRIMARY KEY CHECK (id = 1),
    kind        text NOT NULL CHECK (kind IN ('timescaledb', 'partitions')),
    chosen_at   timestamptz NOT NULL DEFAULT now()
);

DO $$
DECLARE
    wanted text := lower(coalesce(current_setting('aq.storage_layout', true), ''));
    use_timescale boolean;
BEGIN
    IF EXISTS (SELECT 1 FROM aq_storage_layout) THEN
        RETURN;
    END IF;
    use_timescale := wanted <> 'partitions' AND (
        EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
        OR (EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
            AND current_setting('shared_preload_libraries', true) ~ '(^|[ ,])timescaledb([ ,]|$)'));
    IF use_timescale AND NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS timescaledb;
        EXCEPTION WHEN insufficient_privilege OR feature_not_supported OR object_not_in_prerequisite_state THEN
            -- Installed but not ours to create (no privilege, not preloaded): native partitions serve the same rules.
            RAISE NOTICE 'timescaledb is available but could not be created (%); using native partitions', SQLERRM;
            use_timescale := false;
        END;
    END IF;
    INSERT INTO aq_storage_layout (id, kind)
    VALUES (1, CASE WHEN use_timescale THEN 'timescaledb' ELSE 'partitions' END);
END
$$;
