-- Orleans reminders on PostgreSQL (Microsoft.Orleans.Reminders.AdoNet).
--
-- `grain_hash` is the grain's uniform hash as a signed int4: the reminder service asks for ranges of the hash ring
-- and the provider turns each into one or two signed comparisons, so the column must stay a signed integer.
-- Versions come from one shared sequence, so a reminder deleted and created again never reuses an old ETag.

CREATE SEQUENCE IF NOT EXISTS orleans_reminder_version AS integer CYCLE;

CREATE TABLE IF NOT EXISTS orleans_reminder (
    service_id    text NOT NULL,
    grain_id      text NOT NULL,        -- "<grain type>/<key>", returned byte for byte (parsed back by Orleans)
    reminder_name text NOT NULL,
    start_time    timestamptz NOT NULL,
    period        bigint NOT NULL,      -- milliseconds
    grain_hash    integer NOT NULL,
    version       integer NOT NULL
);

-- Grain ids and reminder names have no length bound: md5 keeps the unique index entries small.
CREATE UNIQUE INDEX IF NOT EXISTS orleans_reminder_identity
    ON orleans_reminder (service_id, md5(grain_id), md5(reminder_name));

CREATE INDEX IF NOT EXISTS orleans_reminder_ring
    ON orleans_reminder (service_id, grain_hash);

INSERT INTO orleansquery (querykey, querytext) VALUES
('ReadReminderRowsKey',
 'SELECT grain_id AS grainid, reminder_name AS remindername, start_time AS starttime, period, version
  FROM orleans_reminder
  WHERE service_id = @ServiceId AND md5(grain_id) = md5(@GrainId) AND grain_id = @GrainId'),

('ReadReminderRowKey',
 'SELECT grain_id AS grainid, reminder_name AS remindername, start_time AS starttime, period, version
  FROM orleans_reminder
  WHERE service_id = @ServiceId AND md5(grain_id) = md5(@GrainId) AND grain_id = @GrainId
    AND md5(reminder_name) = md5(@ReminderName) AND reminder_name = @ReminderName'),

-- (Begin, End] when Begin < End as signed values.
('ReadRangeRows1Key',
 'SELECT grain_id AS grainid, reminder_name AS remindername, start_time AS starttime, period, version
  FROM orleans_reminder
  WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash'),

-- The range wraps past the end of the signed ring (or is the whole ring when Begin = End).
('ReadRangeRows2Key',
 'SELECT grain_id AS grainid, reminder_name AS remindername, start_time AS starttime, period, version
  FROM orleans_reminder
  WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)'),

('UpsertReminderRowKey',
 'INSERT INTO orleans_reminder AS r (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
  VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash,
          nextval(''orleans_reminder_version'')::integer)
  ON CONFLICT (service_id, md5(grain_id), md5(reminder_name)) DO UPDATE
     SET start_time = excluded.start_time, period = excluded.period, grain_hash = excluded.grain_hash,
         version = excluded.version
   WHERE r.grain_id = excluded.grain_id AND r.reminder_name = excluded.reminder_name
  RETURNING version'),

('DeleteReminderRowKey',
 'WITH deleted AS (
      DELETE FROM orleans_reminder
      WHERE service_id = @ServiceId AND md5(grain_id) = md5(@GrainId) AND grain_id = @GrainId
        AND md5(reminder_name) = md5(@ReminderName) AND reminder_name = @ReminderName
        AND version = @Version
      RETURNING 1)
  SELECT count(*)::integer FROM deleted'),

('DeleteReminderRowsKey',
 'DELETE FROM orleans_reminder WHERE service_id = @ServiceId')
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
