"""asyncpg adapter for the review's write side: load the state a command decides on, save what its
events change. Facts from other services (a nomination's content, its quota decision, its unit's name)
come from the review's own projection of the log (services/review/views/), never another service's
tables; the review's own facts (screening, plans, seats, scores) from its write-side tables, saved in
the command's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal
from uuid import UUID

import asyncpg
import orjson

from contracts.events import (ConflictDeclared, Event, ExpertAssigned, ExpertScoreRecorded, ExpertUnassigned,
                              FinalDecisionRecorded, NominationScreened, PrelimResultsSubmitted, PrelimScored,
                              ReviewPlanConfirmed, ReviewPlanFiled)
from eventlog.ddl import apply_sql_file

from .domain.commands import RecordScore
from .domain.conflicts import Organisation
from .domain.final import DecisionState, SittingState
from .domain.model import NominationFacts, NominationStanding, PanelSeat, ScoreState, TargetState
from .domain.parties import parties_of
from .domain.targets import Target

V = "review_views"  # the projection's live schema


async def ensure_schema(conn: asyncpg.Connection) -> None:
    await apply_sql_file(conn, __package__, "schema.sql")


# --- facts -------------------------------------------------------------------------------------

_FACTS = f"""
SELECT n.nomination_id, n.campaign, n.unit_id, n.list_code, n.domain, n.title, n.form, n.submitted_at,
       n.withdrawn_at IS NOT NULL AS withdrawn, n.quota_outcome = 'reserved' AS holds_slot,
       coalesce(u.name, n.unit_id) AS unit_name, s.passed AS screened
FROM {V}.nominations n
LEFT JOIN {V}.units u ON u.campaign = n.campaign AND u.unit_id = n.unit_id
LEFT JOIN review.screenings s ON s.nomination_id = n.nomination_id
WHERE n.submitted_at IS NOT NULL AND """


async def facts_of_target(conn: asyncpg.Connection, target: Target) -> dict[UUID, NominationFacts]:
    rows = await conn.fetch(_FACTS + "n.campaign = $1 AND n.list_code = $2 AND n.domain IS NOT DISTINCT FROM $3",
                            target.campaign, target.list_code, target.domain)
    return {r["nomination_id"]: _facts(r) for r in rows}


async def facts_of(conn: asyncpg.Connection, nomination_ids: Iterable[UUID]) -> dict[UUID, NominationFacts]:
    rows = await conn.fetch(_FACTS + "n.nomination_id = ANY($1::uuid[])", list(nomination_ids))
    return {r["nomination_id"]: _facts(r) for r in rows}


def _facts(r: asyncpg.Record) -> NominationFacts:
    form = r["form"] if isinstance(r["form"], dict) else orjson.loads(r["form"] or "{}")
    return NominationFacts(
        nomination_id=r["nomination_id"], target=Target(r["campaign"], r["list_code"], r["domain"]),
        unit_id=r["unit_id"], title=r["title"], submitted_at=r["submitted_at"], holds_slot=bool(r["holds_slot"]),
        withdrawn=r["withdrawn"], screened=r["screened"],
        parties=parties_of(str(r["nomination_id"]), r["list_code"], form, Organisation(r["unit_name"])))


# --- screening -----------------------------------------------------------------------------------

async def load_screening(conn: asyncpg.Connection, nomination_id: UUID) -> tuple[NominationFacts | None, bool | None]:
    facts = (await facts_of(conn, [nomination_id])).get(nomination_id)
    return facts, facts.screened if facts else None


async def save_screening(conn: asyncpg.Connection, state, events: Sequence[Event]) -> None:
    for e in events:
        if isinstance(e, NominationScreened):
            await conn.execute("INSERT INTO review.screenings (nomination_id, campaign, passed, event_id) "
                               "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                               e.nomination_id, e.campaign, e.passed, e.event_id)


# --- targets ---------------------------------------------------------------------------------------

_PLANS: dict[UUID, ReviewPlanFiled] = {}  # plans never change once filed (a new filing is a new event)


async def load_target(conn: asyncpg.Connection, target: Target, seat: tuple[UUID, str] | None = None) -> TargetState:
    """The target's state; with `seat`, only that one seat of its panel (all a score needs)."""
    row = await conn.fetchrow("SELECT plan_event_id, confirmed_by, scored, results_event_id FROM review.targets "
                              "WHERE target_key = $1", target.key)
    if seat is None:
        seats = await conn.fetch("SELECT nomination_id, expert_id, active, conflict FROM review.seats "
                                 "WHERE target_key = $1", target.key)
    else:
        seats = await conn.fetch("SELECT nomination_id, expert_id, active, conflict FROM review.seats "
                                 "WHERE nomination_id = $1 AND expert_id = $2", *seat)
    panel = {(s["nomination_id"], s["expert_id"]): PanelSeat(s["active"], s["conflict"]) for s in seats}
    if row is None:
        return TargetState(target, seats=panel)
    plan = await _plan(conn, target, row["plan_event_id"])
    return TargetState(target, plan, row["confirmed_by"], row["scored"], row["results_event_id"], panel)


