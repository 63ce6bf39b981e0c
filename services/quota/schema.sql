CREATE SCHEMA IF NOT EXISTS quota;

-- Registered recommending units and their channels, per campaign (from UnitRegistered/ChannelsChanged).
CREATE TABLE IF NOT EXISTS quota.units (
    campaign   text NOT NULL,
    unit_id    text NOT NULL,
    name       text NOT NULL,
    channels   text[] NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (campaign, unit_id)
);

-- Where every decided nomination stands: one row per nomination, the latest decided revision.
CREATE TABLE IF NOT EXISTS quota.nominations (
    nomination_id uuid PRIMARY KEY,
    campaign      text NOT NULL,
    unit_id       text NOT NULL,
    list_code     text NOT NULL,
    domain        text NOT NULL,
    status        text NOT NULL CHECK (status IN ('reserved', 'rejected', 'released')),
    reason        text,
    revision      integer NOT NULL,
    slot          integer,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS nominations_by_unit ON quota.nominations (campaign, unit_id);
-- The process that made the latest decision (KCZG_INSTANCE, else host:pid), and when.
ALTER TABLE quota.nominations ADD COLUMN IF NOT EXISTS decided_by text,
    ADD COLUMN IF NOT EXISTS decided_at timestamptz;

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

-- The registry's own record of each unit (write side of the registry commands, in their transaction):
-- what the next command about the unit decides on. quota.units above is the decider's view of the log.
CREATE TABLE IF NOT EXISTS quota.registry (
    campaign   text NOT NULL,
    unit_id    text NOT NULL,
    name       text NOT NULL,
    channels   text[] NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (campaign, unit_id)
);
