-- The application's least-privilege login: reads and writes rows, never changes the schema or the roles.
-- Run it as the schema owner (the role the `migrate` verb connects as, which needs CREATEROLE or superuser here),
-- after every `migrate`, in the application's database:
--   psql "$OWNER_URL" -v ON_ERROR_STOP=1 -v app_role=airquality_app -v app_password="$APP_PASSWORD" -f app-role.sql
-- Safe to run again: the role is created once, its password reset, the grants repeated.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN', :'app_role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_role') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L', :'app_role', :'app_password') \gexec

-- Connect, and temporary tables (bulk writes stage rows in ON COMMIT DROP temp tables).
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), :'app_role') \gexec
SELECT format('REVOKE CREATE ON SCHEMA public FROM %I', :'app_role') \gexec
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'app_role') \gexec

-- Rows of every table (readings, models, Orleans membership, state and reminders), sequences, functions.
SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', :'app_role') \gexec
SELECT format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', :'app_role') \gexec
SELECT format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO %I', :'app_role') \gexec

-- Tables the owner creates later (partitions made ahead of the data, the next migration's tables) get the same.
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', current_user, :'app_role') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO %I', current_user, :'app_role') \gexec

-- Partitions are created at run time (imports, storage maintenance) and CREATE TABLE ... PARTITION OF needs the
-- parent's owner: the helper runs with its owner's rights, on a fixed search path, and creates only partitions of
-- the tables listed in aq_partitioned_table.
ALTER FUNCTION aq_ensure_partitions(text, timestamptz, timestamptz) SECURITY DEFINER SET search_path = public, pg_temp;