async def _plan(conn: asyncpg.Connection, target: Target, event_id: UUID | None) -> ReviewPlanFiled | None:
    if event_id is None:
        return None
    if event_id not in _PLANS:
        raw = await conn.fetchval("SELECT plan FROM review.targets WHERE target_key = $1", target.key)
        _PLANS[event_id] = ReviewPlanFiled.model_validate_json(raw)
    return _PLANS[event_id]


async def save_target(conn: asyncpg.Connection, state: TargetState, events: Sequence[Event]) -> None:
    key = state.target.key
    await conn.execute("INSERT INTO review.targets (target_key) VALUES ($1) ON CONFLICT DO NOTHING", key)
    seats: dict[tuple[UUID, str], tuple[bool, str | None]] = {}
    for e in events:  # in order: a conflict after an assignment in one command ends the seat
        match e:
            case ReviewPlanFiled():
                await conn.execute("UPDATE review.targets SET plan = $2, plan_event_id = $3, confirmed_by = NULL "
                                   "WHERE target_key = $1", key, e.model_dump_json(), e.event_id)
            case ReviewPlanConfirmed():
                await conn.execute("UPDATE review.targets SET confirmed_by = $2 WHERE target_key = $1", key, e.body_code)
            case PrelimResultsSubmitted():
                await conn.execute("UPDATE review.targets SET results_event_id = $2 WHERE target_key = $1",
                                   key, e.event_id)
            case PrelimScored():
                await conn.execute("INSERT INTO review.ranked (nomination_id, target_key, rank, event_id) "
                                   "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", e.nomination_id, key, e.rank,
                                   e.event_id)
            case ExpertAssigned():
                seats[(e.nomination_id, e.expert_id)] = (True, None)
            case ExpertUnassigned():
                old = seats.get((e.nomination_id, e.expert_id)) or _seat(state, e)
                seats[(e.nomination_id, e.expert_id)] = (False, old[1])
            case ConflictDeclared():
                seats[(e.nomination_id, e.expert_id)] = (False, e.reason_code)
    if seats:
        rows = sorted((n, x, key, active, conflict) for (n, x), (active, conflict) in seats.items())
        await conn.executemany(
            "INSERT INTO review.seats (nomination_id, expert_id, target_key, active, conflict) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (nomination_id, expert_id) DO UPDATE SET active = EXCLUDED.active, "
            "conflict = coalesce(review.seats.conflict, EXCLUDED.conflict)", rows)


def _seat(state: TargetState, e) -> tuple[bool, str | None]:
    seat = state.seats.get((e.nomination_id, e.expert_id))
    return (seat.active, seat.conflict) if seat else (False, None)


# --- scores ------------------------------------------------------------------------------------------

