"""asyncpg adapter for the review's write side: load the state a command decides on, save the state
its events leave (folded by domain/evolve.py; no rules here). Facts from other services (a nomination's
content, its quota decision, its unit's name) come from the review's own projection of the log
(services/review/views/), never another service's tables; the review's own facts (screening, plans,
seats, scores) from its write-side tables, saved in the command's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from uuid import UUID

import asyncpg
import orjson

from contracts.events import FinalDecisionRecorded, ReviewPlanFiled
from eventlog import privacy
from eventlog.ddl import apply_sql_file

from .domain.commands import RecordScore
from .domain.conflicts import Organisation
from .domain.final import DecisionState, SittingState
from .domain.model import (NominationFacts, NominationStanding, PanelSeat, PlanReceipt, Ranked, RecordedScore, Returned,
                           ScoreState, Screening, ScreeningState, TargetState)
from .domain.parties import parties_of
from .domain.targets import Target
from .domain.withdrawals import Answered, WithdrawalState

V = "review_views"  # the projection's live schema


async def ensure_schema(conn: asyncpg.Connection) -> None:
    await apply_sql_file(conn, __package__, "schema.sql")
    await privacy.ensure_schema(conn)  # the roster experts' keys


# --- facts -------------------------------------------------------------------------------------

_FACTS = f"""
SELECT n.nomination_id, n.campaign, n.unit_id, n.list_code, n.domain, n.title, n.form, n.submitted_at,
       n.withdrawn_at IS NOT NULL AS withdrawn, n.quota_outcome = 'reserved' AS holds_slot,
       coalesce(u.name, n.unit_id) AS unit_name, s.passed AS screened,
       coalesce(n.resubmitted_round, 0) AS resubmitted_round
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
        parties=parties_of(str(r["nomination_id"]), r["list_code"], form, Organisation(r["unit_name"])),
        resubmitted_round=r["resubmitted_round"])


# --- screening -----------------------------------------------------------------------------------

async def load_screening(conn: asyncpg.Connection, nomination_id: UUID) -> ScreeningState:
    facts = (await facts_of(conn, [nomination_id])).get(nomination_id)
    recorded = (await load_recorded_screenings(conn, [nomination_id])).get(nomination_id)
    return ScreeningState(facts, *recorded[1:]) if recorded else ScreeningState(facts, None)


async def load_recorded_screenings(conn: asyncpg.Connection,
                                   nomination_ids: Iterable[UUID]) -> dict[UUID, ScreeningState]:
    """The screenings (and returns for correction) on record, without the facts (which the review's
    projection holds)."""
    ids = list(nomination_ids)
    rows = await conn.fetch("SELECT nomination_id, campaign, passed, event_id FROM review.screenings "
                            "WHERE nomination_id = ANY($1::uuid[])", ids)
    returns = await conn.fetch("SELECT nomination_id, campaign, round, correction_due_at, event_id "
                               "FROM review.returns WHERE nomination_id = ANY($1::uuid[])", ids)
    states = {r["nomination_id"]: ScreeningState(None, r["passed"], Screening(**dict(r))) for r in rows}
    for r in returns:
        state = states.get(r["nomination_id"], ScreeningState(None, None))
        states[r["nomination_id"]] = state._replace(returned=Returned(**dict(r)))
    return states


async def save_screenings(conn: asyncpg.Connection, changes: Iterable[tuple[ScreeningState, ScreeningState]]) -> None:
    changes = list(changes)
    new = sorted((a.record.nomination_id, a.record.campaign, a.record.passed, a.record.event_id)
                 for b, a in changes if a.record is not None and a.record != b.record)
    if new:
        await conn.executemany("INSERT INTO review.screenings (nomination_id, campaign, passed, event_id) "
                               "VALUES ($1, $2, $3, $4)", new)
    returned = sorted((a.returned.nomination_id, a.returned.campaign, a.returned.round, a.returned.correction_due_at,
                       a.returned.event_id) for b, a in changes if a.returned is not None and a.returned != b.returned)
    if returned:  # the last return replaces the one before
        await conn.executemany(
            "INSERT INTO review.returns (nomination_id, campaign, round, correction_due_at, event_id) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (nomination_id) DO UPDATE SET round = EXCLUDED.round, "
            "correction_due_at = EXCLUDED.correction_due_at, event_id = EXCLUDED.event_id", returned)


