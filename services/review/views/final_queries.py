"""Reading the review views for the secretariat's final review and exports: a sitting's candidates (the ranked
nominations of the targets whose results are in) with the decision on record, and every nomination of a
campaign with where it stands, for the spreadsheet the secretariat takes home."""

from __future__ import annotations

import asyncpg

from .review_folds import REVIEW_VIEWS

S = REVIEW_VIEWS.schema
_DECISION = ("n.selected, n.decision_revision, n.decision_note, n.decided_at, n.noticed_at, n.decision_vote::text AS decision_vote, "
             "n.decision_sitting")


async def sitting_candidates(conn: asyncpg.Connection, target_keys: list[str]) -> list[dict]:
    """The nominations ranked in the submitted preliminary results of `target_keys`, in that order of targets
    and by rank within each, with the decision on record (None: undecided) and whether a notice froze it."""
    rows = await conn.fetch(
        f"SELECT n.nomination_id::text AS nomination_id, n.target_key, n.list_code, n.domain, n.unit_id, n.title, "
        f"n.prelim_aggregate, n.prelim_raw_sum, n.prelim_rank, n.prelim_expert_count, n.prelim_divergent, "
        f"n.withdrawn_at, {_DECISION} FROM {S}.nominations n "
        "WHERE n.target_key = ANY($1::text[]) AND n.prelim_at IS NOT NULL "
        "ORDER BY array_position($1::text[], n.target_key), n.prelim_rank, n.nomination_id", target_keys)
    return [dict(r) for r in rows]


async def campaign_nominations(conn: asyncpg.Connection, campaign: str) -> list[dict]:
    """Every nomination of the campaign the review has seen, with quota, screening, preliminary result and
    decision, by list, domain, unit and submission."""
    rows = await conn.fetch(
        f"SELECT n.nomination_id::text AS nomination_id, n.list_code, n.domain, n.unit_id, n.title, n.submitted_at, "
        "n.withdrawn_at, n.quota_outcome, n.screening_state, n.screening_reasons, n.in_review, n.prelim_aggregate, "
        f"n.prelim_raw_sum, n.prelim_rank, n.prelim_expert_count, n.prelim_divergent, {_DECISION} "
        f"FROM {S}.nominations n WHERE n.campaign = $1 AND n.revision IS NOT NULL "
        "ORDER BY n.list_code, n.domain NULLS FIRST, n.unit_id, n.submitted_at, n.nomination_id", campaign)
    return [dict(r) for r in rows]
