-- Orleans grain state on PostgreSQL (Microsoft.Orleans.Persistence.AdoNet, storage provider "aq").
--
-- A row is identified by service, state name (the provider passes the state name, not the grain class), the two
-- numeric key halves and the key extension, which holds the whole key for string-keyed grains. The provider's two
-- hashes are opaque: they only narrow the search, and every query also compares the full identity. `version` is the
-- grain's ETag; every successful write or clear moves it, and a stale ETag changes nothing.

CREATE TABLE IF NOT EXISTS orleans_grain_state (
    service_id         text NOT NULL,
    state_name         text NOT NULL,
    state_name_hash    integer NOT NULL,
    grain_id_hash      integer NOT NULL,
    grain_id_n0        bigint NOT NULL,
    grain_id_n1        bigint NOT NULL,
    grain_id_extension text,              -- NULL for integer or Guid keys without extension
    payload            bytea,             -- NULL after a clear: the row stays as a tombstone that keeps the version
    version            integer NOT NULL,
    modified_on        timestamptz NOT NULL DEFAULT now()
);

-- One row per identity, so a read never finds two. The extension can be long (string keys), hence md5 to stay
-- within a btree entry; NULLS NOT DISTINCT makes two NULL extensions the same identity (PostgreSQL 15+).
CREATE UNIQUE INDEX IF NOT EXISTS orleans_grain_state_identity
    ON orleans_grain_state (service_id, state_name, grain_id_n0, grain_id_n1, md5(grain_id_extension)) NULLS NOT DISTINCT;

CREATE INDEX IF NOT EXISTS orleans_grain_state_lookup
    ON orleans_grain_state (grain_id_hash, state_name_hash);

-- The next ETag after `v`; wraps instead of overflowing (any value different from the last one will do).
CREATE OR REPLACE FUNCTION orleans_next_state_version(v integer) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN v >= 2147483647 THEN 1 ELSE v + 1 END $$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('ReadFromStorageKey',
 'SELECT payload AS payloadbinary, version
  FROM orleans_grain_state
  WHERE grain_id_hash = @GrainIdHash AND state_name_hash = @GrainTypeHash
    AND service_id = @ServiceId AND state_name = @GrainTypeString
    AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
    AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString'),

-- No ETag: create, and a row that already exists is a conflict (no version back). ETag N: replace only version N.
('WriteToStorageKey',
 'WITH updated AS (
      UPDATE orleans_grain_state
         SET payload = @PayloadBinary, version = orleans_next_state_version(version), modified_on = now()
       WHERE @GrainStateVersion IS NOT NULL AND version = @GrainStateVersion
         AND grain_id_hash = @GrainIdHash AND state_name_hash = @GrainTypeHash
         AND service_id = @ServiceId AND state_name = @GrainTypeString
         AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
         AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
      RETURNING version),
  inserted AS (
      INSERT INTO orleans_grain_state (service_id, state_name, state_name_hash, grain_id_hash, grain_id_n0, grain_id_n1,
                                       grain_id_extension, payload, version)
      SELECT @ServiceId, @GrainTypeString, @GrainTypeHash, @GrainIdHash, @GrainIdN0, @GrainIdN1,
             @GrainIdExtensionString, @PayloadBinary, 1
      WHERE @GrainStateVersion IS NULL
      ON CONFLICT DO NOTHING
      RETURNING version)
  SELECT version AS newgrainstateversion FROM updated
  UNION ALL
  SELECT version FROM inserted'),

('ClearStorageKey',
 'UPDATE orleans_grain_state
     SET payload = NULL, version = orleans_next_state_version(version), modified_on = now()
   WHERE version = @GrainStateVersion
     AND grain_id_hash = @GrainIdHash AND state_name_hash = @GrainTypeHash
     AND service_id = @ServiceId AND state_name = @GrainTypeString
     AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
     AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
  RETURNING version'),

('DeleteStorageKey',
 'DELETE FROM orleans_grain_state
   WHERE version = @GrainStateVersion
     AND grain_id_hash = @GrainIdHash AND state_name_hash = @GrainTypeHash
     AND service_id = @ServiceId AND state_name = @GrainTypeString
     AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
     AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
  RETURNING orleans_next_state_version(version)')
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
