"""What a review body's pages read beyond the target's state: each expert's work on the target (assigned,
scored, conflicts declared) from the panel view, seated the way every other query counts a seat."""

from __future__ import annotations

import asyncpg

from .review_folds import REVIEW_VIEWS
from .review_tables import seated

S = REVIEW_VIEWS.schema
_SEATED = seated("p")


async def expert_progress(conn: asyncpg.Connection, key: str) -> list[dict]:
    """Per expert who ever sat on the target's nominations in review: seats held, scored, conflicts, by id."""
    rows = await conn.fetch(
        f"SELECT p.expert_id, count(*) FILTER (WHERE {_SEATED}) AS assigned, "
        f"count(*) FILTER (WHERE {_SEATED} AND p.scored_at IS NOT NULL) AS scored, "
        "count(*) FILTER (WHERE p.conflict_reason_code IS NOT NULL) AS conflicts, "
        f"max(p.scored_at) FILTER (WHERE {_SEATED}) AS last_scored_at "
        f"FROM {S}.panel p JOIN {S}.nominations n ON n.nomination_id = p.nomination_id "
        "WHERE n.target_key = $1 AND n.in_review GROUP BY p.expert_id ORDER BY p.expert_id", key)
    return [dict(r) for r in rows]
