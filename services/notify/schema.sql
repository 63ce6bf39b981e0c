CREATE SCHEMA IF NOT EXISTS notify;

-- Recommending units and where to write to them (UnitRegistered's contact_email), per campaign.
CREATE TABLE IF NOT EXISTS notify.units (
    campaign      text NOT NULL,
    unit_id       text NOT NULL,
    name          text NOT NULL,
    contact_email text,
    PRIMARY KEY (campaign, unit_id)
);

-- What the notifier knows of each nomination: its wording, and what tells whether a notice is still due.
CREATE TABLE IF NOT EXISTS notify.nominations (
    nomination_id     text PRIMARY KEY,
    campaign          text NOT NULL,
    unit_id           text NOT NULL,
    title             text NOT NULL DEFAULT '',
    list_code         text NOT NULL DEFAULT '',
    domain            text,
    withdrawn         boolean NOT NULL DEFAULT false,
    returned_round    integer NOT NULL DEFAULT 0,
    resubmitted_round integer NOT NULL DEFAULT 0,
    quota_rejected    integer NOT NULL DEFAULT 0,
    reserved_revision integer NOT NULL DEFAULT 0
);

-- The notifier's outbox: one row per notice, unique per (recipient, subject, kind, round), written in the
-- consumer's transaction with its offsets; the sender delivers it and records how it went.
--   pending -> sending -> sent | bounced (5xx, address marked bad) | not_due (checked again at send time)
--   | unaddressed (the recipient has no address) | bad_address (marked bad earlier: not sent again)
CREATE TABLE IF NOT EXISTS notify.notices (
    id           bigserial PRIMARY KEY,
    recipient    text NOT NULL,
    subject      text NOT NULL,
    kind         text NOT NULL,
    round        integer NOT NULL,
    campaign     text NOT NULL,
    occurred_at  timestamptz NOT NULL,
    facts        jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sending', 'sent', 'bounced', 'not_due', 'unaddressed', 'bad_address')),
    attempts     integer NOT NULL DEFAULT 0,
    next_attempt timestamptz NOT NULL DEFAULT now(),
    address      text,
    message_id   text,
    sent_at      timestamptz,
    result       text,
    UNIQUE (recipient, subject, kind, round)
);
-- The sender claims the oldest due notice (ORDER BY id LIMIT 1): ordered by id, so the claim reads the first
-- unfinished rows, not every sent one (the planner took the primary key and filtered out each sent row: 2.7 ms
-- a claim at 20,000 sent, growing with the table; 0.05 ms on this index).
DROP INDEX IF EXISTS notify.notices_due;
CREATE INDEX IF NOT EXISTS notices_unfinished ON notify.notices (id) WHERE status IN ('pending', 'sending');
CREATE INDEX IF NOT EXISTS notices_by_subject ON notify.notices (subject);

-- Addresses a mail server refused permanently (5xx): nothing more is sent to them; the secretariat sees them.
CREATE TABLE IF NOT EXISTS notify.bad_addresses (
    address     text PRIMARY KEY,
    code        integer NOT NULL,
    reply       text NOT NULL,
    notice_id   bigint NOT NULL,
    refused_at  timestamptz NOT NULL DEFAULT now()
);

-- Experts of the bodies' filed rosters and where to write to them (RosterExpert's contact_email), per campaign.
CREATE TABLE IF NOT EXISTS notify.experts (
    campaign      text NOT NULL,
    expert_id     text NOT NULL,
    name          text NOT NULL,
    contact_email text,
    PRIMARY KEY (campaign, expert_id)
);

-- Each expert's seats (ExpertAssigned, less ExpertUnassigned) and whether scored: what an assignment notice lists.
CREATE TABLE IF NOT EXISTS notify.seats (
    nomination_id text NOT NULL,
    expert_id     text NOT NULL,
    campaign      text NOT NULL,
    target        text NOT NULL,   -- campaign:list:domain (contracts.events.target_key)
    active        boolean NOT NULL,
    scored        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (nomination_id, expert_id)
);
CREATE INDEX IF NOT EXISTS seats_by_expert ON notify.seats (campaign, expert_id, target);

-- Review bodies' addresses (ReviewPlanFiled's contact_email), per campaign.
CREATE TABLE IF NOT EXISTS notify.bodies (
    campaign      text NOT NULL,
    body_code     text NOT NULL,
    contact_email text NOT NULL,
    PRIMARY KEY (campaign, body_code)
);

