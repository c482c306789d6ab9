-- Rollups of the readings store, per city and pollutant:
--   raw_hourly  each city-hour across the sources that reported it (mean, min, max, how many sources): what the
--               sources said survives the 90-day sweep of reading_raw.
--   city_day    each UTC day of the merged series (mean, min, max and valid hours per pollutant); imported_hours
--               counts hours holding imported values, which the retention sweep keeps.
-- TimescaleDB: continuous aggregates refreshed by policies (and by the importer for old ranges).
-- Native partitions: tables the store updates in the same transaction as the rows they summarise.
DO $$
BEGIN
    IF (SELECT kind = 'timescaledb' FROM aq_storage_layout WHERE id = 1) THEN
        CREATE MATERIALIZED VIEW IF NOT EXISTS raw_hourly WITH (timescaledb.continuous) AS
        SELECT city_id,
               time_bucket(INTERVAL '1 hour', hour) AS hour,
               count(*)::integer AS sources,
               avg(pm25) AS pm25_mean, min(pm25) AS pm25_min, max(pm25) AS pm25_max,
               avg(pm10) AS pm10_mean, min(pm10) AS pm10_min, max(pm10) AS pm10_max,
               avg(no2) AS no2_mean, min(no2) AS no2_min, max(no2) AS no2_max,
               avg(so2) AS so2_mean, min(so2) AS so2_min, max(so2) AS so2_max,
               avg(co) AS co_mean, min(co) AS co_min, max(co) AS co_max,
               avg(o3) AS o3_mean, min(o3) AS o3_min, max(o3) AS o3_max,
               avg(nh3) AS nh3_mean, min(nh3) AS nh3_min, max(nh3) AS nh3_max,
               avg(pb) AS pb_mean, min(pb) AS pb_min, max(pb) AS pb_max
        FROM reading_raw
        GROUP BY city_id, time_bucket(INTERVAL '1 hour', hour)
        WITH NO DATA;

        CREATE MATERIALIZED VIEW IF NOT EXISTS city_day WITH (timescaledb.continuous) AS
        SELECT city_id,
               time_bucket(INTERVAL '1 day', hour) AS day,
               count(*)::integer AS hours,
               (count(*) FILTER (WHERE pm25_source LIKE 'import:%' OR pm10_source LIKE 'import:%'
                   OR no2_source LIKE 'import:%' OR so2_source LIKE 'import:%' OR co_source LIKE 'import:%'
                   OR o3_source LIKE 'import:%' OR nh3_source LIKE 'import:%' OR pb_source LIKE 'import:%'))::integer AS imported_hours,
               avg(pm25) AS pm25_mean, min(pm25) AS pm25_min, max(pm25) AS pm25_max, count(pm25)::integer AS pm25_hours,
               avg(pm10) AS pm10_mean, min(pm10) AS pm10_min, max(pm10) AS pm10_max, count(pm10)::integer AS pm10_hours,
               avg(no2) AS no2_mean, min(no2) AS no2_min, max(no2) AS no2_max, count(no2)::integer AS no2_hours,
               avg(so2) AS so2_mean, min(so2) AS so2_min, max(so2) AS so2_max, count(so2)::integer AS so2_hours,
               avg(co) AS co_mean, min(co) AS co_min, max(co) AS co_max, count(co)::integer AS co_hours,
               avg(o3) AS o3_mean, min(o3) AS o3_min, max(o3) AS o3_max, count(o3)::integer AS o3_hours,
               avg(nh3) AS nh3_mean, min(nh3) AS nh3_min, max(nh3) AS nh3_max, count(nh3)::integer AS nh3_hours,
               avg(pb) AS pb_mean, min(pb) AS pb_min, max(pb) AS pb_max, count(pb)::integer AS pb_hours
        FROM city_hour
        GROUP BY city_id, time_bucket(INTERVAL '1 day', hour)
        WITH NO DATA;

        PERFORM add_continuous_aggregate_policy('raw_hourly',
            start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour',
            schedule_interval => INTERVAL '1 hour', if_not_exists => TRUE);
        PERFORM add_continuous_aggregate_policy('city_day',
            start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 hour',
            schedule_interval => INTERVAL '1 hour', if_not_exists => TRUE);
    ELSE
        CREATE TABLE IF NOT EXISTS raw_hourly (
            city_id    text        NOT NULL,
            hour       timestamptz NOT NULL,
            sources    integer     NOT NULL,
            pm25_mean double precision, pm25_min double precision, pm25_max double precision,
            pm10_mean double precision, pm10_min double precision, pm10_max double precision,
            no2_mean  double precision, no2_min  double precision, no2_max  double precision,
            so2_mean  double precision, so2_min  double precision, so2_max  double precision,
            co_mean   double precision, co_min   double precision, co_max   double precision,
            o3_mean   double precision, o3_min   double precision, o3_max   double precision,
            nh3_mean  double precision, nh3_min  double precision, nh3_max  double precision,
            pb_mean   double precision, pb_min   double precision, pb_max   double precision,
            PRIMARY KEY (city_id, hour)
        );
        CREATE INDEX IF NOT EXISTS raw_hourly_hour_idx ON raw_hourly (hour);

        CREATE TABLE IF NOT EXISTS city_day (
            city_id         text        NOT NULL,
            day             timestamptz NOT NULL,
            hours           integer     NOT NULL,
            imported_hours  integer     NOT NULL,
            pm25_mean double precision, pm25_min double precision, pm25_max double precision, pm25_hours integer NOT NULL DEFAULT 0,
            pm10_mean double precision, pm10_min double precision, pm10_max double precision, pm10_hours integer NOT NULL DEFAULT 0,
            no2_mean  double precision, no2_min  double precision, no2_max  double precision, no2_hours  integer NOT NULL DEFAULT 0,
            so2_mean  double precision, so2_min  double precision, so2_max  double precision, so2_hours  integer NOT NULL DEFAULT 0,
            co_mean   double precision, co_min   double precision, co_max   double precision, co_hours   integer NOT NULL DEFAULT 0,
            o3_mean   double precision, o3_min   double precision, o3_max   double precision, o3_hours   integer NOT NULL DEFAULT 0,
            nh3_mean  double precision, nh3_min  double precision, nh3_max  double precision, nh3_hours  integer NOT NULL DEFAULT 0,
            pb_mean   double precision, pb_min   double precision, pb_max   double precision, pb_hours   integer NOT NULL DEFAULT 0,
            PRIMARY KEY (city_id, day)
        );
        CREATE INDEX IF NOT EXISTS city_day_day_idx ON city_day (day);
    END IF;
END
$$;
