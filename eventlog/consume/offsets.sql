-- Next offset to read, per consumer (a projection or a decider) and partition.
-- Written in the same transaction as the state it produced: that is the exactly-once effect.
CREATE SCHEMA IF NOT EXISTS eventlog;
CREATE TABLE IF NOT EXISTS eventlog.consumer_offsets (
    consumer    text    NOT NULL,
    topic       text    NOT NULL,
    partition   integer NOT NULL,
    next_offset bigint  NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic, partition)
);