# Everything a score decides on, for many scores in one query: the target's plan and standing, the seat,
# what the expert last recorded, and where the nomination stands (as _FACTS reads it).
_SCORES = f"""
SELECT t.target_key IS NOT NULL AS has_target, t.plan_event_id, t.confirmed_by, coalesce(t.scored, false) AS scored,
       t.results_event_id, st.active, st.conflict, sc.scores AS recorded,
       n.nomination_id, n.campaign, n.list_code, n.domain, n.withdrawn_at IS NOT NULL AS withdrawn,
       n.quota_outcome = 'reserved' AS holds_slot, s.passed AS screened
FROM unnest($1::text[], $2::uuid[], $3::text[]) WITH ORDINALITY AS x(target_key, nomination_id, expert_id, i)
LEFT JOIN review.targets t ON t.target_key = x.target_key
LEFT JOIN review.seats st ON st.nomination_id = x.nomination_id AND st.expert_id = x.expert_id
LEFT JOIN review.scores sc ON sc.nomination_id = x.nomination_id AND sc.expert_id = x.expert_id
LEFT JOIN {V}.nominations n ON n.nomination_id = x.nomination_id AND n.submitted_at IS NOT NULL
LEFT JOIN review.screenings s ON s.nomination_id = n.nomination_id
ORDER BY x.i"""


async def load_scores(conn: asyncpg.Connection, cmds: Sequence[RecordScore]) -> list[ScoreState]:
    """Each command's standing (its seat only of the target's panel: all a score needs), in one query."""
    rows = await conn.fetch(_SCORES, [c.target.key for c in cmds], [c.nomination_id for c in cmds],
                            [c.by.sub for c in cmds])
    plans = {r["plan_event_id"]: t for r, t in zip(rows, (c.target for c in cmds)) if r["plan_event_id"]}
    for event_id, target in plans.items():
        await _plan(conn, target, event_id)
    return [_score_state(cmd, r) for cmd, r in zip(cmds, rows)]


def _score_state(cmd: RecordScore, r: asyncpg.Record) -> ScoreState:
    seat = {} if r["active"] is None else {(cmd.nomination_id, cmd.by.sub): PanelSeat(r["active"], r["conflict"])}
    target = (TargetState(cmd.target, _PLANS[r["plan_event_id"]] if r["plan_event_id"] else None, r["confirmed_by"],
                          r["scored"], r["results_event_id"], seat)
              if r["has_target"] else TargetState(cmd.target, seats=seat))
    recorded = {k: Decimal(v) for k, v in orjson.loads(r["recorded"]).items()} if r["recorded"] else None
    standing = NominationStanding(r["nomination_id"], Target(r["campaign"], r["list_code"], r["domain"]),
                                  bool(r["holds_slot"]), r["withdrawn"], r["screened"]) if r["nomination_id"] else None
    return ScoreState(target, standing, recorded)


def score_recorded(state: ScoreState, events: Sequence[Event]) -> ScoreState:
    """The standing after a score's events: the scores recorded, the plan locked."""
    for e in events:
        if isinstance(e, ExpertScoreRecorded):
            state = replace(state, target=replace(state.target, scored=True), recorded=dict(e.scores))
    return state


