-- Model registry artifacts: one row per trained model version of a city and target. The bytes are what
-- AirQuality.Forecasting.Training.ModelArtifact packs (header + ML.NET zip or TorchSharp state); metadata repeats the
-- registry entry (family, metrics, sample count) so the table can be read without the grain.
CREATE TABLE IF NOT EXISTS forecast_model_artifacts (
    city_id     text        NOT NULL,
    target      text        NOT NULL,
    version     integer     NOT NULL,
    family      text        NOT NULL,
    trained_at  timestamptz NOT NULL,
    samples     integer     NOT NULL,
    metadata    jsonb       NOT NULL,
    artifact    bytea       NOT NULL,
    PRIMARY KEY (city_id, target, version)
);
CREATE INDEX IF NOT EXISTS forecast_model_artifacts_trained ON forecast_model_artifacts (city_id, trained_at DESC);
