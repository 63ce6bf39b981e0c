"""asyncpg: the notifier's tables (schema.sql) — units, nominations, the notices outbox and bad addresses.
No rules here: what is due is domain/notices.py's."""

from __future__ import annotations

import json
import os
from dataclasses import astuple, fields
from datetime import datetime

import asyncpg

from contracts.personal import ERASED, Sealed
from eventlog import privacy
from eventlog.ddl import apply_sql_file

from .domain import (Acknowledged, Application, BodyTarget, Digest, ExpertSeats, Nomination, Notice, NoticeWindow,
                     Objection, Package, Party, Rereview, Seat, Unit, UnitStanding, late_targets)

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


async def save_units(conn: asyncpg.Connection, units: list[tuple[Unit, tuple[str, ...]]]) -> None:
    await conn.executemany(
        """INSERT INTO notify.units (campaign, unit_id, name, contact_email, channels) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (campaign, unit_id) DO UPDATE SET name = EXCLUDED.name, channels = EXCLUDED.channels,
               contact_email = COALESCE(EXCLUDED.contact_email, notify.units.contact_email)""",
        [(*astuple(u), list(channels)) for u, channels in units])


async def save_channels(conn: asyncpg.Connection, changes: list[tuple[str, str, tuple[str, ...]]]) -> None:
    await conn.executemany("UPDATE notify.units SET channels = $3 WHERE campaign = $1 AND unit_id = $2",
                           [(c, u, list(ch)) for c, u, ch in changes])


async def save_quota_used(conn: asyncpg.Connection, used: list[tuple[str, str, str, str, int]]) -> None:
    """(campaign, unit_id, list_code, domain or '', used) in the unit's stream order: the latest counts."""
    await conn.executemany(
        """INSERT INTO notify.quota_used (campaign, unit_id, list_code, domain, used) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (campaign, unit_id, list_code, domain) DO UPDATE SET used = EXCLUDED.used""", used)


async def save_applications(conn: asyncpg.Connection, steps: list[tuple]) -> None:
    """(application_id, campaign, unit_id, sent_at, answered_at[, title, sent_revision, contact, applicant_id]):
    the latest sending and answer, in any order; the title, the revision sent and the sealed contact as last given."""
    await conn.executemany(
        """INSERT INTO notify.applications (application_id, campaign, unit_id, sent_at, answered_at, title,
                                            sent_revision, contact, applicant_id)
           VALUES ($1, $2, $3, $4, $5, coalesce($6, ''), coalesce($7, 0), $8, $9)
           ON CONFLICT (application_id) DO UPDATE SET
               sent_at = GREATEST(notify.applications.sent_at, EXCLUDED.sent_at),
               answered_at = GREATEST(notify.applications.answered_at, EXCLUDED.answered_at),
               title = coalesce($6, notify.applications.title),
               sent_revision = GREATEST(notify.applications.sent_revision, EXCLUDED.sent_revision),
               contact = coalesce($8, notify.applications.contact),
               applicant_id = coalesce($9, notify.applications.applicant_id)""",
        [(*s, None, None, None, None)[:9] for s in steps])


async def sent_revisions(conn: asyncpg.Connection, ids: list[str]) -> dict[str, int]:
    rows = await conn.fetch("SELECT application_id, sent_revision FROM notify.applications "
                            "WHERE application_id = ANY($1::text[])", ids)
    return {r["application_id"]: r["sent_revision"] for r in rows}


async def unit_standings(conn: asyncpg.Connection, campaign, unit_id: str | None = None) -> list[UnitStanding]:
    """Each unit's applications waiting and slots unused (the stacked limits from `campaign`)."""
    units = await conn.fetch("SELECT unit_id, channels FROM notify.units WHERE campaign = $1 "
                             "AND ($2::text IS NULL OR unit_id = $2) ORDER BY unit_id", campaign.code, unit_id)
    waiting = dict(await conn.fetch(
        """SELECT unit_id, count(*) FROM notify.applications WHERE campaign = $1 AND sent_at IS NOT NULL
           AND (answered_at IS NULL OR answered_at < sent_at) GROUP BY unit_id""", campaign.code))
    used: dict[str, dict[tuple[str, str], int]] = {}
    for r in await conn.fetch("SELECT unit_id, list_code, domain, used FROM notify.quota_used WHERE campaign = $1",
                              campaign.code):
        used.setdefault(r["unit_id"], {})[(r["list_code"], r["domain"])] = r["used"]
    standings = []
    for u in units:
        unused = 0
        for ranking in campaign.lists:
            if ranking.separately_organised:
                continue
            for domain in ranking.domains or (None,):
                code = domain.code if domain else None
                limit = campaign.quota_limit(ranking.code, code, u["channels"]) or 0
                unused += max(limit - used.get(u["unit_id"], {}).get((ranking.code, code or ""), 0), 0)
        standings.append(UnitStanding(u["unit_id"], waiting.get(u["unit_id"], 0), unused))
    return standings