# --- withdrawals during the review ------------------------------------------------------------------

async def load_withdrawal(conn: asyncpg.Connection, nomination_id: UUID) -> WithdrawalState:
    facts = (await facts_of(conn, [nomination_id])).get(nomination_id)
    requested = await conn.fetchval(f"SELECT withdrawal_requested_at IS NOT NULL FROM {V}.nominations "
                                    "WHERE nomination_id = $1", nomination_id)
    answered = (await load_recorded_withdrawals(conn, [nomination_id])).get(nomination_id)
    return WithdrawalState(facts, bool(requested), answered.answered if answered else None)


async def load_recorded_withdrawals(conn: asyncpg.Connection,
                                    nomination_ids: Iterable[UUID]) -> dict[UUID, WithdrawalState]:
    """The answers on record, without the nominations' facts (which a restore has not)."""
    rows = await conn.fetch("SELECT nomination_id, campaign, granted, reason, event_id FROM review.withdrawals "
                            "WHERE nomination_id = ANY($1::uuid[])", list(nomination_ids))
    return {r["nomination_id"]: WithdrawalState(None, True, Answered(**dict(r))) for r in rows}


async def save_withdrawals(conn: asyncpg.Connection,
                           changes: Iterable[tuple[WithdrawalState, WithdrawalState]]) -> None:
    new = sorted((a.answered.nomination_id, a.answered.campaign, a.answered.granted, a.answered.reason,
                  a.answered.event_id) for b, a in changes if a.answered is not None and a.answered != b.answered)
    if new:
        await conn.executemany("INSERT INTO review.withdrawals (nomination_id, campaign, granted, reason, event_id) "
                               "VALUES ($1, $2, $3, $4, $5)", new)


# --- targets ---------------------------------------------------------------------------------------

_PLANS: dict[UUID, ReviewPlanFiled] = {}  # plans never change once filed (a new filing is a new event)


async def load_target(conn: asyncpg.Connection, target: Target, seat: tuple[UUID, str] | None = None) -> TargetState:
    """The target's state; with `seat`, only that one seat of its panel (all a score needs)."""
    row = await conn.fetchrow("SELECT plan_event_id, confirmed_by, scored, results_event_id, receipt_event_id, "
                              "plan_returned FROM review.targets WHERE target_key = $1", target.key)
    if seat is None:
        seats = await conn.fetch("SELECT nomination_id, expert_id, active, conflict FROM review.seats "
                                 "WHERE target_key = $1", target.key)
    else:
        seats = await conn.fetch("SELECT nomination_id, expert_id, active, conflict FROM review.seats "
                                 "WHERE nomination_id = $1 AND expert_id = $2", *seat)
    panel = {(s["nomination_id"], s["expert_id"]): PanelSeat(s["active"], s["conflict"]) for s in seats}
    short, re_reviews = (frozenset(), frozenset()) if seat is not None else (
        await _nominations_in(conn, "shortfalls", target), await _nominations_in(conn, "re_reviews", target))
    if row is None:
        return TargetState(target, seats=panel, short=short, re_reviews=re_reviews)
    ranked = {}
    if seat is None and row["results_event_id"] is not None:  # ranked only with the results, in one command
        ranked = {r["nomination_id"]: Ranked(r["rank"], r["event_id"]) for r in await conn.fetch(
            "SELECT nomination_id, rank, event_id FROM review.ranked WHERE target_key = $1", target.key)}
    plan = await _plan(conn, target, row["plan_event_id"])
    receipt = None if row["receipt_event_id"] is None else PlanReceipt(row["receipt_event_id"], row["plan_returned"])
    return TargetState(target, plan, row["confirmed_by"], row["scored"], row["results_event_id"], panel, ranked, short,
                       re_reviews, receipt)


