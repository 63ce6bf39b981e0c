"""asyncpg adapter for the previously-listed rule: the published lists of every campaign, folded from
kczg.publish, and the question the rule asks of them (domain/rules.py decides)."""

from __future__ import annotations

import asyncpg

from contracts.events import ListPublished
from services.intake.domain.item_identity import Listing, normalise_title

# A list published again for its campaign (a correction) replaces the earlier one; an older one arriving
# late changes nothing. Equal times re-apply the same list (a redelivery). An entry listed twice in one
# list counts once (ON CONFLICT below) rather than stopping the projection.
_CLAIM_LIST = """
INSERT INTO intake.published_lists (campaign, list_code, published_at) VALUES ($1, $2, $3)
ON CONFLICT (campaign, list_code) DO UPDATE SET published_at = EXCLUDED.published_at
WHERE intake.published_lists.published_at <= EXCLUDED.published_at
RETURNING 1
"""
_SAVE_ENTRIES = """
INSERT INTO intake.listings (campaign, list_code, nomination_id, title, title_key, unit_id, published_at)
SELECT $1, $2, x.nomination_id, x.title, x.title_key, x.unit_id, $3
FROM unnest($4::uuid[], $5::text[], $6::text[], $7::text[]) AS x(nomination_id, title, title_key, unit_id)
ON CONFLICT DO NOTHING
"""
# A listing is the same item as the one asked about when its nomination's credit code matches, or,
# for a nomination without one, when the listed titles match after normalisation.
_EARLIER = """
SELECT l.campaign, l.list_code, l.nomination_id, l.title, l.unit_id, l.published_at
FROM intake.listings l LEFT JOIN intake.nomination_status n ON n.nomination_id = l.nomination_id
WHERE l.list_code = $1 AND l.campaign <> $2 AND coalesce(n.credit_key, l.title_key) = $3
ORDER BY l.published_at, l.campaign, l.nomination_id
"""


async def save_published_list(conn: asyncpg.Connection, event: ListPublished) -> None:
    if await conn.fetchval(_CLAIM_LIST, event.campaign, event.list_code, event.published_at) is None:
        return
    await conn.execute("DELETE FROM intake.listings WHERE campaign = $1 AND list_code = $2",
                       event.campaign, event.list_code)
    entries = event.entries
    await conn.execute(_SAVE_ENTRIES, event.campaign, event.list_code, event.published_at,
                       [e.nomination_id for e in entries], [e.title for e in entries],
                       ["title:" + normalise_title(e.title) for e in entries], [e.unit_id for e in entries])


async def earlier_listings(conn: asyncpg.Connection, campaign: str, list_code: str, key: str) -> list[Listing]:
    """Other campaigns' listings of the item with identity `key` on `list_code`, earliest first."""
    return [Listing(**r) for r in await conn.fetch(_EARLIER, list_code, campaign, key)]
