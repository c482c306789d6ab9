-- The application's least-privilege login: reads and writes rows, never changes the schema or the roles.
-- The `migrate` verb does the same by itself when it is given both ConnectionStrings__PostgresOwner (the schema
-- owner, which migrates) and ConnectionStrings__Postgres (the application's login); this script is for doing it by
-- hand. Run it as the schema owner (which needs CREATEROLE or superuser here), after every `migrate`:
--   psql "$OWNER_URL" -v ON_ERROR_STOP=1 -v app_role=airquality_app -v app_password="$APP_PASSWORD" -f app-role.sql
-- Safe to run again: the role is created once, its password reset, the grants repeated.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN', :'app_role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_role') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L', :'app_role', :'app_password') \gexec

-- Rows of every table (readings, models, Orleans membership, state and reminders, the Data Protection keys),
-- sequences, functions, temporary tables; default privileges for what the owner creates later (partitions, the next
-- migration's tables). The grants live in one place, the migration's aq_grant_app_role. The DDL the application
-- needs at run time goes through owner-rights helpers the migration makes: aq_ensure_partitions (partitions ahead of
-- the data), aq_drop_partition and aq_drop_chunks (the retention sweep).
SELECT aq_grant_app_role(:'app_role');
