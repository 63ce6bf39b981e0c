"""asyncpg: the notifier's tables (schema.sql) — units, nominations, the notices outbox and bad addresses.
No rules here: what is due is domain/notices.py's."""

from __future__ import annotations

import json
from dataclasses import astuple, fields
from datetime import datetime

import asyncpg

from contracts.personal import ERASED, Sealed
from eventlog import privacy
from eventlog.ddl import apply_sql_file

from .domain import BodyTarget, ExpertSeats, Nomination, Notice, Party, Seat, Unit

NOMINATION_COLUMNS = [f.name for f in fields(Nomination)]


async def ensure_schema(conn: asyncpg.Connection) -> None:
    await apply_sql_file(conn, __package__, "schema.sql")
    await privacy.ensure_schema(conn)  # the experts' keys, to open their names and addresses when sending


async def load_nominations(conn: asyncpg.Connection, ids: list[str]) -> dict[str, Nomination]:
    rows = await conn.fetch(f"SELECT {', '.join(NOMINATION_COLUMNS)} FROM notify.nominations "
                            "WHERE nomination_id = ANY($1::text[])", ids)
    return {r["nomination_id"]: Nomination(**dict(r)) for r in rows}


async def save_nominations(conn: asyncpg.Connection, nominations: list[Nomination]) -> None:
    if not nominations:
        return
    columns = ", ".join(NOMINATION_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in NOMINATION_COLUMNS[1:])
    await conn.executemany(
        f"INSERT INTO notify.nominations ({columns}) VALUES ({', '.join(f'${i + 1}' for i in range(len(NOMINATION_COLUMNS)))}) "
        f"ON CONFLICT (nomination_id) DO UPDATE SET {updates}", [astuple(n) for n in nominations])


async def save_units(conn: asyncpg.Connection, units: list[Unit]) -> None:
    await conn.executemany(
        """INSERT INTO notify.units (campaign, unit_id, name, contact_email) VALUES ($1, $2, $3, $4)
           ON CONFLICT (campaign, unit_id) DO UPDATE SET name = EXCLUDED.name,
               contact_email = COALESCE(EXCLUDED.contact_email, notify.units.contact_email)""",
        [astuple(u) for u in units])


async def save_experts(conn: asyncpg.Connection, experts: list[tuple[str, str, str, str | None]]) -> None:
    """(campaign, expert_id, name, contact_email) of filed rosters, name and address sealed (JSON of the envelope);
    a later roster without an address keeps it."""
    await conn.executemany(
        """INSERT INTO notify.experts (campaign, expert_id, name, contact_email) VALUES ($1, $2, $3, $4)
           ON CONFLICT (campaign, expert_id) DO UPDATE SET name = EXCLUDED.name,
               contact_email = COALESCE(EXCLUDED.contact_email, notify.experts.contact_email)""", experts)


async def save_seats(conn: asyncpg.Connection, seats: list[tuple[str, str, str, str, bool | None, bool | None]]) -> None:
    """(nomination_id, expert_id, campaign, target, active, scored), in log order; None leaves a column as it is."""
    for nomination_id, expert_id, campaign, target, active, scored in seats:
        await conn.execute(
            """INSERT INTO notify.seats (nomination_id, expert_id, campaign, target, active, scored)
               VALUES ($1, $2, $3, $4, COALESCE($5, false), COALESCE($6, false))
               ON CONFLICT (nomination_id, expert_id) DO UPDATE SET
                   active = COALESCE($5, notify.seats.active), scored = COALESCE($6, notify.seats.scored)""",
            nomination_id, expert_id, campaign, target, active, scored)


async def save_bodies(conn: asyncpg.Connection, bodies: list[tuple[str, str, str]]) -> None:
    """(campaign, body_code, contact_email) from filed plans; the latest address given counts."""
    await conn.executemany(
        """INSERT INTO notify.bodies (campaign, body_code, contact_email) VALUES ($1, $2, $3)
           ON CONFLICT (campaign, body_code) DO UPDATE SET contact_email = EXCLUDED.contact_email""", bodies)


async def save_results_in(conn: asyncpg.Connection, results: list[tuple[str, str, str]]) -> None:
    await conn.executemany("INSERT INTO notify.results_in (campaign, body_code, target) VALUES ($1, $2, $3) "
                           "ON CONFLICT DO NOTHING", results)


async def results_submitted(conn: asyncpg.Connection, campaign: str) -> set[tuple[str, str]]:
    rows = await conn.fetch("SELECT body_code, target FROM notify.results_in WHERE campaign = $1", campaign)
    return {(r["body_code"], r["target"]) for r in rows}


async def add_notices(conn: asyncpg.Connection, notices: list[Notice]) -> None:
    """Each notice once: a key already there (the same event read again) adds nothing."""
    await conn.executemany(
        """INSERT INTO notify.notices (recipient, subject, kind, round, campaign, occurred_at, facts)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) ON CONFLICT (recipient, subject, kind, round) DO NOTHING""",
        [(n.recipient, n.subject, n.kind, n.round, n.campaign, n.occurred_at, json.dumps(n.facts, ensure_ascii=False))
         for n in notices])


# --- the sender's side ---------------------------------------------------------------------------------------

async def claim_next(conn: asyncpg.Connection, now: datetime) -> asyncpg.Record | None:
    """The oldest notice due for sending that no other sender holds, locked for this transaction."""
    return await conn.fetchrow(
        """SELECT * FROM notify.notices WHERE status IN ('pending', 'sending') AND next_attempt <= $1
           ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED""", now)


def notice_of(row: asyncpg.Record) -> Notice:
    return Notice(row["recipient"], row["subject"], row["kind"], row["round"], row["campaign"], row["occurred_at"],
                  json.loads(row["facts"]) if isinstance(row["facts"], str) else dict(row["facts"]))