async def save_windows(conn: asyncpg.Connection, windows: list[NoticeWindow]) -> None:
    await conn.executemany(
        """INSERT INTO notify.notice_windows (campaign, list_code, notice_id, opens_at, closes_at, omitted)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (campaign, list_code) DO UPDATE SET
               notice_id = EXCLUDED.notice_id, opens_at = EXCLUDED.opens_at, closes_at = EXCLUDED.closes_at,
               omitted = EXCLUDED.omitted""",
        [(w.campaign, w.list_code, w.notice_id, w.opens_at, w.closes_at, list(w.omitted)) for w in windows])


async def load_windows(conn: asyncpg.Connection) -> dict[tuple[str, str], NoticeWindow]:
    rows = await conn.fetch("SELECT * FROM notify.notice_windows")
    return {(r["campaign"], r["list_code"]): NoticeWindow(r["campaign"], r["list_code"], r["notice_id"], r["opens_at"],
                                                          r["closes_at"], tuple(r["omitted"])) for r in rows}


async def not_selected_on(conn: asyncpg.Connection, campaign: str, list_code: str) -> list[Nomination]:
    rows = await conn.fetch(f"SELECT {', '.join(NOMINATION_COLUMNS)} FROM notify.nominations "
                            "WHERE campaign = $1 AND list_code = $2 AND selected = false ORDER BY nomination_id",
                            campaign, list_code)
    return [Nomination(**dict(r)) for r in rows]


async def save_objections(conn: asyncpg.Connection, filed: list[tuple[str, str, str, str, str | None]],
                          resolved: list[str]) -> None:
    """(objection_id, campaign, nomination_id, name, contact) sealed as JSON; the ids of those resolved."""
    await conn.executemany(
        """INSERT INTO notify.objections (objection_id, campaign, nomination_id, name, contact)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (objection_id) DO NOTHING""", filed)
    await conn.executemany("UPDATE notify.objections SET resolved = true WHERE objection_id = $1",
                           [(o,) for o in resolved])


async def save_audience(conn: asyncpg.Connection, rows: list[tuple[str, str, str]]) -> None:
    """(recipient, campaign, address) of a 定向推介 package's audience (domain/packages.py)."""
    await conn.executemany(
        """INSERT INTO notify.audience (recipient, campaign, address) VALUES ($1, $2, $3)
           ON CONFLICT (recipient) DO NOTHING""", rows)


async def save_re_reviews(conn: asyncpg.Connection, opened: list[tuple[str, int, str, datetime, str]],
                          closed: list[str]) -> None:
    """(nomination_id, round, campaign, opened_at, event_id) opened; the nominations whose latest was closed."""
    await conn.executemany(
        """INSERT INTO notify.re_reviews (nomination_id, round, campaign, opened_at, event_id)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING""", opened)
    await conn.executemany(
        """UPDATE notify.re_reviews SET closed = true WHERE nomination_id = $1
           AND round = (SELECT max(round) FROM notify.re_reviews WHERE nomination_id = $1)""", [(n,) for n in closed])


