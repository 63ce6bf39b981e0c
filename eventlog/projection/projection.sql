-- Projection bookkeeping beside eventlog.consumer_offsets (same consumer names, same transactions).
CREATE SCHEMA IF NOT EXISTS eventlog;
-- Kafka timestamp of the last record each projection applied per partition: "last event" in status and metrics.
CREATE TABLE IF NOT EXISTS eventlog.projection_watermarks (
    consumer       text        NOT NULL,
    topic          text        NOT NULL,
    partition      integer     NOT NULL,
    last_record_at timestamptz NOT NULL,
    PRIMARY KEY (consumer, topic, partition)
);
-- Numbers the schemas rebuilds and verifications build aside (<live>__shadow_<n>, <live>__verify_<n>).
CREATE SEQUENCE IF NOT EXISTS eventlog.projection_schema_seq;
