"""The review views' tables: one row per nomination, per review target, per (nomination, expert).

Every column group is set by the facts of one kind and merged by a rule that commutes (see
eventlog.projection.view_table), so the rows come out the same whatever order the three topics deliver in: a
score may land before its assignment, a quota decision before its submission.
Decimals are `numeric`, written as the events carry them; JSON documents are `jsonb`.
"""

from __future__ import annotations

from eventlog.projection.view_table import Column as C, LatestBy, Least, ViewTable


def event_id(name: str) -> C:
    # Event ids only break ties between versions: compared byte-wise, as the in-memory fold compares them.
    return C(name, 'text COLLATE "C"')


def occurred(prefix: str) -> tuple[C, C]:
    return C(f"{prefix}_at", "timestamptz"), event_id(f"{prefix}_event")


# --- nominations ------------------------------------------------------------------------------------

CONTENT = LatestBy((C("revision", "integer"), event_id("content_event")),
                   (C("campaign", "text"), C("unit_id", "text"), C("list_code", "text"), C("domain", "text"),
                    C("title", "text"), C("form", "jsonb")))
# Amendments carry no attachments nor channels (the unit's, open to the list, for quota use by channel): the
# submission's stay.
ATTACHMENTS = LatestBy((C("attachments_revision", "integer"), event_id("attachments_event")),
                       (C("attachments", "jsonb"), C("channels", "text[]")))
SUBMITTED_AT = Least(C("submitted_at", "timestamptz"))
WITHDRAWN_AT = Least(C("withdrawn_at", "timestamptz"))
# Quota: by revision; within a revision a release (phase 1) comes after the reservation (phase 0).
QUOTA = LatestBy((C("quota_revision", "integer"), C("quota_phase", "smallint"), event_id("quota_event")),
                 (C("quota_outcome", "text"), C("quota_reason", "text")))
# The secretariat's form and eligibility check (形式审查); a re-check replaces an earlier one.
# A return for correction (退回补正) is a screening outcome too: no verdict, its reasons, its deadline and round.
# Ordered by what follows what, not by time (one instant may see both): a later return by its round, and a
# verdict after any return (review_folds.VERDICT); a verdict's re-check by its time.
SCREENING = LatestBy((C("screening_order", "integer"), *occurred("screened")),
                     (C("screening_passed", "boolean"), C("screening_reasons", "text[]"),
                      C("correction_due_at", "timestamptz"), C("return_round", "integer")))
# The last return the unit resubmitted (by round): a returned nomination awaits screening again from then.
RESUBMITTED = LatestBy((C("resubmitted_round", "integer"), event_id("resubmitted_event")),
                       (C("resubmitted_at", "timestamptz"),))
# The unit asked to withdraw it during the review (once): the secretariat grants or refuses (review.withdrawals).
WITHDRAWAL_REQUEST = LatestBy((event_id("withdrawal_request_event"),),
                              (C("withdrawal_requested_at", "timestamptz"), C("withdrawal_reason", "text")))
PRELIM = LatestBy(occurred("prelim"),
                  (C("prelim_aggregate", "numeric"), C("prelim_raw_sum", "numeric"), C("prelim_rank", "integer"),
                   C("prelim_expert_count", "integer"), C("prelim_method", "text"), C("prelim_divergent", "boolean")))
# The nomination is short of experts, and what would fix it (SeatShortfallRecorded): the latest on record.
# Whether it is still short is read against its seats (review_queries), as a filled seat ends it.
SHORTFALL = LatestBy(occurred("short"),
                     (C("short_seats_needed", "integer"), C("short_eligible", "integer"), C("short_max_load", "integer"),
                      C("short_experts_needed", "integer"), C("short_max_load_needed", "integer"),
                      C("short_left_by", "text")))
# The nomination's re-review (复评): opened, then closed (cleared, or with the body's reason); at one
# instant a close (phase 1) comes after the opening (phase 0) it closes.
RE_REVIEW = LatestBy((C("re_review_at", "timestamptz"), C("re_review_phase", "smallint"), event_id("re_review_event")),
                     (C("re_review_open", "boolean"), C("re_review_spread", "numeric"),
                      C("re_review_threshold", "numeric"), C("re_review_cleared", "boolean"),
                      C("re_review_reason", "text")))
# A later decision on the same nomination carries a higher revision and replaces the earlier one.
DECISION = LatestBy((C("decision_revision", "integer"), *occurred("decided")),
                    (C("selected", "boolean"), C("decision_note", "text"), C("decision_vote", "jsonb"),
                     C("decision_sitting", "text")))

# A public notice listed the nomination: its final decision is final from then on. A nomination its list's notice
# did not list (not selected, or of a target the notice was opened without) may still be decided.
NOTICED = Least(C("noticed_at", "timestamptz"))