async def re_reviews_opened(conn: asyncpg.Connection, nomination_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM notify.re_reviews WHERE nomination_id = $1", nomination_id)


async def re_review_round(conn: asyncpg.Connection, event_id: str) -> int | None:
    """The round of a re-review already read (its ReReviewOpened read again)."""
    return await conn.fetchval("SELECT round FROM notify.re_reviews WHERE event_id = $1", event_id)


async def unscored_seats(conn: asyncpg.Connection, campaign: str) -> set[tuple[str, str]]:
    rows = await conn.fetch("SELECT DISTINCT expert_id, target FROM notify.seats WHERE campaign = $1 AND active "
                            "AND NOT scored", campaign)
    return {(r["expert_id"], r["target"]) for r in rows}


async def reminders_made(conn: asyncpg.Connection, campaign: str, kind: str) -> dict[tuple[str, str], int]:
    rows = await conn.fetch("SELECT recipient, subject, count(*) AS n FROM notify.notices WHERE campaign = $1 "
                            "AND kind = $2 GROUP BY recipient, subject", campaign, kind)
    return {(r["recipient"].split(":", 2)[2], r["subject"]): r["n"] for r in rows}


async def save_experts(conn: asyncpg.Connection, experts: list[tuple[str, str, str, str | None]]) -> None:
    """(campaign, expert_id, name, contact_email) of filed rosters, name and address sealed (JSON of the envelope);
    a later roster without an address keeps it."""
    await conn.executemany(
        """INSERT INTO notify.experts (campaign, expert_id, name, contact_email) VALUES ($1, $2, $3, $4)
           ON CONFLICT (campaign, expert_id) DO UPDATE SET name = EXCLUDED.name,
               contact_email = COALESCE(EXCLUDED.contact_email, notify.experts.contact_email)""", experts)


async def save_seats(conn: asyncpg.Connection,
                     seats: list[tuple[str, str, str, str, bool | None, bool | None, datetime | None]]) -> None:
    """(nomination_id, expert_id, campaign, target, active, scored, scored_at), in log order; None leaves a column
    as it is."""
    for nomination_id, expert_id, campaign, target, active, scored, scored_at in seats:
        await conn.execute(
            """INSERT INTO notify.seats (nomination_id, expert_id, campaign, target, active, scored, last_scored_at)
               VALUES ($1, $2, $3, $4, COALESCE($5, false), COALESCE($6, false), $7)
               ON CONFLICT (nomination_id, expert_id) DO UPDATE SET
                   active = COALESCE($5, notify.seats.active), scored = COALESCE($6, notify.seats.scored),
                   last_scored_at = GREATEST(notify.seats.last_scored_at, $7)""",
            nomination_id, expert_id, campaign, target, active, scored, scored_at)


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
    return await conn.fetchrow(CLAIM_NEXT, now)


# On the index of unfinished notices (schema.sql): a claim reads the oldest unfinished rows, never the sent ones.
CLAIM_NEXT = """SELECT * FROM notify.notices WHERE status IN ('pending', 'sending') AND next_attempt <= $1
                ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"""


def notice_of(row: asyncpg.Record) -> Notice:
    return Notice(row["recipient"], row["subject"], row["kind"], row["round"], row["campaign"], row["occurred_at"],
                  json.loads(row["facts"]) if isinstance(row["facts"], str) else dict(row["facts"]))


async def party_of(conn: asyncpg.Connection, recipient: str) -> Party | None:
    """The unit, expert, body, objector or applicant a recipient names, if read from the log yet."""
    if recipient.startswith("objector:"):
        return await _opened_objector(conn, recipient)
    if recipient.startswith("applicant:"):
        return await _opened_applicant(conn, recipient)
    if recipient.startswith("audience:"):  # a package's audience address (domain/packages.py)
        address = await conn.fetchval("SELECT address FROM notify.audience WHERE recipient = $1", recipient)
        return Party(recipient, "您好", address) if address else None
    if recipient.startswith("secretariat:"):  # where the secretariat reads its mail (NOTIFY_SECRETARIAT_EMAIL)
        return Party(recipient, "“科创中国”联合体秘书处", os.environ.get("NOTIFY_SECRETARIAT_EMAIL") or None)
    kind, campaign, party_id = recipient.split(":", 2)
    if kind == "body":  # its name is the campaign's (render.py); a body that filed no address has no row
        row = await conn.fetchrow("SELECT body_code AS name, contact_email FROM notify.bodies "
                                  "WHERE campaign = $1 AND body_code = $2", campaign, party_id)
        return Party(recipient, row["name"] if row else party_id, row["contact_email"] if row else None)
    if kind == "nomination":  # the unit that recommended it, once both are read
        row = await conn.fetchrow(
            """SELECT u.name, u.contact_email FROM notify.nominations n
               JOIN notify.units u ON u.campaign = n.campaign AND u.unit_id = n.unit_id
               WHERE n.nomination_id = $1""", party_id)
        return Party(recipient, row["name"], row["contact_email"]) if row else None
    table, column = {"unit": ("notify.units", "unit_id"), "expert": ("notify.experts", "expert_id")}[kind]
    row = await conn.fetchrow(f"SELECT name, contact_email FROM {table} WHERE campaign = $1 AND {column} = $2",
                              campaign, party_id)
    if row is None:
        return None
    if kind == "unit":
        return Party(recipient, row["name"], row["contact_email"])
    return await _opened_expert(conn, recipient, campaign, party_id, row["name"], row["contact_email"])


def _looks_like_address(text: str | None) -> bool:
    return bool(text) and text.count("@") == 1 and "." in text.split("@")[1] and not any(c.isspace() for c in text)


async def _opened_applicant(conn: asyncpg.Connection, recipient: str) -> Party | None:
    """An applicant's contact opened with its key (none given, or erased: unaddressed)."""
    row = await conn.fetchrow("SELECT contact FROM notify.applications WHERE application_id = $1",
                              recipient.split(":", 1)[1])
    if row is None:
        return None
    if not row["contact"]:
        return Party(recipient, "申报人", None)
    sealed = Sealed.model_validate_json(row["contact"])
    opened = privacy.reveal(sealed, await privacy.keys_of(conn, [sealed.pid]))
    return Party(recipient, "申报人", None if opened == ERASED else opened)


async def _opened_objector(conn: asyncpg.Connection, recipient: str) -> Party | None:
    """An objector's name and contact opened with the objector's key; written to only if the contact given is an
    e-mail address (it may be a telephone number), and not once erased."""
    row = await conn.fetchrow("SELECT name, contact FROM notify.objections WHERE objection_id = $1",
                              recipient.split(":", 1)[1])
    if row is None:
        return None
    sealed = [Sealed.model_validate_json(t) for t in (row["name"], row["contact"]) if t]
    keys = await privacy.keys_of(conn, [s.pid for s in sealed])
    opened = [privacy.reveal(s, keys) for s in sealed] + [None]
    contact = opened[1] if row["contact"] and opened[1] != ERASED else None
    return Party(recipient, opened[0], contact.strip() if _looks_like_address(contact) else None)


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


async def digest(conn: asyncpg.Connection, campaign, now: datetime) -> Digest:
    """What the secretariat's digest reports, as it stands at `now`."""
    objections = await conn.fetch(
        """SELECT o.objection_id, coalesce(n.title, o.nomination_id) AS title FROM notify.objections o
           LEFT JOIN notify.nominations n USING (nomination_id) WHERE o.campaign = $1 AND NOT o.resolved
           ORDER BY o.objection_id""", campaign.code)
    bounced = await conn.fetch("SELECT address FROM notify.bad_addresses ORDER BY address")
    return Digest(late_targets(campaign, now, await results_submitted(conn, campaign.code)),
                  tuple((r["objection_id"], r["title"]) for r in objections), tuple(r["address"] for r in bounced))


async def subject_of(conn: asyncpg.Connection, notice: Notice, campaign=None, now: datetime | None = None):
    """What a notice is about, as it stands now: the nomination, the expert's seats on the target, the body's
    results on the target, the unit's standing before the deadline, the objection, the re-review, the digest."""
    if notice.kind == "secretariat_digest":
        return await digest(conn, campaign, now or notice.occurred_at) if campaign is not None else None
    if notice.kind in ("plan_filed", "plan_acknowledged", "plan_returned"):
        return Acknowledged(notice.subject)
    if notice.kind == "package_sent":  # worded from the notice's facts: a package sent stays sent
        return Package(notice.subject, notice.facts["audience"], notice.facts["entries"])
    if notice.kind == "collection_deadline":
        if campaign is None:
            return None
        found = await unit_standings(conn, campaign, notice.recipient.split(":", 2)[2])
        return found[0] if found else None
    if notice.kind.startswith("objection_"):
        row = await conn.fetchrow(
            """SELECT o.objection_id, o.nomination_id, coalesce(n.title, '') AS title, o.resolved
               FROM notify.objections o LEFT JOIN notify.nominations n USING (nomination_id)
               WHERE o.objection_id = $1""", notice.subject)
        return Objection(**dict(row)) if row else None
    if notice.kind.startswith("application_"):
        row = await conn.fetchrow(
            """SELECT a.application_id, a.unit_id, a.title, a.sent_revision, coalesce(u.name, a.unit_id) AS unit_name
               FROM notify.applications a LEFT JOIN notify.units u ON u.campaign = a.campaign AND u.unit_id = a.unit_id
               WHERE a.application_id = $1""", notice.subject)
        return Application(**dict(row)) if row and row["title"] else None
    if notice.kind == "re_review":
        expert_id = notice.recipient.split(":", 2)[2]
        row = await conn.fetchrow(
            """SELECT r.nomination_id, coalesce(n.title, '') AS title, r.closed,
                      coalesce(s.last_scored_at > r.opened_at, false) AS rescored
               FROM notify.re_reviews r LEFT JOIN notify.nominations n USING (nomination_id)
               LEFT JOIN notify.seats s ON s.nomination_id = r.nomination_id AND s.expert_id = $3
               WHERE r.nomination_id = $1 AND r.round = $2""", notice.subject, notice.round, expert_id)
        return Rereview(row["nomination_id"], expert_id, row["title"], row["closed"], row["rescored"]) if row else None
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


async def unsubscribe(conn: asyncpg.Connection, recipient: str, kind: str) -> bool:
    """Records the recipient's unsubscribe from `kind`; True if it is new."""
    return await conn.fetchval("INSERT INTO notify.unsubscribed (recipient, kind) VALUES ($1, $2) "
                               "ON CONFLICT DO NOTHING RETURNING true", recipient, kind) or False


async def is_unsubscribed(conn: asyncpg.Connection, recipient: str, kind: str) -> bool:
    return await conn.fetchval("SELECT true FROM notify.unsubscribed WHERE recipient = $1 AND kind = $2",
                               recipient, kind) or False


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

async def inbox(conn: asyncpg.Connection, role: str, org: str, sub: str, limit: int = 200) -> list[dict]:
    """What was sent to the signed-in person: a unit's (its own and about its nominations), an expert's (their
    id is the token's subject), a body's, an applicant's (about its applications); newest first."""
    rows = await conn.fetch(
        """SELECT n.recipient, n.subject, n.kind, n.round, n.campaign, n.sent_at, n.message_id
           FROM notify.notices n
           WHERE n.status = 'sent' AND (
                 ($1 = 'unit' AND (n.recipient LIKE 'unit:%' AND split_part(n.recipient, ':', 3) = $2
                                   OR n.recipient LIKE 'nomination:%' AND EXISTS (
                                      SELECT 1 FROM notify.nominations m WHERE m.nomination_id = n.subject
                                      AND m.unit_id = $2)))
              OR ($1 = 'expert' AND n.recipient LIKE 'expert:%' AND split_part(n.recipient, ':', 3) = $3)
              OR ($1 = 'review_body' AND n.recipient LIKE 'body:%' AND split_part(n.recipient, ':', 3) = $2)
              OR ($1 = 'applicant' AND n.recipient LIKE 'applicant:%' AND EXISTS (
                     SELECT 1 FROM notify.applications a WHERE a.application_id = n.subject AND a.applicant_id = $2)))
           ORDER BY n.sent_at DESC, n.id DESC LIMIT $4""", role, org, sub, limit)
    return [dict(r) for r in rows]


async def outbox_keys(conn: asyncpg.Connection, keys: list[tuple[str, str, str, int]]) -> set[tuple[str, str, str, int]]:
    """Which of these notice keys are in the outbox already (made before: not to be sent again)."""
    if not keys:
        return set()
    rows = await conn.fetch(
        """SELECT recipient, subject, kind, round FROM notify.notices
           WHERE (recipient, subject, kind, round) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]))""",
        [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys], [k[3] for k in keys])
    return {(r["recipient"], r["subject"], r["kind"], r["round"]) for r in rows}


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
    """The address a message went to, 已删除 once its expert or objector was erased (their recipient is their person id)."""
    keys = await privacy.keys_of(conn, [r["recipient"] for r in rows
                                        if (r["recipient"] or "").startswith(("expert:", "objector:", "applicant:"))])
    return [{**r, "address": ERASED} if r["recipient"] in keys and keys[r["recipient"]] is None and r["address"] else r
            for r in rows]
