"""The ranking view's tables: one row per nomination, one per recommending unit.

Every column group is set by the facts of one kind and merged by a rule that commutes (see
eventlog.projection.view_table), so the rows come out the same whatever order the topics deliver in: a
QuotaReserved may land before its NominationSubmitted, a score before the screening.
The status is not stored by any event: the database derives it from the independent columns.
"""

from __future__ import annotations

from eventlog.projection.view_table import Column as C, LatestBy, Least, ViewTable


def event_id(name: str) -> C:
    # Event ids only break ties between versions: compared byte-wise, as the in-memory fold compares them.
    return C(name, 'text COLLATE "C"')


# Content of the nomination, by the unit's latest revision.
CONTENT = LatestBy((C("revision", "integer"), event_id("content_event")),
                   (C("campaign", "text"), C("unit_id", "text"), C("list_code", "text"), C("domain", "text"),
                    C("title", "text")))
SUBMITTED_AT = Least(C("submitted_at", "timestamptz"))
# The channels the unit recommended it under, as the submission carried them (NULL: not carried).
SUBMITTED_CHANNELS = LatestBy((C("channels_revision", "integer"), event_id("channels_event")),
                              (C("submitted_channels", "text[]"),))
WITHDRAWN_AT = Least(C("withdrawn_at", "timestamptz"))
# The secretariat's form and eligibility check (形式审查); a re-check replaces an earlier one.
SCREENING = LatestBy((C("screened_at", "timestamptz"), event_id("screening_event")),
                     (C("screening_passed", "boolean"),))
# Quota: by revision; within a revision a release (phase 1) comes after the reservation (phase 0).
QUOTA = LatestBy((C("quota_revision", "integer"), C("quota_phase", "smallint"), event_id("quota_event")),
                 (C("quota_outcome", "text"), C("quota_slot", "integer"), C("quota_limit", "integer"),
                  C("quota_used", "integer"), C("quota_reason", "text")))
PRELIM = LatestBy((C("prelim_at", "timestamptz"), event_id("prelim_event")),
                  (C("prelim_aggregate", "double precision"), C("prelim_raw_sum", "double precision"),
                   C("prelim_rank", "integer"), C("prelim_expert_count", "integer"), C("prelim_method", "text")))
# In a review body's submitted preliminary results (初评结果): recommended to the final review.
RECOMMENDATION = LatestBy((C("recommended_at", "timestamptz"), event_id("recommendation_event")),
                          (C("recommended_rank", "integer"), C("recommended_late", "boolean"),
                           C("recommended_by", "text")))
# A later decision on the same nomination replaces an earlier one: by revision first (two revisions may
# share an instant), then time, then id, as the release facts and the review service order them.
DECISION = LatestBy((C("decision_revision", "integer"), C("decided_at", "timestamptz"), event_id("decision_event")),
                    (C("selected", "boolean"), C("decision_note", "text")))
PUBLISHED_AT = Least(C("published_at", "timestamptz"))

STATUSES = ("submitted", "reserved", "rejected", "screened", "screened_out", "scored", "recommended",
            "selected", "not_selected", "withdrawn", "published")
_STATUS = """status text GENERATED ALWAYS AS (CASE
    WHEN published_at IS NOT NULL THEN 'published'
    WHEN withdrawn_at IS NOT NULL THEN 'withdrawn'
    WHEN selected THEN 'selected'
    WHEN NOT selected THEN 'not_selected'
    WHEN recommended_at IS NOT NULL THEN 'recommended'
    WHEN prelim_at IS NOT NULL THEN 'scored'
    WHEN NOT screening_passed THEN 'screened_out'
    WHEN screening_passed THEN 'screened'
    WHEN quota_outcome = 'rejected' THEN 'rejected'
    WHEN quota_outcome = 'reserved' THEN 'reserved'
    ELSE 'submitted' END) STORED"""

NOMINATIONS = ViewTable(
    "nominations", key=(C("nomination_id", "uuid"),),
    groups=(CONTENT, SUBMITTED_AT, SUBMITTED_CHANNELS, WITHDRAWN_AT, SCREENING, QUOTA, PRELIM, RECOMMENDATION, DECISION, PUBLISHED_AT),
    generated=(_STATUS,),
    indexes=("CREATE INDEX {name}_by_target ON {table} (campaign, list_code, domain, status)",
             "CREATE INDEX {name}_by_unit ON {table} (campaign, unit_id)",
             "CREATE INDEX {name}_by_status ON {table} (campaign, status)"),
)

UNIT_NAME = LatestBy((C("registered_at", "timestamptz"), event_id("registration_event")), (C("name", "text"),))
# A unit may belong to several recommendation channels (its quotas add up); the latest set wins.
UNIT_CHANNELS = LatestBy((C("channels_at", "timestamptz"), event_id("channels_event")), (C("channels", "text[]"),))
UNITS = ViewTable("units", key=(C("campaign", "text"), C("unit_id", "text")), groups=(UNIT_NAME, UNIT_CHANNELS))