NOMINATIONS = ViewTable(
    "nominations", key=(C("nomination_id", "uuid"),),
    groups=(CONTENT, ATTACHMENTS, SUBMITTED_AT, WITHDRAWN_AT, QUOTA, SCREENING, PRELIM, DECISION, RESUBMITTED,
            SHORTFALL, RE_REVIEW, NOTICED, WITHDRAWAL_REQUEST),
    generated=("target_key text GENERATED ALWAYS AS (campaign || ':' || list_code || ':' || COALESCE(domain, '')) "
               "STORED",
               "in_review boolean GENERATED ALWAYS AS (quota_outcome IS NOT DISTINCT FROM 'reserved' "
               "AND screening_passed IS TRUE AND withdrawn_at IS NULL) STORED",
               "screening_state text GENERATED ALWAYS AS (CASE WHEN screening_passed THEN 'passed' "
               "WHEN NOT screening_passed THEN 'failed' WHEN return_round > coalesce(resubmitted_round, 0) "
               "THEN 'returned' ELSE 'pending' END) STORED"),
    indexes=("CREATE INDEX {name}_by_target ON {table} (target_key, prelim_rank, submitted_at, nomination_id)",
             "CREATE INDEX {name}_screening ON {table} (campaign, screening_state, submitted_at, nomination_id) "
             "WHERE quota_outcome = 'reserved' AND withdrawn_at IS NULL"),
)

# --- targets (a list, or a list's domain, of one campaign) ----------------------------------------------

# The same for every event of one key: any rule that commutes would do.
TARGET = LatestBy(occurred("named"), (C("campaign", "text"), C("list_code", "text"), C("domain", "text")))
PLAN = LatestBy((C("plan_filed_at", "timestamptz"), event_id("plan_event_id")),
                (C("filed_by", "text"), C("experts_per_item", "integer"), C("criteria", "jsonb"),
                 C("score_min", "integer"), C("score_max", "integer"), C("aggregation", "text"),
                 C("trim_min_scores", "integer"), C("divergence_threshold", "numeric"), C("tie_break", "jsonb"),
                 C("max_load", "integer"), C("roster_size", "integer"), C("plan_extends", "text"),
                 C("plan_document", "jsonb")))
# A joint target's plan takes effect when the other body confirms that very plan (or the plan an
# extension extends: `plan_extends`).
CONFIRMATION = LatestBy(occurred("confirmed"), (C("confirmed_by", "text"), event_id("confirmed_plan_event_id")))
# The secretariat's receipt (回执): of the plan in force when it names `plan_event_id` (or `plan_extends`); a new
# filing awaits its own.
RECEIPT = LatestBy(occurred("receipt"), (event_id("receipt_plan_event_id"), C("receipt_returned", "boolean"),
                                         C("receipt_reasons", "text[]"), C("receipt_note", "text")))
RESULTS = LatestBy(occurred("results_submitted"),
                   (C("results_submitted_by", "text"), C("results_late", "boolean"), C("ranked_count", "integer"),
                    C("gaps", "jsonb")))

TARGETS = ViewTable("targets", key=(C("target_key", "text"),), groups=(TARGET, PLAN, CONFIRMATION, RESULTS, RECEIPT))

# --- panel: one expert on one nomination ----------------------------------------------------------------

ASSIGNMENT = LatestBy(occurred("assigned"),
                      (C("active", "boolean"), C("body_code", "text"), C("target_key", "text"),
                       C("solver_input_hash", "text")))
# No event lifts a conflict: once declared it stays (a later declaration only restates the reason).
CONFLICT = LatestBy(occurred("conflict"), (C("conflict_reason_code", "text"), C("conflict_reason", "text")))
# An expert's revision carries a higher revision than the score it revises (their instants may be the same).
SCORE = LatestBy((C("score_revision", "integer"), *occurred("scored")), (C("scores", "jsonb"), C("total", "numeric")))


def seated(panel: str) -> str:
    """SQL: the panel row's expert is to score the nomination, being assigned now and not in conflict."""
    return f"{panel}.active AND {panel}.conflict_reason_code IS NULL"


PANEL = ViewTable(
    "panel", key=(C("nomination_id", "uuid"), C("expert_id", "text")), groups=(ASSIGNMENT, CONFLICT, SCORE),
    # A nomination's panel is read by the primary key's prefix; an expert's queue by this one.
    indexes=("CREATE INDEX {name}_seated_by_expert ON {table} (expert_id, nomination_id) "
             "WHERE active AND conflict_reason_code IS NULL",),
)


# A recommending unit's name (what conflicts are checked against), by its latest registration.
UNIT_NAME = LatestBy(occurred("registered"), (C("name", "text"),))
UNITS = ViewTable("units", key=(C("campaign", "text"), C("unit_id", "text")), groups=(UNIT_NAME,))

# A list's public notice has opened (when; which decisions it made final is the nominations' NOTICED).
NOTICE_OPENED = Least(C("notice_opened_at", "timestamptz"))
NOTICES = ViewTable("notices", key=(C("campaign", "text"), C("list_code", "text")), groups=(NOTICE_OPENED,))