async def _nominations_in(conn: asyncpg.Connection, table: str, target: Target) -> frozenset[UUID]:
    """The target's nominations listed in review.`table` (shortfalls, re_reviews: sets of nominations)."""
    return frozenset(r["nomination_id"] for r in await conn.fetch(
        f"SELECT nomination_id FROM review.{table} WHERE target_key = $1", target.key))


async def _save_set(conn: asyncpg.Connection, table: str, key: str, before: frozenset, after: frozenset) -> None:
    added, removed = sorted(after - before), sorted(before - after)
    if added:
        await conn.executemany(f"INSERT INTO review.{table} (nomination_id, target_key) VALUES ($1, $2) "
                               "ON CONFLICT (nomination_id) DO NOTHING", [(n, key) for n in added])
    if removed:
        await conn.execute(f"DELETE FROM review.{table} WHERE nomination_id = ANY($1::uuid[])", removed)


async def _plan(conn: asyncpg.Connection, target: Target, event_id: UUID | None) -> ReviewPlanFiled | None:
    if event_id is None:
        return None
    if event_id not in _PLANS:
        raw = await conn.fetchval("SELECT plan FROM review.targets WHERE target_key = $1", target.key)
        _PLANS[event_id] = ReviewPlanFiled.model_validate_json(raw)
    return _PLANS[event_id]


async def save_target(conn: asyncpg.Connection, before: TargetState, after: TargetState) -> None:
    """What `after` changed of the target `before` was: its row, the seats changed, the nominations ranked."""
    if after == before:
        return
    key = after.target.key
    plan = after.plan
    await conn.execute(
        "INSERT INTO review.targets (target_key, plan, plan_event_id, confirmed_by, scored, results_event_id, "
        "receipt_event_id, plan_returned) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (target_key) DO UPDATE "
        "SET plan = EXCLUDED.plan, plan_event_id = EXCLUDED.plan_event_id, confirmed_by = EXCLUDED.confirmed_by, "
        "scored = EXCLUDED.scored, results_event_id = EXCLUDED.results_event_id, "
        "receipt_event_id = EXCLUDED.receipt_event_id, plan_returned = EXCLUDED.plan_returned",
        key, plan.model_dump_json() if plan else None, plan.event_id if plan else None, after.confirmed_by,
        after.scored, after.results_event_id, after.receipt.event_id if after.receipt else None,
        after.receipt.returned if after.receipt else None)
    seats = sorted((n, x, key, s.active, s.conflict) for (n, x), s in after.seats.items()
                   if before.seats.get((n, x)) != s)
    if seats:
        await conn.executemany(
            "INSERT INTO review.seats (nomination_id, expert_id, target_key, active, conflict) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (nomination_id, expert_id) "
            "DO UPDATE SET active = EXCLUDED.active, conflict = EXCLUDED.conflict",
            seats)
    await _save_set(conn, "shortfalls", key, before.short, after.short)
    await _save_set(conn, "re_reviews", key, before.re_reviews, after.re_reviews)
    ranked = sorted((n, key, r.rank, r.event_id) for n, r in after.ranked.items() if n not in before.ranked)
    if ranked:
        await conn.executemany("INSERT INTO review.ranked (nomination_id, target_key, rank, event_id) "
                               "VALUES ($1, $2, $3, $4)", ranked)


# --- scores ------------------------------------------------------------------------------------------

# Everything a score decides on, for many scores in one query: the target's plan and standing, the seat,
# what the expert last recorded (the review's own tables: all a restore has), and where the nomination
# stands (as _FACTS reads it).
_SEAT_COLUMNS = """t.target_key IS NOT NULL AS has_target, t.plan_event_id, t.confirmed_by,
       coalesce(t.scored, false) AS scored, t.results_event_id, st.active, st.conflict, sc.scores AS recorded,
       sc.total, sc.event_id, sc.revision, rr.nomination_id IS NOT NULL AS under_re_review"""
