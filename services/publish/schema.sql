CREATE SCHEMA IF NOT EXISTS publish;

-- The write side of each list's public notice and release (the unit of work's state, in its transaction).
CREATE TABLE IF NOT EXISTS publish.notices (
    notice_id   uuid PRIMARY KEY,
    campaign    text NOT NULL,
    list_code   text NOT NULL,
    opens_at    timestamptz NOT NULL,
    closes_at   timestamptz NOT NULL,
    nominations uuid[] NOT NULL,
    event_id    uuid NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS notices_by_list ON publish.notices (campaign, list_code, opens_at);

-- Named objections. `contact` is private: only the secretariat's objection list reads it.
CREATE TABLE IF NOT EXISTS publish.objections (
    objection_id        uuid PRIMARY KEY,
    notice_id           uuid NOT NULL REFERENCES publish.notices (notice_id),
    campaign            text NOT NULL,
    list_code           text NOT NULL,
    nomination_id       uuid NOT NULL,
    name                text NOT NULL,
    organisation        text NOT NULL,
    contact             text NOT NULL,
    grounds             text NOT NULL,
    filed_at            timestamptz NOT NULL,
    event_id            uuid NOT NULL UNIQUE,
    upheld              boolean,
    note                text,
    resolved_at         timestamptz,
    resolution_event_id uuid UNIQUE
);
CREATE INDEX IF NOT EXISTS objections_by_list ON publish.objections (campaign, list_code, filed_at);

-- Every published version of a list (ListPublished), ascending.
CREATE TABLE IF NOT EXISTS publish.releases (
    campaign     text NOT NULL,
    list_code    text NOT NULL,
    version      integer NOT NULL CHECK (version >= 1),
    event_id     uuid NOT NULL UNIQUE,
    published_at timestamptz NOT NULL,
    nominations  uuid[] NOT NULL,
    PRIMARY KEY (campaign, list_code, version)
);
-- Embargoed until then (the annual meeting); NULL: public as soon as published.
ALTER TABLE publish.releases ADD COLUMN IF NOT EXISTS public_at timestamptz;

-- Accepted objections per client address (a sha256 of it, never the address), for the rate limit:
-- in PostgreSQL, so it holds across every process of the service.
CREATE TABLE IF NOT EXISTS publish.objection_clients (
    client   text NOT NULL,
    filed_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS objection_clients_by_client ON publish.objection_clients (client, filed_at);

-- What each version listed and what it corrected (JSON arrays of the event's entries and corrections):
-- a correction after the release starts from the current version's entries.
ALTER TABLE publish.releases ADD COLUMN IF NOT EXISTS entries text;
ALTER TABLE publish.releases ADD COLUMN IF NOT EXISTS corrections text;

-- Corrections made before a list's release (EntriesCorrected), in order, until a release carries them.
CREATE TABLE IF NOT EXISTS publish.pending_corrections (
    campaign   text NOT NULL,
    list_code  text NOT NULL,
    position   integer NOT NULL,
    correction text NOT NULL,
    PRIMARY KEY (campaign, list_code, position)
);

-- After the release: each matching request (资源对接) as its events leave it (domain/matching.py). The two contacts
-- are sealed envelopes (JSON) revealed with their people's keys, only to whom the rules allow.
CREATE TABLE IF NOT EXISTS publish.matches (
    match_id          uuid PRIMARY KEY,
    campaign          text NOT NULL,
    nomination_id     uuid NOT NULL,
    holder_unit       text NOT NULL,
    requester         text NOT NULL,
    status            text NOT NULL,
    outcome           text,
    outcomes          integer NOT NULL DEFAULT 0,
    requester_contact text NOT NULL,
    holder_contact    text
);
CREATE INDEX IF NOT EXISTS matches_by_entry ON publish.matches (campaign, nomination_id);

-- Targeted packages (定向推介) sent: a request from one is checked against it.
CREATE TABLE IF NOT EXISTS publish.packages (
    package_id uuid PRIMARY KEY,
    campaign   text NOT NULL,
    audience   text NOT NULL,
    entries    uuid[] NOT NULL,
    sent_at    timestamptz NOT NULL
);