async def save_scores(conn: asyncpg.Connection, decided: Sequence[tuple[ScoreState, Sequence[Event]]]) -> None:
    """Save every score of a group (a seat's last one wins), and mark the targets scored (their plan is
    locked from now on)."""
    last: dict[tuple[UUID, str], tuple[ExpertScoreRecorded, str]] = {}
    first_scores: set[str] = set()
    for state, events in decided:
        for e in events:
            if isinstance(e, ExpertScoreRecorded):
                last[(e.nomination_id, e.expert_id)] = (e, state.target.target.key)
                if not state.target.scored:
                    first_scores.add(state.target.target.key)
    rows = [last[seat] for seat in sorted(last)]
    if rows:
        await conn.execute(
            "INSERT INTO review.scores (nomination_id, expert_id, target_key, scores, total, event_id) "
            "SELECT n, x, k, s::jsonb, t, e FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::numeric[], "
            "$6::uuid[]) AS r(n, x, k, s, t, e) ON CONFLICT (nomination_id, expert_id) DO UPDATE SET "
            "scores = EXCLUDED.scores, total = EXCLUDED.total, event_id = EXCLUDED.event_id",
            [e.nomination_id for e, _ in rows], [e.expert_id for e, _ in rows], [k for _, k in rows],
            [orjson.dumps({c: str(v) for c, v in e.scores.items()}).decode() for e, _ in rows],
            [e.total for e, _ in rows], [e.event_id for e, _ in rows])
    if first_scores:
        await conn.execute("INSERT INTO review.targets (target_key, scored) SELECT unnest($1::text[]), true "
                           "ON CONFLICT (target_key) DO UPDATE SET scored = true WHERE NOT review.targets.scored",
                           sorted(first_scores))


async def totals_of(conn: asyncpg.Connection, target: Target) -> dict[tuple[UUID, str], Decimal]:
    rows = await conn.fetch("SELECT nomination_id, expert_id, total FROM review.scores WHERE target_key = $1",
                            target.key)
    return {(r["nomination_id"], r["expert_id"]): r["total"] for r in rows}


# --- final review ----------------------------------------------------------------------------------

async def load_decision(conn: asyncpg.Connection, nomination_id: UUID) -> DecisionState:
    """Where the nomination stands for the final review: in submitted results (its target), the list's
    notice opened or not, and the decision last recorded."""
    return (await load_decisions(conn, [nomination_id]))[nomination_id]


async def load_decisions(conn: asyncpg.Connection, nomination_ids: Sequence[UUID]) -> dict[UUID, DecisionState]:
    """`load_decision` for many nominations in one statement (a committee sitting's)."""
    rows = await conn.fetch(f"""
        SELECT i.nomination_id, r.target_key, d.decision, n.notice_opened_at IS NOT NULL AS opened
        FROM unnest($1::uuid[]) AS i(nomination_id)
        LEFT JOIN review.ranked r ON r.nomination_id = i.nomination_id
        LEFT JOIN review.decisions d ON d.nomination_id = i.nomination_id
        LEFT JOIN {V}.notices n ON (n.campaign, n.list_code) = (split_part(r.target_key, ':', 1),
                                                                split_part(r.target_key, ':', 2))""",
                            list(nomination_ids))
    states = {}
    for row in rows:
        last = FinalDecisionRecorded.model_validate_json(row["decision"]) if row["decision"] else None
        if row["target_key"] is None:
            states[row["nomination_id"]] = DecisionState(None, False, last)
            continue
        campaign, list_code, domain = row["target_key"].split(":", 2)
        states[row["nomination_id"]] = DecisionState(Target(campaign, list_code, domain or None), bool(row["opened"]),
                                                     last)
    return states


async def load_sitting(conn: asyncpg.Connection, nomination_ids: Sequence[UUID]) -> SittingState:
    return SittingState(await load_decisions(conn, nomination_ids))


async def save_decision(conn: asyncpg.Connection, state, events: Sequence[Event]) -> None:
    """The latest decision per nomination (one statement for a whole sitting)."""
    decided = [e for e in events if isinstance(e, FinalDecisionRecorded)]
    if decided:
        await conn.execute("INSERT INTO review.decisions (nomination_id, revision, decision) "
                           "SELECT n, r, d::jsonb FROM unnest($1::uuid[], $2::int[], $3::text[]) AS x(n, r, d) "
                           "ON CONFLICT (nomination_id) DO UPDATE SET revision = EXCLUDED.revision, "
                           "decision = EXCLUDED.decision",
                           [e.nomination_id for e in decided], [e.revision for e in decided],
                           [e.model_dump_json() for e in decided])