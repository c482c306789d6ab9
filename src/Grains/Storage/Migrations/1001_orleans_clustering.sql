-- Orleans cluster membership on PostgreSQL (Microsoft.Orleans.Clustering.AdoNet, Invariant "Npgsql").
--
-- One version record per cluster (the provider's "DeploymentId" is the Orleans ClusterId) and one row per silo
-- incarnation (address, port, generation). Every membership change raises the cluster's version by one, and only when
-- the caller read the current version: that compare-and-set is the whole concurrency control, so inserts and updates
-- run as PL/pgSQL functions whose second write failing undoes the first (a real exception in a sub-block; ASSERT
-- would not do, it can be switched off).

CREATE TABLE IF NOT EXISTS orleans_cluster_version (
    deployment_id text PRIMARY KEY,
    version       integer NOT NULL DEFAULT 0 CHECK (version >= 0),
    changed_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS orleans_silo (
    deployment_id   text NOT NULL REFERENCES orleans_cluster_version (deployment_id) ON DELETE CASCADE,
    address         text NOT NULL,      -- IPv4 or IPv6 text, read back as a string (never inet)
    port            integer NOT NULL,
    generation      integer NOT NULL,
    silo_name       text NOT NULL,
    host_name       text NOT NULL,
    status          integer NOT NULL,   -- Orleans SiloStatus: 3 Active, 6 Dead
    proxy_port      integer NOT NULL DEFAULT 0,
    suspect_times   text,               -- kept verbatim: "ip:port@gen,yyyy-MM-dd HH:mm:ss.fff GMT|..."
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

-- Both functions run their two writes in one block with an EXCEPTION clause, which PostgreSQL runs as a
-- subtransaction: when the second write fails, the handler's RETURN 0 comes after the version bump is rolled back.

-- Adds a silo row and bumps the version, both or neither. 1 on success, 0 when the version moved or the row exists.
CREATE OR REPLACE FUNCTION orleans_insert_silo(
    p_deployment_id text, p_address text, p_port integer, p_generation integer,
    p_silo_name text, p_host_name text, p_status integer, p_proxy_port integer,
    p_start_time timestamptz, p_i_am_alive_time timestamptz, p_version integer)
RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orleans_cluster_version
       SET version = version + 1, changed_at = now()
     WHERE deployment_id = p_deployment_id AND version = p_version AND version < 2147483647;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    INSERT INTO orleans_silo (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port,
                              suspect_times, start_time, i_am_alive_time)
    VALUES (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status,
            coalesce(p_proxy_port, 0), NULL, p_start_time, p_i_am_alive_time);
    RETURN 1;
EXCEPTION WHEN unique_violation THEN
    RETURN 0;
END;
$$;

-- Sets status, suspicions and heartbeat of an existing row and bumps the version, both or neither.
CREATE OR REPLACE FUNCTION orleans_update_silo(
    p_deployment_id text, p_address text, p_port integer, p_generation integer,
    p_status integer, p_suspect_times text, p_i_am_alive_time timestamptz, p_version integer)
RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orleans_cluster_version
       SET version = version + 1, changed_at = now()
     WHERE deployment_id = p_deployment_id AND version = p_version AND version < 2147483647;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    UPDATE orleans_silo
       SET status = p_status, suspect_times = p_suspect_times, i_am_alive_time = p_i_am_alive_time
     WHERE deployment_id = p_deployment_id AND address = p_address AND port = p_port AND generation = p_generation;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found', MESSAGE = 'orleans silo row missing';
    END IF;
    RETURN 1;
EXCEPTION WHEN no_data_found THEN
    RETURN 0;
END;
$$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('InsertMembershipVersionKey',
 'WITH created AS (
      INSERT INTO orleans_cluster_version (deployment_id, version) VALUES (@DeploymentId, 0)
      ON CONFLICT (deployment_id) DO NOTHING
      RETURNING 1)
  SELECT count(*)::integer FROM created'),

('InsertMembershipKey',
 'SELECT orleans_insert_silo(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
                             @StartTime, @IAmAliveTime, @Version)'),

('UpdateMembershipKey',
 'SELECT orleans_update_silo(@DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes, @IAmAliveTime, @Version)'),

('UpdateIAmAlivetimeKey',
 'UPDATE orleans_silo SET i_am_alive_time = greatest(i_am_alive_time, @IAmAliveTime)
  WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation'),

('MembershipReadAllKey',
 'SELECT v.deployment_id AS deploymentid, s.address, s.port, s.generation, s.silo_name AS siloname,
         s.host_name AS hostname, s.status, s.proxy_port AS proxyport, s.suspect_times AS suspecttimes,
         s.start_time AS starttime, s.i_am_alive_time AS iamalivetime, v.version
  FROM orleans_cluster_version v
  LEFT JOIN orleans_silo s ON s.deployment_id = v.deployment_id
  WHERE v.deployment_id = @DeploymentId'),

('MembershipReadRowKey',
 'SELECT v.deployment_id AS deploymentid, s.address, s.port, s.generation, s.silo_name AS siloname,
         s.host_name AS hostname, s.status, s.proxy_port AS proxyport, s.suspect_times AS suspecttimes,
         s.start_time AS starttime, s.i_am_alive_time AS iamalivetime, v.version
  FROM orleans_cluster_version v
  LEFT JOIN orleans_silo s ON s.deployment_id = v.deployment_id
        AND s.address = @Address AND s.port = @Port AND s.generation = @Generation
  WHERE v.deployment_id = @DeploymentId'),

('GatewaysQueryKey',
 'SELECT address, proxy_port AS proxyport, generation
  FROM orleans_silo
  WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0'),

('DeleteMembershipTableEntriesKey',
 'DELETE FROM orleans_cluster_version WHERE deployment_id = @DeploymentId'),

('CleanupDefunctSiloEntriesKey',
 'DELETE FROM orleans_silo
  WHERE deployment_id = @DeploymentId AND status = 6
    AND start_time < @IAmAliveTime AND i_am_alive_time < @IAmAliveTime
    AND coalesce(suspect_times, '''') = '''''),

('CleanupDefunctSiloEntryKey',
 'DELETE FROM orleans_silo
  WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
    AND status = 6 AND start_time = @StartTime AND i_am_alive_time = @IAmAliveTime
    AND coalesce(suspect_times, '''') = coalesce(@SuspectTimes, '''')')
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
