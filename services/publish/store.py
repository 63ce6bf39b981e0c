"""asyncpg adapter of the write side: a list's notices, objections and versions, loaded under the list's
lock and saved as its command's events leave them (folded by domain/evolve.py; no rules here), in the
command's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import asyncpg
import orjson
from pydantic import TypeAdapter

from contracts.events import EntryCorrection, PublishedEntry
from contracts.personal import Sealed, objector_id
from eventlog import privacy
from eventlog.ddl import apply_sql_file

from .domain.model import ListState, Notice, Objection, Version

_ENTRIES = TypeAdapter(tuple[PublishedEntry, ...])
_CORRECTIONS = TypeAdapter(tuple[EntryCorrection, ...])
_CORRECTION = TypeAdapter(EntryCorrection)


def _json(values) -> str:
    return orjson.dumps([v.model_dump(mode="json") for v in values]).decode()


async def ensure_schema(conn: asyncpg.Connection) -> None:
    await apply_sql_file(conn, __package__, "schema.sql")
    await privacy.ensure_schema(conn)  # the objectors' keys


async def load_list(conn: asyncpg.Connection, campaign: str, list_code: str) -> ListState:
    notices = await conn.fetch("""SELECT notice_id, list_code, opens_at, closes_at, nominations, event_id
                                  FROM publish.notices WHERE campaign = $1 AND list_code = $2
                                  ORDER BY opens_at, notice_id""", campaign, list_code)
    objections = await conn.fetch("""SELECT objection_id, notice_id, nomination_id, event_id, upheld,
                                            resolution_event_id, name, organisation, contact, grounds, filed_at,
                                            note, resolved_at
                                     FROM publish.objections WHERE campaign = $1 AND list_code = $2
                                     ORDER BY filed_at, objection_id""", campaign, list_code)
    versions = await conn.fetch("""SELECT version, event_id, published_at, nominations, public_at, entries, corrections
                                   FROM publish.releases WHERE campaign = $1 AND list_code = $2 ORDER BY version""",
                                campaign, list_code)
    pending = await conn.fetch("""SELECT correction FROM publish.pending_corrections
                                  WHERE campaign = $1 AND list_code = $2 ORDER BY position""", campaign, list_code)
    return ListState(
        campaign, list_code,
        notices=tuple(Notice(r["notice_id"], r["list_code"], r["opens_at"], r["closes_at"], tuple(r["nominations"]),
                             r["event_id"]) for r in notices),
        objections=tuple(_objection(r) for r in objections),
        versions=tuple(Version(r["version"], r["event_id"], r["published_at"], tuple(r["nominations"]), r["public_at"],
                               _ENTRIES.validate_json(r["entries"] or "[]"),
                               _CORRECTIONS.validate_json(r["corrections"] or "[]")) for r in versions),
        pending=tuple(_CORRECTION.validate_json(r["correction"]) for r in pending))


async def notice_list(conn: asyncpg.Connection, notice_id: UUID) -> tuple[str, str] | None:
    """The (campaign, list) of a notice: a notice row never changes, so this is read before locking."""
    row = await conn.fetchrow("SELECT campaign, list_code FROM publish.notices WHERE notice_id = $1", notice_id)
    return (row["campaign"], row["list_code"]) if row else None


async def objection_list(conn: asyncpg.Connection, objection_id: UUID) -> tuple[str, str] | None:
    row = await conn.fetchrow("SELECT campaign, list_code FROM publish.objections WHERE objection_id = $1",
                              objection_id)
    return (row["campaign"], row["list_code"]) if row else None


async def save_list(conn: asyncpg.Connection, before: ListState, after: ListState) -> None:
    """What `after` changed of the list `before` was: notices opened, objections filed or resolved,
    versions published, corrections pending (notices first: an objection refers to its notice)."""
    opened = [n for n in after.notices if before.notice(n.notice_id) is None]
    if opened:
        await conn.executemany("""INSERT INTO publish.notices (notice_id, campaign, list_code, opens_at, closes_at,
                                  nominations, event_id) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
                               [(n.notice_id, after.campaign, n.list_code, n.opens_at, n.closes_at,
                                 list(n.nominations), n.event_id) for n in opened])
    changed = [o for o in after.objections if before.objection(o.objection_id) != o]
    if changed:
        await conn.executemany("""INSERT INTO publish.objections (objection_id, notice_id, campaign, list_code,
                                  nomination_id, name, organisation, contact, grounds, filed_at, event_id, upheld,
                                  note, resolved_at, resolution_event_id)
                                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                                  ON CONFLICT (objection_id) DO UPDATE SET upheld = EXCLUDED.upheld,
                                  note = EXCLUDED.note, resolved_at = EXCLUDED.resolved_at,
                                  resolution_event_id = EXCLUDED.resolution_event_id""",
                               [(o.objection_id, o.notice_id, after.campaign, after.list_code, o.nomination_id,
                                 _sealed_text(o.name), o.organisation, _sealed_text(o.contact), o.grounds,
                                 o.filed_at, o.event_id, o.upheld,
                                 o.note, o.resolved_at, o.resolution_event_id) for o in changed])
    published = {v.version for v in before.versions}
    if new := [v for v in after.versions if v.version not in published]:
        await conn.executemany("""INSERT INTO publish.releases (campaign, list_code, version, event_id,
                                  published_at, nominations, public_at, entries, corrections)
                                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
                               [(after.campaign, after.list_code, v.version, v.event_id, v.published_at,
                                 list(v.nominations), v.public_at, _json(v.entries), _json(v.corrections))
                                for v in new])
    if after.pending != before.pending:  # corrections made before the release, or carried by it
        await conn.execute("DELETE FROM publish.pending_corrections WHERE campaign = $1 AND list_code = $2",
                           after.campaign, after.list_code)
        await conn.executemany("""INSERT INTO publish.pending_corrections (campaign, list_code, position, correction)
                                  VALUES ($1, $2, $3, $4)""",
                               [(after.campaign, after.list_code, i, c.model_dump_json())
                                for i, c in enumerate(after.pending)])


async def recent_objections(conn: asyncpg.Connection, client: str, now: datetime, window: timedelta) -> int:
    """Objections accepted from `client` within `window` before `now` (older rows are dropped on the way)."""
    await conn.execute("DELETE FROM publish.objection_clients WHERE filed_at < $1", now - window)
    return await conn.fetchval("SELECT count(*) FROM publish.objection_clients WHERE client = $1 AND filed_at > $2",
                               client, now - window)


async def count_objection(conn: asyncpg.Connection, client: str, now: datetime) -> None:
    await conn.execute("INSERT INTO publish.objection_clients (client, filed_at) VALUES ($1, $2)", client, now)


def _sealed_text(sealed: Sealed | None) -> str:
    return sealed.model_dump_json() if sealed is not None else ""


def _sealed(objection_id: UUID, text: str) -> Sealed | None:
    """A stored field: the sealed envelope as JSON; a row written before sealing holds the clear text, read as
    its event's upcast reads it (contracts/upcasting.py)."""
    if not text:
        return None
    if text.startswith("{"):
        return Sealed.model_validate_json(text)
    return Sealed(pid=objector_id(objection_id), clear=text)


def _objection(row: asyncpg.Record) -> Objection:
    r = dict(row)
    return Objection(**{**r, "name": _sealed(r["objection_id"], r["name"]),
                        "contact": _sealed(r["objection_id"], r["contact"])})


async def objections(conn: asyncpg.Connection, campaign: str, list_code: str | None = None) -> list[dict]:
    """The secretariat's objection list: every field, the objector's name and contact revealed with the
    objector's key (ERASED once the key is destroyed)."""
    rows = await conn.fetch("""SELECT objection_id::text, notice_id::text, list_code, nomination_id::text, name,
                                      organisation, contact, grounds, filed_at, event_id::text, upheld, note,
                                      resolved_at, resolution_event_id::text
                               FROM publish.objections WHERE campaign = $1 AND ($2::text IS NULL OR list_code = $2)
                               ORDER BY filed_at, objection_id""", campaign, list_code)
    out = [dict(r) for r in rows]
    for o in out:
        o["name"], o["contact"] = (_sealed(UUID(o["objection_id"]), o[f]) for f in ("name", "contact"))
    keys = await privacy.keys_of(conn, [s.pid for o in out for s in (o["name"], o["contact"]) if s is not None])
    for o in out:
        o["name"], o["contact"] = (privacy.reveal(o[f], keys) if o[f] is not None else "" for f in ("name", "contact"))
    return out