async def party_of(conn: asyncpg.Connection, recipient: str) -> Party | None:
    """The unit or expert a recipient names, if read from the log yet."""
    kind, campaign, party_id = recipient.split(":", 2)
    if kind == "body":  # its name is the campaign's (render.py); a body that filed no address has no row
        row = await conn.fetchrow("SELECT body_code AS name, contact_email FROM notify.bodies "
                                  "WHERE campaign = $1 AND body_code = $2", campaign, party_id)
        return Party(recipient, row["name"] if row else party_id, row["contact_email"] if row else None)
    table, column = {"unit": ("notify.units", "unit_id"), "expert": ("notify.experts", "expert_id")}[kind]
    row = await conn.fetchrow(f"SELECT name, contact_email FROM {table} WHERE campaign = $1 AND {column} = $2",
                              campaign, party_id)
    if row is None:
        return None
    if kind == "unit":
        return Party(recipient, row["name"], row["contact_email"])
    return await _opened_expert(conn, recipient, campaign, party_id, row["name"], row["contact_email"])


async def _opened_expert(conn: asyncpg.Connection, recipient: str, campaign: str, expert: str, name: str,
                         address: str | None) -> Party:
    """An expert's name and address opened with the expert's key; an erased expert has no address (unaddressed)."""
    pid = f"expert:{campaign}:{expert}"
    sealed = [Sealed.model_validate_json(t) if t.startswith("{") else Sealed(pid=pid, clear=t)  # a row before sealing
              for t in (name, address) if t]
    keys = await privacy.keys_of(conn, [s.pid for s in sealed])
    opened = [privacy.reveal(s, keys) for s in sealed] + [None]
    email = opened[1] if address and opened[1] != ERASED else None
    return Party(recipient, opened[0], email)


async def subject_of(conn: asyncpg.Connection, notice: Notice) -> Nomination | ExpertSeats | BodyTarget | None:
    """What a notice is about, as it stands now: the nomination, the expert's seats on the target, or the body's
    results on the target."""
    if notice.recipient.startswith("body:"):
        body_code = notice.recipient.split(":", 2)[2]
        submitted = await conn.fetchval("SELECT true FROM notify.results_in WHERE campaign = $1 AND body_code = $2 "
                                        "AND target = $3", notice.campaign, body_code, notice.subject)
        return BodyTarget(body_code, notice.subject, bool(submitted))
    if notice.recipient.startswith("expert:"):
        expert_id = notice.recipient.split(":", 2)[2]
        rows = await conn.fetch(
            """SELECT s.nomination_id, coalesce(n.title, '') AS title, s.scored FROM notify.seats s
               LEFT JOIN notify.nominations n USING (nomination_id)
               WHERE s.campaign = $1 AND s.expert_id = $2 AND s.target = $3 AND s.active
               ORDER BY n.title, s.nomination_id""", notice.campaign, expert_id, notice.subject)
        return ExpertSeats(expert_id, tuple(Seat(r["nomination_id"], r["title"], r["scored"]) for r in rows))
    return (await load_nominations(conn, [notice.subject])).get(notice.subject)


async def is_bad(conn: asyncpg.Connection, address: str) -> bool:
    return await conn.fetchval("SELECT true FROM notify.bad_addresses WHERE address = lower($1)", address) or False


async def mark(conn: asyncpg.Connection, notice_id: int, status: str, result: str | None = None, *,
               address: str | None = None, message_id: str | None = None, at: datetime | None = None,
               attempt: bool = False, retry_at: datetime | None = None) -> None:
    await conn.execute(
        """UPDATE notify.notices SET status = $2, result = COALESCE($3, result), address = COALESCE($4, address),
               message_id = COALESCE($5, message_id), sent_at = COALESCE($6, sent_at),
               attempts = attempts + $7::int, next_attempt = COALESCE($8, next_attempt)
           WHERE id = $1""",
        notice_id, status, result, address, message_id, at, int(attempt), retry_at)


async def mark_bad(conn: asyncpg.Connection, address: str, code: int, reply: str, notice_id: int) -> None:
    await conn.execute(
        """INSERT INTO notify.bad_addresses (address, code, reply, notice_id) VALUES (lower($1), $2, $3, $4)
           ON CONFLICT (address) DO NOTHING""", address, code, reply, notice_id)


# --- what the secretariat reads ------------------------------------------------------------------------------

async def messages_about(conn: asyncpg.Connection, subject: str) -> list[dict]:
    rows = await conn.fetch(
        """SELECT recipient, subject, kind, round, status, address, message_id, sent_at, result, attempts, created_at
           FROM notify.notices WHERE subject = $1 ORDER BY id""", subject)
    return await _erased_hidden(conn, [dict(r) for r in rows])


async def bad_addresses(conn: asyncpg.Connection) -> list[dict]:
    rows = await conn.fetch(
        """SELECT b.address, b.code, b.reply, b.refused_at, n.recipient, n.subject, n.kind, n.message_id
           FROM notify.bad_addresses b LEFT JOIN notify.notices n ON n.id = b.notice_id ORDER BY b.refused_at, b.address""")
    return await _erased_hidden(conn, [dict(r) for r in rows])


async def _erased_hidden(conn: asyncpg.Connection, rows: list[dict]) -> list[dict]:
    """The address a message went to, 已删除 once its expert was erased (an expert's recipient is their person id)."""
    keys = await privacy.keys_of(conn, [r["recipient"] for r in rows if (r["recipient"] or "").startswith("expert:")])
    return [{**r, "address": ERASED} if r["recipient"] in keys and keys[r["recipient"]] is None and r["address"] else r
            for r in rows]