-- The targets whose preliminary results each body has submitted (PrelimResultsSubmitted): no reminder for them.
CREATE TABLE IF NOT EXISTS notify.results_in (
    campaign  text NOT NULL,
    body_code text NOT NULL,
    target    text NOT NULL,
    PRIMARY KEY (campaign, body_code, target)
);

-- The final decision (FinalDecisionRecorded), told once the list's notice opens.
ALTER TABLE notify.nominations ADD COLUMN IF NOT EXISTS selected boolean;
-- A unit's channels (UnitRegistered / UnitChannelsChanged): its stacked quota, for the deadline reminders.
ALTER TABLE notify.units ADD COLUMN IF NOT EXISTS channels text[] NOT NULL DEFAULT '{}';
-- When an expert last scored a seat: a re-review request is answered by a score after it opened.
ALTER TABLE notify.seats ADD COLUMN IF NOT EXISTS last_scored_at timestamptz;

-- Each unit's slots held per pool (QuotaReserved / QuotaReleased `used`, the latest on the unit's stream).
CREATE TABLE IF NOT EXISTS notify.quota_used (
    campaign  text NOT NULL,
    unit_id   text NOT NULL,
    list_code text NOT NULL,
    domain    text NOT NULL,   -- '' for a list without domains
    used      integer NOT NULL,
    PRIMARY KEY (campaign, unit_id, list_code, domain)
);

-- Applications sent to a unit and its latest answer (returned, declined, recommended): waiting while sent later.
CREATE TABLE IF NOT EXISTS notify.applications (
    application_id text PRIMARY KEY,
    campaign       text NOT NULL,
    unit_id        text NOT NULL,
    sent_at        timestamptz,
    answered_at    timestamptz
);
CREATE INDEX IF NOT EXISTS applications_by_unit ON notify.applications (campaign, unit_id);
-- What the applicant is told with (ApplicationSaved): its title, the revision last sent, its contact sealed.
ALTER TABLE notify.applications ADD COLUMN IF NOT EXISTS title text NOT NULL DEFAULT '';
ALTER TABLE notify.applications ADD COLUMN IF NOT EXISTS sent_revision integer NOT NULL DEFAULT 0;
ALTER TABLE notify.applications ADD COLUMN IF NOT EXISTS contact text;
ALTER TABLE notify.applications ADD COLUMN IF NOT EXISTS applicant_id text;

-- Optional kinds a recipient switched off (RFC 8058 one-click unsubscribe); duty mail is never recorded here.
CREATE TABLE IF NOT EXISTS notify.unsubscribed (
    recipient text NOT NULL,
    kind      text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (recipient, kind)
);

-- Each list's latest public notice (PublicNoticeOpened): decisions read after it are told at once.
CREATE TABLE IF NOT EXISTS notify.notice_windows (
    campaign  text NOT NULL,
    list_code text NOT NULL,
    notice_id text NOT NULL,
    opens_at  timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    omitted   text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (campaign, list_code)
);

-- Objections (ObjectionFiled), the objector's name and contact sealed as the log carries them.
CREATE TABLE IF NOT EXISTS notify.objections (
    objection_id  text PRIMARY KEY,
    campaign      text NOT NULL,
    nomination_id text NOT NULL,
    name          text NOT NULL,
    contact       text,
    resolved      boolean NOT NULL DEFAULT false
);

-- Re-reviews of a nomination (ReReviewOpened, round n), and whether closed (ReReviewClosed).
CREATE TABLE IF NOT EXISTS notify.re_reviews (
    nomination_id text NOT NULL,
    round         integer NOT NULL,
    event_id      text NOT NULL UNIQUE,   -- the ReReviewOpened: read twice, still one round
    campaign      text NOT NULL,
    opened_at     timestamptz NOT NULL,
    closed        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (nomination_id, round)
);

-- A 定向推介 package's audience (PackageSent): each address a recipient of its own, named by its digest
-- (domain/packages.py), so that the outbox and the unsubscribe links carry no address.
CREATE TABLE IF NOT EXISTS notify.audience (
    recipient text PRIMARY KEY,
    campaign  text NOT NULL,
    address   text NOT NULL
);
