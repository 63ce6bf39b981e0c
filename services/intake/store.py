"""asyncpg adapter for the intake's write side: load (and lock) states, save them with their event ids.

The same `apply_events` serves the command path and the projection of the log, so a row is the
same function of the log whichever wrote it first; intake.inbox makes each event count once. A
command claims its event ids in the transaction that stages them in the outbox, so the projection,
meeting them on the log, finds them claimed; a brand-new nomination's row is claimed after the ack,
by the group commit (group_commit.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

import asyncpg
import orjson

from contracts.events import AttachmentRef, Event, NominationSubmitted
from eventlog import privacy
from eventlog.ddl import apply_sql_file
from services.intake.domain.item_identity import ORGANISATION_LISTS, credit_key
from services.intake.domain.model import (
    ApplicationState,
    NominationState,
    ScreeningOutcome,
    evolve_application,
    evolve_nomination,
    recommended,
)

_NOMINATION_COLS = ("nomination_id", "campaign", "unit_id", "list_code", "domain", "title", "form", "opinion",
                    "attachments", "revision", "actor_role", "application_id", "withdrawn", "withdraw_reason",
                    "submitted_at", "updated_at", "resubmitted_round", "withdrawal", "withdrawal_reason",
                    "withdrawal_answer")
_APPLICATION_COLS = ("application_id", "campaign", "applicant_id", "unit_id", "list_code", "domain", "title",
                     "form", "attachments", "revision", "status", "comments", "nomination_id", "ever_sent",
                     "created_at", "updated_at")
_TYPES = {"form": "jsonb", "attachments": "jsonb", "revision": "int", "resubmitted_round": "int",
          "withdrawn": "bool", "ever_sent": "bool", "submitted_at": "timestamptz", "updated_at": "timestamptz",
          "created_at": "timestamptz", "nomination_id": "uuid", "application_id": "uuid"}


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
    await privacy.ensure_schema(conn)  # applicants' contact keys (ApplicationSaved.contact_email)
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


def _upsert(table: str, cols: Sequence[str], key: str, claiming: bool = False) -> str:
    """Save rows given as one JSON array of objects ($1, see `_rows`): one parameter, where an array per
    column made asyncpg check every element of every array in Python. `claiming`: each object also
    carries its `event_id`; the ids are claimed in intake.inbox by the same statement (in id order, as
    every writer claims) and only the rows whose id is claimed now are saved: one round trip, its own
    implicit transaction."""
    fields = ("event_id", *cols) if claiming else tuple(cols)
    record = ", ".join(f"{c} {'uuid' if c == 'event_id' else _TYPES.get(c, 'text')}" for c in fields)
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c != key)
    rows = f"json_to_recordset($1::json) AS x({record})"
    claimed, where = "", ""
    if claiming:
        claimed = (f"WITH x AS (SELECT * FROM {rows}), claimed AS (INSERT INTO intake.inbox (event_id) "
                   "SELECT event_id FROM x ORDER BY event_id ON CONFLICT DO NOTHING RETURNING event_id) ")
        # The sort reads every claim before the first row is written, and writes rows in key order
        # (whatever join the planner picks): the lock order every writer keeps.
        rows, where = "x", (" WHERE EXISTS (SELECT 1 FROM claimed c WHERE c.event_id = x.event_id) "
                            f"ORDER BY x.{key}")
    return (f"{claimed}INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM {rows}{where} "
            f"ON CONFLICT ({key}) DO UPDATE SET {sets}")


# credit_key is derived from the form (the previously-listed rule's identity), saved beside the state
_NOMINATION_ROW = (*_NOMINATION_COLS, "credit_key")
_SAVE_NOMINATIONS = _upsert("intake.nomination_status", _NOMINATION_ROW, "nomination_id")
_CLAIM_AND_SAVE_NOMINATIONS = _upsert("intake.nomination_status", _NOMINATION_ROW, "nomination_id", claiming=True)
_SAVE_APPLICATIONS = _upsert("intake.applications", _APPLICATION_COLS, "application_id")


def _refs(raw) -> tuple[AttachmentRef, ...]:
    return tuple(AttachmentRef.model_validate(a) for a in raw or ())


def nomination_from_row(r: asyncpg.Record) -> NominationState:
    defaulted = ("attachments", "opinion", "withdraw_reason", "resubmitted_round", "withdrawal_reason",
                 "withdrawal_answer")
    return NominationState(**{c: r[c] for c in _NOMINATION_COLS if c not in defaulted},
                           attachments=_refs(r["attachments"]), opinion=r["opinion"] or "",
                           withdraw_reason=r["withdraw_reason"] or "", resubmitted_round=r["resubmitted_round"] or 0,
                           withdrawal_reason=r["withdrawal_reason"] or "", withdrawal_answer=r["withdrawal_answer"] or "",
                           screening=screening_from_row(r))


def screening_from_row(r: asyncpg.Record) -> ScreeningOutcome | None:
    """The review's last screening outcome, as the projection saved it beside the state (projection.py)."""
    if r["screening"] is None:
        return None
    return ScreeningOutcome(r["screening"], tuple(r["screening_reasons"] or ()), r["correction_due_at"],
                            r["return_round"] or 0, r["screened_at"])


