CREATE SCHEMA IF NOT EXISTS quota;

-- One row per nomination ever decided: the exactly-one-decision record.
CREATE TABLE IF NOT EXISTS quota.decisions (
    nomination_id uuid PRIMARY KEY,
    campaign      text NOT NULL,
    unit_id       text NOT NULL,
    list_code     text NOT NULL,
    domain        text NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('reserved', 'rejected')),
    reason        text,
    event_id      uuid NOT NULL UNIQUE,
    decided_at    timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_by_unit ON quota.decisions (campaign, unit_id);

-- Slots currently held. The primary key makes a double-booked slot impossible even if code were wrong.
CREATE TABLE IF NOT EXISTS quota.holders (
    campaign      text NOT NULL,
    unit_id       text NOT NULL,
    list_code     text NOT NULL,
    domain        text NOT NULL,
    slot          integer NOT NULL CHECK (slot >= 1),
    nomination_id uuid NOT NULL UNIQUE,
    PRIMARY KEY (campaign, unit_id, list_code, domain, slot)
);

-- Decisions committed but not yet acknowledged by Kafka.
CREATE TABLE IF NOT EXISTS quota.outbox (
    seq   bigserial PRIMARY KEY,
    topic text  NOT NULL,
    key   bytea NOT NULL,
    value bytea NOT NULL
);
