"""asyncpg adapter for the intake's write side: load (and lock) states, save them with their event ids.

The same `apply_events` serves the command path and the projection of the log, so a row is the
same function of the log whichever wrote it first; intake.inbox makes each event count once. A
command claims its event ids before publishing, so the projection, seeing the event on the log
first, waits for that command's commit instead of racing it (and never holds a lock it needs); a
brand-new nomination's row is claimed after the ack, by the group commit (group_commit.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

import asyncpg
import orjson

from contracts.events import AttachmentRef, Event, NominationSubmitted
from contracts.relisting import ORGANISATION_LISTS, credit_key
from eventlog.ddl import apply_sql_file
from services.intake.domain.model import (
    ApplicationState,
    NominationState,
    evolve_application,
    evolve_nomination,
)

_NOMINATION_COLS = ("nomination_id", "campaign", "unit_id", "list_code", "domain", "title", "form", "opinion",
                    "attachments", "revision", "actor_role", "application_id", "withdrawn", "withdraw_reason",
                    "submitted_at", "updated_at")
_APPLICATION_COLS = ("application_id", "campaign", "applicant_id", "unit_id", "list_code", "domain", "title",
                     "form", "attachments", "revision", "status", "comments", "nomination_id", "ever_sent",
                     "created_at", "updated_at")
_TYPES = {"form": "jsonb", "attachments": "jsonb", "revision": "int", "withdrawn": "bool", "ever_sent": "bool",
          "submitted_at": "timestamptz", "updated_at": "timestamptz", "created_at": "timestamptz",
          "nomination_id": "uuid", "application_id": "uuid"}


class PooledConnection(asyncpg.Connection):
    """Skips the reset round trip on every release: the intake holds no session state (no session
    advisory locks, LISTEN, cursors or SET; only transaction-scoped ones), so there is nothing to reset."""

    def get_reset_query(self) -> str:
        return ""


async def init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads,
                              schema="pg_catalog")


async def ensure_schema(conn: asyncpg.Connection) -> None:
    await apply_sql_file(conn, __package__, "schema.sql")
    await _backfill_credit_keys(conn)


async def _backfill_credit_keys(conn: asyncpg.Connection) -> None:
    """Rows saved before nominations carried credit_key get it from their form (once: a row with a
    credit code in its form never stays NULL), so the previously-listed rule sees every year."""
    rows = await conn.fetch("SELECT nomination_id, list_code, form FROM intake.nomination_status "
                            "WHERE credit_key IS NULL AND list_code = ANY($1::text[]) AND form ? 'credit_code'",
                            sorted(ORGANISATION_LISTS))
    keys = [(r["nomination_id"], key) for r in rows if (key := credit_key(r["list_code"], r["form"]))]
    if keys:
        await conn.executemany("UPDATE intake.nomination_status SET credit_key = $2 WHERE nomination_id = $1",
                               sorted(keys))


def _upsert(table: str, cols: Sequence[str], key: str) -> str:
    # jsonb travels as text[] (asyncpg has no jsonb[] text codec) and is cast per element
    array_type = {c: ("text" if _TYPES.get(c) == "jsonb" else _TYPES.get(c, "text")) for c in cols}
    casts = ", ".join(f"${i + 1}::{array_type[c]}[]" for i, c in enumerate(cols))
    select = ", ".join(f"{c}::jsonb" if _TYPES.get(c) == "jsonb" else c for c in cols)
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c != key)
    return (f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM unnest({casts}) AS x({', '.join(cols)}) "
            f"ON CONFLICT ({key}) DO UPDATE SET {sets}")


# credit_key is derived from the form (the previously-listed rule's identity), saved beside the state
_SAVE_NOMINATIONS = _upsert("intake.nomination_status", (*_NOMINATION_COLS, "credit_key"), "nomination_id")
_SAVE_APPLICATIONS = _upsert("intake.applications", _APPLICATION_COLS, "application_id")


def _refs(raw) -> tuple[AttachmentRef, ...]:
    return tuple(AttachmentRef.model_validate(a) for a in raw or ())


def nomination_from_row(r: asyncpg.Record) -> NominationState:
    return NominationState(**{c: r[c] for c in _NOMINATION_COLS if c not in ("attachments", "opinion",
                                                                              "withdraw_reason")},
                           attachments=_refs(r["attachments"]), opinion=r["opinion"] or "",
                           withdraw_reason=r["withdraw_reason"] or "")


def application_from_row(r: asyncpg.Record) -> ApplicationState:
    return ApplicationState(**{c: r[c] for c in _APPLICATION_COLS if c != "attachments"},
                            attachments=_refs(r["attachments"]))


def _columns(states: Iterable, cols: Sequence[str]) -> list[list]:
    rows = [s.__dict__ for s in states]
    return [[orjson.dumps(r[c], default=_plain).decode() if _TYPES.get(c) == "jsonb" else r[c] for r in rows]
            for c in cols]


def _plain(value):
    return value.model_dump(mode="json")


async def load_nominations(conn, ids: Iterable[UUID], lock: bool = False) -> dict[UUID, NominationState]:
    rows = await conn.fetch("SELECT * FROM intake.nomination_status WHERE nomination_id = ANY($1::uuid[]) "
                            "AND submitted_at IS NOT NULL" + (" FOR UPDATE" if lock else ""), list(ids))
    return {r["nomination_id"]: nomination_from_row(r) for r in rows}


async def load_applications(conn, ids: Iterable[UUID], lock: bool = False) -> dict[UUID, ApplicationState]:
    rows = await conn.fetch("SELECT * FROM intake.applications WHERE application_id = ANY($1::uuid[])"
                            + (" FOR UPDATE" if lock else ""), list(ids))
    return {r["application_id"]: application_from_row(r) for r in rows}


async def claim_events(conn, events: Sequence[Event]) -> list[Event]:
    """Mark events applied and return those no writer applied before (waits for a writer still in flight)."""
    claimed = await claim_ids(conn, [e.event_id for e in events])
    return [e for e in events if e.event_id in claimed]


async def claim_ids(conn, event_ids: Iterable[UUID]) -> set[UUID]:
    """The ids of `event_ids` no writer claimed before, claimed now (in order, as rows are: no
    lock-order deadlock between two writers)."""
    return {r["event_id"] for r in await conn.fetch(
        "INSERT INTO intake.inbox (event_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id",
        sorted(set(event_ids)))}


async def apply_events(conn, events: Sequence[Event], known: tuple[dict, dict] | None = None) -> None:
    """Fold intake events into their rows and save them; `known` = states already loaded (and locked).
    Callers pass only events they claimed (claim_events), so each is applied once."""
    nominations, applications = known or ({}, {})
    nom_ids = {e.nomination_id for e in events if hasattr(e, "nomination_id")} - set(nominations)
    app_ids = {e.application_id for e in events
               if getattr(e, "application_id", None) is not None} - set(applications)
    nominations = {**nominations, **(await load_nominations(conn, nom_ids) if nom_ids else {})}
    applications = {**applications, **(await load_applications(conn, app_ids) if app_ids else {})}
    touched_n, touched_a = set(), set()
    for e in events:  # a state evolve hands back unchanged (e.g. a submission seen again) is not re-saved
        if hasattr(e, "nomination_id"):
            before = nominations.get(e.nomination_id)
            if (after := evolve_nomination(before, e)) is not before:
                nominations[e.nomination_id] = after
                touched_n.add(e.nomination_id)
        if getattr(e, "application_id", None) is not None and (
                not isinstance(e, NominationSubmitted) or e.application_id in applications):
            before = applications.get(e.application_id)
            if (after := evolve_application(before, e)) is not before:
                applications[e.application_id] = after
                touched_a.add(e.application_id)
    # Rows in key order: two writers upserting overlapping rows then lock them in the same order.
    saved_n = [nominations[i] for i in sorted(touched_n) if nominations.get(i) is not None]
    saved_a = [applications[i] for i in sorted(touched_a) if applications.get(i) is not None]
    if saved_a:
        await conn.execute(_SAVE_APPLICATIONS, *_columns(saved_a, _APPLICATION_COLS))
    if saved_n:
        await conn.execute(_SAVE_NOMINATIONS, *_columns(saved_n, _NOMINATION_COLS),
                           [credit_key(n.list_code, n.form) for n in saved_n])


async def unit_registered(conn, campaign: str, unit_id: str) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM intake.units WHERE campaign = $1 AND unit_id = $2",
                                    campaign, unit_id))
