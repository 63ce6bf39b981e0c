CREATE SCHEMA IF NOT EXISTS review;

-- The write side of the review's own commands, saved in their transactions (what the next command
-- decides on). The read views are the projection review.views (services/review/views/).

-- Formal screening, one row per nomination screened.
CREATE TABLE IF NOT EXISTS review.screenings (
    nomination_id uuid PRIMARY KEY,
    campaign      text NOT NULL,
    passed        boolean NOT NULL,
    event_id      uuid NOT NULL
);

-- The last return for correction (退回补正) of a nomination: its round and the correction deadline.
CREATE TABLE IF NOT EXISTS review.returns (
    nomination_id     uuid PRIMARY KEY,
    campaign          text NOT NULL,
    round             integer NOT NULL,
    correction_due_at timestamptz NOT NULL,
    event_id          uuid NOT NULL
);

-- A target (campaign:list:domain): its plan in force, the joint confirmation, whether scoring began,
-- and the submitted results.
CREATE TABLE IF NOT EXISTS review.targets (
    target_key       text PRIMARY KEY,
    plan             jsonb,
    plan_event_id    uuid,
    confirmed_by     text,
    scored           boolean NOT NULL DEFAULT false,
    results_event_id uuid
);

-- The secretariat's receipt (回执) of the plan in force: its event, and whether the plan was returned.
ALTER TABLE review.targets ADD COLUMN IF NOT EXISTS receipt_event_id uuid;
ALTER TABLE review.targets ADD COLUMN IF NOT EXISTS plan_returned boolean;

-- The panel: who sits on which nomination, and the conflicts on record (a conflicted pair never sits).
CREATE TABLE IF NOT EXISTS review.seats (
    nomination_id uuid NOT NULL,
    expert_id     text NOT NULL,
    target_key    text NOT NULL,
    active        boolean NOT NULL,
    conflict      text,
    PRIMARY KEY (nomination_id, expert_id)
);
CREATE INDEX IF NOT EXISTS seats_by_target ON review.seats (target_key);
CREATE INDEX IF NOT EXISTS seats_by_expert ON review.seats (expert_id);

-- Nominations short of experts (a SeatShortfallRecorded on record), until seated to the plan's count.
CREATE TABLE IF NOT EXISTS review.shortfalls (
    nomination_id uuid PRIMARY KEY,
    target_key    text NOT NULL
);
CREATE INDEX IF NOT EXISTS shortfalls_by_target ON review.shortfalls (target_key);

-- Nominations under re-review (a ReReviewOpened not yet closed): a revised score needs a reason.
CREATE TABLE IF NOT EXISTS review.re_reviews (
    nomination_id uuid PRIMARY KEY,
    target_key    text NOT NULL
);
CREATE INDEX IF NOT EXISTS re_reviews_by_target ON review.re_reviews (target_key);

-- Every expert's last scores on a nomination, with the weighted total the service computed.
CREATE TABLE IF NOT EXISTS review.scores (
    nomination_id uuid NOT NULL,
    expert_id     text NOT NULL,
    target_key    text NOT NULL,
    scores        jsonb NOT NULL,
    total         numeric NOT NULL,
    event_id      uuid NOT NULL,
    revision      integer NOT NULL DEFAULT 1,
    PRIMARY KEY (nomination_id, expert_id)
);
-- The score's revision (ExpertScoreRecorded.revision): the next one is one more.
ALTER TABLE review.scores ADD COLUMN IF NOT EXISTS revision integer NOT NULL DEFAULT 1;
CREATE INDEX IF NOT EXISTS scores_by_target ON review.scores (target_key);

-- The nominations ranked in a target's submitted preliminary results: what the final review decides on.
CREATE TABLE IF NOT EXISTS review.ranked (
    nomination_id uuid PRIMARY KEY,
    target_key    text NOT NULL,
    rank          integer NOT NULL,
    event_id      uuid NOT NULL
);

-- The final review's decision on each nomination, the last revision (the event as recorded).
CREATE TABLE IF NOT EXISTS review.decisions (
    nomination_id uuid PRIMARY KEY,
    revision      integer NOT NULL,
    decision      jsonb NOT NULL
);

-- The secretariat's answer to a unit's request to withdraw a nomination during the review (one per nomination):
-- granted (NominationWithdrawn) or refused (WithdrawalRefused).
CREATE TABLE IF NOT EXISTS review.withdrawals (
    nomination_id uuid PRIMARY KEY,
    campaign      text NOT NULL,
    granted       boolean NOT NULL,
    reason        text NOT NULL,
    event_id      uuid NOT NULL
);

-- The plans' 方案 documents (PDF), content-addressed as the intake keeps attachments; who uploaded which under
-- which name. Events carry name, size, type and SHA-256 only (ReviewPlanFiled.document).
CREATE TABLE IF NOT EXISTS review.plan_documents (
    sha256     text PRIMARY KEY,
    media_type text NOT NULL,
    size       bigint NOT NULL,
    content    bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS review.plan_document_uploads (
    org         text NOT NULL,
    sha256      text NOT NULL REFERENCES review.plan_documents (sha256),
    name        text NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org, sha256)
);
