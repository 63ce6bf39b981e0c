CREATE SCHEMA IF NOT EXISTS intake;

-- One row per nomination: its submission (written by the command that made it and by the projection
-- of the nominations topic; event ids in intake.inbox keep each applied once) and the quota
-- decision columns (projected from the quota topic, in any order relative to the submission).
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
ALTER TABLE intake.nomination_status
    ADD COLUMN IF NOT EXISTS form jsonb,
    ADD COLUMN IF NOT EXISTS opinion text,
    ADD COLUMN IF NOT EXISTS attachments jsonb,
    ADD COLUMN IF NOT EXISTS revision integer,
    ADD COLUMN IF NOT EXISTS actor_role text,
    ADD COLUMN IF NOT EXISTS application_id uuid,
    ADD COLUMN IF NOT EXISTS withdrawn boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS withdraw_reason text,
    ADD COLUMN IF NOT EXISTS updated_at timestamptz,
    ADD COLUMN IF NOT EXISTS decision_revision integer;
CREATE INDEX IF NOT EXISTS nomination_status_by_unit ON intake.nomination_status (campaign, unit_id);

CREATE TABLE IF NOT EXISTS intake.applications (
    application_id uuid PRIMARY KEY,
    campaign       text NOT NULL,
    applicant_id   text NOT NULL,
    unit_id        text NOT NULL,
    list_code      text NOT NULL,
    domain         text,
    title          text NOT NULL,
    form           jsonb NOT NULL,
    attachments    jsonb NOT NULL,
    revision       integer NOT NULL,
    status         text NOT NULL,
    comments       text NOT NULL DEFAULT '',
    nomination_id  uuid,
    ever_sent      boolean NOT NULL DEFAULT false,
    created_at     timestamptz,
    updated_at     timestamptz
);
CREATE INDEX IF NOT EXISTS applications_by_applicant ON intake.applications (applicant_id, created_at);
CREATE INDEX IF NOT EXISTS applications_by_unit ON intake.applications (unit_id, status);

-- Registered recommending units, projected from the unit streams.
CREATE TABLE IF NOT EXISTS intake.units (
    campaign text NOT NULL,
    unit_id  text NOT NULL,
    name     text NOT NULL,
    channels text[] NOT NULL,
    PRIMARY KEY (campaign, unit_id)
);

-- Every intake-owned event already applied, by whichever writer applied it first.
CREATE TABLE IF NOT EXISTS intake.inbox (
    event_id uuid PRIMARY KEY
);

-- intake.idempotency and intake.outbox are the unit of work's (eventlog/write/idempotency.py, eventlog/write/outbox.py).

-- Uploaded documents, content-addressed; who uploaded what under which name.
CREATE TABLE IF NOT EXISTS intake.blobs (
    sha256     text PRIMARY KEY,
    media_type text NOT NULL,
    size       bigint NOT NULL,
    content    bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS intake.uploads (
    org         text NOT NULL,
    sha256      text NOT NULL REFERENCES intake.blobs (sha256),
    name        text NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org, sha256)
);

-- The previously-listed rule's facts (domain/rules.py, domain/item_identity.py): every published list of every campaign
-- (a list published again for its campaign replaces the earlier one), and the credit-code identity of
-- each nomination on an organisation list (filled with the nomination's row, in any order to these).
ALTER TABLE intake.nomination_status ADD COLUMN IF NOT EXISTS credit_key text;
CREATE TABLE IF NOT EXISTS intake.published_lists (
    campaign     text NOT NULL,
    list_code    text NOT NULL,
    published_at timestamptz NOT NULL,
    PRIMARY KEY (campaign, list_code)
);
CREATE TABLE IF NOT EXISTS intake.listings (
    campaign      text NOT NULL,
    list_code     text NOT NULL,
    nomination_id uuid NOT NULL,
    title         text NOT NULL,
    title_key     text NOT NULL,
    unit_id       text NOT NULL,
    published_at  timestamptz NOT NULL,
    PRIMARY KEY (campaign, list_code, nomination_id)
);
CREATE INDEX IF NOT EXISTS listings_by_list ON intake.listings (list_code, title_key);
CREATE INDEX IF NOT EXISTS nomination_status_by_credit ON intake.nomination_status (credit_key)
    WHERE credit_key IS NOT NULL;
-- The projection asks which nomination recommends an application it meets only now (store.apply_events).
CREATE INDEX IF NOT EXISTS nomination_status_by_application ON intake.nomination_status (application_id)
    WHERE application_id IS NOT NULL;

-- Screening (形式审查) as the review's events say it, projected beside the state (projection.py): the last
-- outcome (passed, failed, or returned for correction with its deadline and round); and the last return
-- the unit resubmitted (the state's, written with it).
ALTER TABLE intake.nomination_status
    ADD COLUMN IF NOT EXISTS screening text,
    ADD COLUMN IF NOT EXISTS screening_reasons text[],
    ADD COLUMN IF NOT EXISTS correction_due_at timestamptz,
    ADD COLUMN IF NOT EXISTS return_round integer,
    ADD COLUMN IF NOT EXISTS screened_at timestamptz,
    ADD COLUMN IF NOT EXISTS screening_event uuid,
    ADD COLUMN IF NOT EXISTS screening_order integer,
    ADD COLUMN IF NOT EXISTS resubmitted_round integer NOT NULL DEFAULT 0;

-- A withdrawal asked for during the review (WithdrawalRequested): requested or refused (WithdrawalRefused);
-- granted, the nomination is withdrawn. The unit's reason and the secretariat's answer to a refusal.
ALTER TABLE intake.nomination_status
    ADD COLUMN IF NOT EXISTS withdrawal text,
    ADD COLUMN IF NOT EXISTS withdrawal_reason text,
    ADD COLUMN IF NOT EXISTS withdrawal_answer text;

-- Public notices (公示) as the publish service opens them (PublicNoticeOpened): which nominations of a list are
-- under notice, and when — the decision a unit may read once its list's notice has opened (pages/unit.py).
CREATE TABLE IF NOT EXISTS intake.notices (
    notice_id   uuid PRIMARY KEY,
    campaign    text NOT NULL,
    list_code   text NOT NULL,
    opens_at    timestamptz NOT NULL,
    closes_at   timestamptz NOT NULL,
    nominations uuid[] NOT NULL
);

-- The targets a notice was opened without (PublicNoticeOpened.omitted; '' for a list without domains): a
-- nomination of such a target is not yet under any notice, so its decision stays unread.
ALTER TABLE intake.notices ADD COLUMN IF NOT EXISTS omitted text[] NOT NULL DEFAULT '{}';

-- A nomination's later states as the review and the publish services say them (projection.py), for the unit's
-- pages (views.progress): the experts assigned (ids, never shown: only how many), the preliminary results of
-- its target submitted, the final decision (its latest revision; shown only once a notice covering its target
-- has opened), its release (the list version carrying it, public from released_at) or its revocation.
CREATE TABLE IF NOT EXISTS intake.review_states (
    nomination_id     uuid PRIMARY KEY,
    experts           text[] NOT NULL DEFAULT '{}',
    prelim_at         timestamptz,
    selected          boolean,
    decision_revision integer,
    decided_at        timestamptz,
    release_version   integer,
    released_at       timestamptz,
    revoked_at        timestamptz,
    revoke_reason     text
);