_SEATS = """FROM unnest($1::text[], $2::uuid[], $3::text[]) WITH ORDINALITY
     AS x(target_key, nomination_id, expert_id, i)
LEFT JOIN review.targets t ON t.target_key = x.target_key
LEFT JOIN review.seats st ON st.nomination_id = x.nomination_id AND st.expert_id = x.expert_id
LEFT JOIN review.scores sc ON sc.nomination_id = x.nomination_id AND sc.expert_id = x.expert_id
LEFT JOIN review.re_reviews rr ON rr.nomination_id = x.nomination_id"""
_SCORES = f"""
SELECT {_SEAT_COLUMNS},
       n.nomination_id, n.campaign, n.list_code, n.domain, n.withdrawn_at IS NOT NULL AS withdrawn,
       n.quota_outcome = 'reserved' AS holds_slot, s.passed AS screened
{_SEATS}
LEFT JOIN {V}.nominations n ON n.nomination_id = x.nomination_id AND n.submitted_at IS NOT NULL
LEFT JOIN review.screenings s ON s.nomination_id = n.nomination_id
ORDER BY x.i"""
_RECORDED_SCORES = f"SELECT {_SEAT_COLUMNS} {_SEATS} ORDER BY x.i"

ScoreSeat = tuple[Target, UUID, str]  # (target, nomination id, expert id)


async def load_scores(conn: asyncpg.Connection, cmds: Sequence[RecordScore]) -> list[ScoreState]:
    """Each command's standing (its seat only of the target's panel: all a score needs), in one query."""
    return await _score_states(conn, _SCORES, [(c.target, c.nomination_id, c.by.sub) for c in cmds], standing=True)


async def load_recorded_scores(conn: asyncpg.Connection, seats: Sequence[ScoreSeat]) -> list[ScoreState]:
    """`load_scores` without the nominations' standing (which the review's projection holds)."""
    return await _score_states(conn, _RECORDED_SCORES, seats, standing=False)


async def _score_states(conn: asyncpg.Connection, sql: str, seats: Sequence[ScoreSeat],
                        standing: bool) -> list[ScoreState]:
    rows = await conn.fetch(sql, [t.key for t, _, _ in seats], [n for _, n, _ in seats], [x for _, _, x in seats])
    plans = {r["plan_event_id"]: t for r, (t, _, _) in zip(rows, seats) if r["plan_event_id"]}
    for event_id, target in plans.items():
        await _plan(conn, target, event_id)
    return [_score_state(seat, r, standing) for seat, r in zip(seats, rows)]


def _score_state(at: ScoreSeat, r: asyncpg.Record, with_standing: bool) -> ScoreState:
    target_of, nomination_id, expert_id = at
    seat = {} if r["active"] is None else {(nomination_id, expert_id): PanelSeat(r["active"], r["conflict"])}
    target = (TargetState(target_of, _PLANS[r["plan_event_id"]] if r["plan_event_id"] else None, r["confirmed_by"],
                          r["scored"], r["results_event_id"], seat)
              if r["has_target"] else TargetState(target_of, seats=seat))
    recorded = RecordedScore(nomination_id, expert_id, {k: Decimal(v) for k, v in orjson.loads(r["recorded"]).items()},
                             r["total"], r["event_id"], r["revision"]) if r["recorded"] else None
    standing = NominationStanding(r["nomination_id"], Target(r["campaign"], r["list_code"], r["domain"]),
                                  bool(r["holds_slot"]), r["withdrawn"], r["screened"]) \
        if with_standing and r["nomination_id"] else None
    return ScoreState(target, standing, recorded, r["under_re_review"])


