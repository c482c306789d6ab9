-- What lets the application run as a least-privilege login (rows only, no DDL) while the schema owner keeps the
-- schema: owner-rights helpers for the DDL the application needs at run time (partitions made ahead of the data,
-- retention dropping whole partitions or TimescaleDB chunks), the grants of an application role in one function,
-- and the table the web fronts share their Data Protection keys in (dashboard sessions).

-- Partitions are created at run time (imports, storage maintenance): CREATE TABLE ... PARTITION OF needs the
-- parent's owner. The helper only creates partitions of the tables listed in aq_partitioned_table.
ALTER FUNCTION aq_ensure_partitions(text, timestamptz, timestamptz) SECURITY DEFINER SET search_path = public, pg_temp;

-- Drops one partition of a table listed in aq_partitioned_table and answers how many rows it held. Anything else
-- (a table that is not such a partition, a name that does not exist) is refused or answers -1.
CREATE OR REPLACE FUNCTION aq_drop_partition(p_partition text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
    v_rel    regclass := to_regclass(quote_ident(p_partition));
    v_parent text;
    v_rows   bigint;
BEGIN
    IF v_rel IS NULL THEN
        RETURN -1;
    END IF;
    SELECT p.relname INTO v_parent
    FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
    WHERE i.inhrelid = v_rel;
    IF v_parent IS NULL OR NOT EXISTS (SELECT 1 FROM aq_partitioned_table WHERE parent = v_parent) THEN
        RAISE EXCEPTION 'aq_drop_partition: % is not a partition of the readings store', p_partition
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('SELECT count(*) FROM %I', p_partition) INTO v_rows;
    EXECUTE format('DROP TABLE %I', p_partition);
    RETURN v_rows;
END
$$;

-- TimescaleDB: drops the chunks of reading_raw or raw_hourly older than p_older_than; answers how many.
CREATE OR REPLACE FUNCTION aq_drop_chunks(p_table text, p_older_than timestamptz)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
    v_dropped integer;
BEGIN
    IF p_table NOT IN ('reading_raw', 'raw_hourly') THEN
        RAISE EXCEPTION 'aq_drop_chunks: % is not a hypertable of the readings store', p_table
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE 'SELECT count(*)::integer FROM drop_chunks($1::regclass, older_than => $2)' INTO v_dropped USING p_table, p_older_than;
    RETURN v_dropped;
END
$$;

-- Data Protection key ring of the web fronts and silos (the dashboard session cookie), one row per key.
CREATE TABLE IF NOT EXISTS aq_data_protection_keys (
    friendly_name text PRIMARY KEY,
    xml           text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- The grants of the application's login: rows of every table (and, by default privileges, of tables the owner
-- creates later: partitions, the next migration's tables), sequences, functions, temporary tables; no CREATE in
-- the schema. Run by the owner (the `migrate` verb with Database:AppRole, or deploy/postgres/app-role.sql).
CREATE OR REPLACE FUNCTION aq_grant_app_role(p_role text)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), p_role);
    EXECUTE format('REVOKE CREATE ON SCHEMA public FROM %I', p_role);
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', p_role);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', p_role);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', p_role);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO %I', p_role);
    EXECUTE format('REVOKE EXECUTE ON FUNCTION aq_grant_app_role(text) FROM %I', p_role);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', current_user, p_role);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO %I', current_user, p_role);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO %I', current_user, p_role);
END
$$;
-- Only the owner hands out grants.
REVOKE EXECUTE ON FUNCTION aq_grant_app_role(text) FROM PUBLIC;
