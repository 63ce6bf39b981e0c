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
# When a published entry is public: its earliest version's public instant (`public_at` when the release was
# embargoed until the annual meeting, else the instant it was recorded). Before it only the secretariat sees
# the nomination as published.
PUBLIC_FROM = Least(C("public_from", "timestamptz"))
# A published entry revoked (撤销) by a correction: from when the correcting version is public.
REVOKED_FROM = Least(C("revoked_from", "timestamptz"))

STATUSES = ("submitted", "reserved", "rejected", "screened", "screened_out", "scored", "recommended",
            "selected", "not_selected", "withdrawn", "published", "revoked")
# What a unit reads instead of scored, recommended, selected or not_selected while its campaign keeps results
# confidential until the public notice (rules.results_to_units): the review is under way, nothing more.
UNDER_REVIEW = "under_review"
SHOWN_STATUSES = (*STATUSES, UNDER_REVIEW)


def status_case(row: str = "", released: str | None = None, results: str | None = None,
                revoked: str | None = None) -> str:
    """The status as SQL, from the row's independent columns (`row`: their prefix, e.g. "n."). `released`: an
    SQL condition under which a published row shows as published (None: always), `revoked` one under which a
    revoked row shows as revoked (None: always); `results`: one under which its preliminary results and
    decision show (None: always; otherwise they read as under review)."""
    r = row
    published = f"{r}published_at IS NOT NULL" + (f" AND {released}" if released else "")
    revocation = f"{r}revoked_from IS NOT NULL" + (f" AND {revoked}" if revoked else "")
    confidential = (f"\n    WHEN NOT ({results}) AND ({r}selected IS NOT NULL OR {r}recommended_at IS NOT NULL "
                    f"OR {r}prelim_at IS NOT NULL) THEN '{UNDER_REVIEW}'") if results else ""
    return f"""CASE
    WHEN {revocation} THEN 'revoked'
    WHEN {published} THEN 'published'
    WHEN {r}withdrawn_at IS NOT NULL THEN 'withdrawn'{confidential}
    WHEN {r}selected THEN 'selected'
    WHEN NOT {r}selected THEN 'not_selected'
    WHEN {r}recommended_at IS NOT NULL THEN 'recommended'
    WHEN {r}prelim_at IS NOT NULL THEN 'scored'
    WHEN NOT {r}screening_passed THEN 'screened_out'
    WHEN {r}screening_passed THEN 'screened'
    WHEN {r}quota_outcome = 'rejected' THEN 'rejected'
    WHEN {r}quota_outcome = 'reserved' THEN 'reserved'
    ELSE 'submitted' END"""


_STATUS = f"status text GENERATED ALWAYS AS ({status_case()}) STORED"

NOMINATIONS = ViewTable(
    "nominations", key=(C("nomination_id", "uuid"),),
    groups=(CONTENT, SUBMITTED_AT, SUBMITTED_CHANNELS, WITHDRAWN_AT, SCREENING, QUOTA, PRELIM, RECOMMENDATION, DECISION,
            PUBLISHED_AT, PUBLIC_FROM, REVOKED_FROM),
    generated=(_STATUS,),
    indexes=("CREATE INDEX {name}_by_target ON {table} (campaign, list_code, domain, status)",
             "CREATE INDEX {name}_by_unit ON {table} (campaign, unit_id)",
             "CREATE INDEX {name}_by_status ON {table} (campaign, status)"),
)

UNIT_NAME = LatestBy((C("registered_at", "timestamptz"), event_id("registration_event")), (C("name", "text"),))
# A unit may belong to several recommendation channels (its quotas add up); the latest set wins.
UNIT_CHANNELS = LatestBy((C("channels_at", "timestamptz"), event_id("channels_event")), (C("channels", "text[]"),))
UNITS = ViewTable("units", key=(C("campaign", "text"), C("unit_id", "text")), groups=(UNIT_NAME, UNIT_CHANNELS))

# A list's public notice (公示), one row per PublicNoticeOpened: the targets it covers are the list's domains
# but those it was opened without (`omitted_domains`, "" for a list without domains). A unit's results show
# once a notice covers their target (where the campaign keeps them confidential until then).
NOTICE = LatestBy((C("opened_at", "timestamptz"),),
                  (C("campaign", "text"), C("list_code", "text"), C("omitted_domains", "text[]")))
NOTICES = ViewTable("notices", key=(C("notice_event", "uuid"),), groups=(NOTICE,),
                    indexes=("CREATE INDEX {name}_by_list ON {table} (campaign, list_code)",))
