-- Helpers for the native-partition layout: which tables are partitioned and by what step, creating partitions ahead
-- of the data, and listing partitions with their bounds for the retention sweep. Harmless under TimescaleDB (they
-- do nothing there: chunks are created by the extension).
CREATE TABLE IF NOT EXISTS aq_partitioned_table (
    parent  text PRIMARY KEY,
    step    text NOT NULL CHECK (step IN ('day', 'month'))
);

-- Raw readings are short-lived and the largest stream: daily partitions make the 90-day sweep a DROP of whole days
-- and keep each partition small. The long-lived series are read by city over weeks to years and kept for years:
-- monthly partitions keep the partition count near 60 for 5 years (daily would mean 1,800+, which slows planning).
INSERT INTO aq_partitioned_table (parent, step) VALUES
    ('reading_raw', 'day'),
    ('city_hour', 'month'),
    ('station_reading', 'month')
ON CONFLICT (parent) DO NOTHING;

-- Creates the missing partitions of p_parent covering [p_from, p_to). Returns how many it created.
-- Serialised per table by an advisory lock, so silos and imports may call it at the same time.
CREATE OR REPLACE FUNCTION aq_ensure_partitions(p_parent text, p_from timestamptz, p_to timestamptz)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    v_step    text;
    v_start   timestamp;
    v_end     timestamp;
    v_name    text;
    v_created integer := 0;
BEGIN
    IF (SELECT kind FROM aq_storage_layout WHERE id = 1) IS DISTINCT FROM 'partitions' THEN
        RETURN 0;
    END IF;
    SELECT step INTO v_step FROM aq_partitioned_table WHERE parent = p_parent;
    IF v_step IS NULL THEN
        RAISE EXCEPTION 'aq_ensure_partitions: % is not a partitioned table of the readings store', p_parent;
    END IF;
    IF p_from IS NULL OR p_to IS NULL OR p_to <= p_from THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('aq_partitions:' || p_parent));
    -- Bounds are UTC days or months, whatever the session's time zone.
    v_start := date_trunc(v_step, p_from AT TIME ZONE 'UTC');
    WHILE v_start < (p_to AT TIME ZONE 'UTC') LOOP
        v_end := v_start + CASE v_step WHEN 'day' THEN INTERVAL '1 day' ELSE INTERVAL '1 month' END;
        v_name := p_parent || '_p' || to_char(v_start, CASE v_step WHEN 'day' THEN 'YYYYMMDD' ELSE 'YYYYMM' END);
        IF to_regclass(quote_ident(v_name)) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                v_name, p_parent, (v_start AT TIME ZONE 'UTC'), (v_end AT TIME ZONE 'UTC'));
            v_created := v_created + 1;
        END IF;
        v_start := v_end;
    END LOOP;
    RETURN v_created;
END
$$;

-- The partitions of p_parent with their bounds, oldest first (empty under TimescaleDB).
CREATE OR REPLACE FUNCTION aq_list_partitions(p_parent text)
RETURNS TABLE (partition_name text, range_start timestamptz, range_end timestamptz)
LANGUAGE sql
STABLE
AS $$
    SELECT c.relname::text,
           (m.b)[1]::timestamptz,
           (m.b)[2]::timestamptz
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL (
        SELECT regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)') AS b
    ) m
    WHERE i.inhparent = to_regclass(quote_ident(p_parent))
      AND m.b IS NOT NULL
    ORDER BY 2;
$$;
