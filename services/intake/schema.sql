CREATE SCHEMA IF NOT EXISTS intake;

-- Read model behind GET /v1/nominations/{id}. Filled from two topics in any order:
-- submission columns from NominationSubmitted, decision columns from the quota topic.
CREATE TABLE IF NOT EXISTS intake.nomination_status (
    nomination_id uuid PRIMARY KEY,
    campaign      text,
    unit_id       text,
    list_code     text,
    domain        text,
    title         text,
    submitted_at  timestamptz,
    decision      text,
    reason        text,
    message       text,
    slot          integer,
    quota_limit   integer,
    used          integer,
    decided_at    timestamptz
);
CREATE INDEX IF NOT EXISTS nomination_status_by_unit ON intake.nomination_status (campaign, unit_id);
