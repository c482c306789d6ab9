-- Baseline of the application schema: a table recording which build created the database.
-- Later scripts add the readings store (0001-0999), Orleans' ADO.NET tables and queries (1000-1999)
-- and the model registry (2000-2999).
CREATE TABLE IF NOT EXISTS aq_installation (
    id          integer PRIMARY KEY CHECK (id = 1),
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO aq_installation (id) VALUES (1) ON CONFLICT (id) DO NOTHING;