def application_from_row(r: asyncpg.Record) -> ApplicationState:
    return ApplicationState(**{c: r[c] for c in _APPLICATION_COLS if c != "attachments"},
                            attachments=_refs(r["attachments"]))


def _rows(rows: list[dict]) -> str:
    """The `$1` of an `_upsert`: states' fields (and any extra keys) as one JSON array."""
    return orjson.dumps(rows, default=_plain).decode()


def _nomination_row(state: NominationState) -> dict:
    # The screening outcome is the projection's to write (from the review's events), never the state's.
    row = {k: v for k, v in state.__dict__.items() if k != "screening"}
    return {**row, "credit_key": credit_key(state.list_code, state.form)}


def _plain(value):
    if isinstance(value, UUID):  # asyncpg's own UUID (rows loaded back), which orjson does not know
        return str(value)
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
    existing = set(applications)
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
    if created := touched_a - existing:
        await _recommended_before(conn, applications, created, nominations)
    # Rows in key order: two writers upserting overlapping rows then lock them in the same order.
    saved_n = [nominations[i] for i in sorted(touched_n) if nominations.get(i) is not None]
    saved_a = [applications[i] for i in sorted(touched_a) if applications.get(i) is not None]
    if saved_a:
        await conn.execute(_SAVE_APPLICATIONS, _rows([a.__dict__ for a in saved_a]))
    if saved_n:
        await conn.execute(_SAVE_NOMINATIONS, _rows([_nomination_row(n) for n in saved_n]))


async def _recommended_before(conn, applications: dict, created: set[UUID], nominations: dict) -> None:
    """Applications this fold created that a nomination recommends already: the projection read the
    nominations topic before the applications topic (in the command path a recommendation comes last)."""
    links = {n.application_id: (n.nomination_id, n.submitted_at) for n in nominations.values()
             if n is not None and n.application_id in created}
    if unseen := sorted(created - set(links)):
        links |= {r["application_id"]: (r["nomination_id"], r["submitted_at"]) for r in await conn.fetch(
            "SELECT nomination_id, application_id, submitted_at FROM intake.nomination_status "
            "WHERE application_id = ANY($1::uuid[]) AND submitted_at IS NOT NULL", unseen)}
    for app_id, (nomination_id, at) in links.items():
        applications[app_id] = recommended(applications[app_id], nomination_id, at)


async def save_new_nominations(conn, events: Sequence[NominationSubmitted]) -> None:
    """Brand-new nominations' rows, each saved only if its event id is claimed now (not applied by the
    projection before): the group commit's one statement. A row the quota decision created first
    (decision columns only) gets the nomination's columns, as `apply_events` would give it."""
    if not events:
        return
    # In any order: the statement claims in id order and saves rows in key order itself (see _upsert).
    await conn.execute(_CLAIM_AND_SAVE_NOMINATIONS,
                       _rows([{**_nomination_row(evolve_nomination(None, e)), "event_id": e.event_id} for e in events]))


async def save_events(conn, events: Sequence[Event], known: tuple[dict, dict]) -> None:
    """A command's events into their rows (states already loaded under its lock), claimed so the
    projection, meeting them on the log, does not apply them again."""
    await claim_events(conn, events)
    await apply_events(conn, events, known)


async def unit_channels(conn, campaign: str, unit_id: str) -> tuple[str, ...] | None:
    """The unit's channels as the registry on the log says; None if it is not registered."""
    channels = await conn.fetchval("SELECT channels FROM intake.units WHERE campaign = $1 AND unit_id = $2",
                                   campaign, unit_id)
    return None if channels is None else tuple(channels)
