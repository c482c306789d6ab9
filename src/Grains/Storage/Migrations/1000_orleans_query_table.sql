-- The named queries Orleans' ADO.NET providers (clustering, grain persistence, reminders) run against this database.
-- Each provider reads this table once at start with an unquoted, unqualified select, so the name must fold to
-- `orleansquery` on the connection's search_path. Key names are matched case-sensitively and must be unique.
CREATE TABLE IF NOT EXISTS orleansquery (
    querykey  text PRIMARY KEY,
    querytext text NOT NULL
);

COMMENT ON TABLE orleansquery IS
    'Named SQL the Orleans ADO.NET providers run (read once per silo/client start; restart after changing a text).';