async def save_scores(conn: asyncpg.Connection, changes: Sequence[tuple[ScoreState, ScoreState]]) -> None:
    """Save every score of a group (in order: a seat's last one wins), and mark the targets scored (their
    plan is locked from now on)."""
    last: dict[tuple[UUID, str], tuple[RecordedScore, str]] = {}
    first_scores: set[str] = set()
    for before, after in changes:
        if after.recorded is None or after.recorded == before.recorded:
            continue
        key = after.target.target.key
        last[(after.recorded.nomination_id, after.recorded.expert_id)] = (after.recorded, key)
        if after.target.scored and not before.target.scored:
            first_scores.add(key)
    rows = [last[seat] for seat in sorted(last)]
    if rows:
        await conn.execute(
            "INSERT INTO review.scores (nomination_id, expert_id, target_key, scores, total, event_id, revision) "
            "SELECT n, x, k, s::jsonb, t, e, v FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], "
            "$5::numeric[], $6::uuid[], $7::integer[]) AS r(n, x, k, s, t, e, v) "
            "ON CONFLICT (nomination_id, expert_id) DO UPDATE SET "
            "scores = EXCLUDED.scores, total = EXCLUDED.total, event_id = EXCLUDED.event_id, "
            "revision = EXCLUDED.revision",
            [r.nomination_id for r, _ in rows], [r.expert_id for r, _ in rows], [k for _, k in rows],
            [orjson.dumps({c: str(v) for c, v in r.scores.items()}).decode() for r, _ in rows],
            [r.total for r, _ in rows], [r.event_id for r, _ in rows], [r.revision for r, _ in rows])
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
    """Where the nomination stands for the final review: in submitted results (its target), listed by a
    public notice or not, and the decision last recorded."""
    return (await load_decisions(conn, [nomination_id]))[nomination_id]


async def load_decisions(conn: asyncpg.Connection, nomination_ids: Sequence[UUID]) -> dict[UUID, DecisionState]:
    """`load_decision` for many nominations in one statement (a committee sitting's)."""
    rows = await conn.fetch(f"""
        SELECT i.nomination_id, r.target_key, d.decision, n.noticed_at IS NOT NULL AS noticed,
               n.withdrawn_at IS NOT NULL AS withdrawn
        FROM unnest($1::uuid[]) AS i(nomination_id)
        LEFT JOIN review.ranked r ON r.nomination_id = i.nomination_id
        LEFT JOIN review.decisions d ON d.nomination_id = i.nomination_id
        LEFT JOIN {V}.nominations n ON n.nomination_id = i.nomination_id""",
                            list(nomination_ids))
    states = {}
    for row in rows:
        last = FinalDecisionRecorded.model_validate_json(row["decision"]) if row["decision"] else None
        if row["target_key"] is None:
            states[row["nomination_id"]] = DecisionState(None, False, last)
            continue
        campaign, list_code, domain = row["target_key"].split(":", 2)
        states[row["nomination_id"]] = DecisionState(Target(campaign, list_code, domain or None), bool(row["noticed"]),
                                                     last, bool(row["withdrawn"]))
    return states


async def load_sitting(conn: asyncpg.Connection, nomination_ids: Sequence[UUID]) -> SittingState:
    return SittingState(await load_decisions(conn, nomination_ids))


async def load_recorded_decisions(conn: asyncpg.Connection,
                                  nomination_ids: Iterable[UUID]) -> dict[UUID, DecisionState]:
    """The decisions on record, without the nominations' targets and notices (which a restore has not)."""
    rows = await conn.fetch("SELECT nomination_id, decision FROM review.decisions "
                            "WHERE nomination_id = ANY($1::uuid[])", list(nomination_ids))
    return {r["nomination_id"]: DecisionState(None, False, FinalDecisionRecorded.model_validate_json(r["decision"]))
            for r in rows}


async def save_decisions(conn: asyncpg.Connection, changes: Iterable[tuple[DecisionState, DecisionState]]) -> None:
    """The latest decision per nomination (one statement for a whole sitting)."""
    decided = {a.last.nomination_id: a.last for b, a in changes if a.last is not None and a.last is not b.last}
    if decided:
        rows = [decided[n] for n in sorted(decided)]
        await conn.execute("INSERT INTO review.decisions (nomination_id, revision, decision) "
                           "SELECT n, r, d::jsonb FROM unnest($1::uuid[], $2::int[], $3::text[]) AS x(n, r, d) "
                           "ON CONFLICT (nomination_id) DO UPDATE SET revision = EXCLUDED.revision, "
                           "decision = EXCLUDED.decision",
                           [e.nomination_id for e in rows], [e.revision for e in rows],
                           [e.model_dump_json() for e in rows])
