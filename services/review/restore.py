"""The review's write-side tables restored from the log (`kczg state verify review`): every event its
commands decided, folded by the same domain/evolve.py the commands' saves use into the state loaded
from the restored tables (the review's own: the projection's facts are no part of it), and persisted
by the same store functions, in log order."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

import asyncpg

from contracts.events import (ConflictDeclared, Event, ExpertAssigned, ExpertScoreRecorded, ExpertUnassigned,
                              FinalDecisionRecorded, NominationReturned, NominationScreened, PlanAcknowledged,
                              PlanReturned, PrelimResultsSubmitted,
                              PrelimScored, ReReviewClosed, ReReviewOpened, ReviewPlanConfirmed, ReviewPlanFiled,
                              SeatShortfallRecorded, NominationWithdrawn, WithdrawalRefused)
from contracts.topics import NOMINATIONS, REVIEW
from eventlog.verify.state_compare import StateTable
from eventlog.verify.state_replay import from_events
from eventlog.verify.state_verify import ServiceState

from . import store
from .domain.evolve import evolve_decision, evolve_score, evolve_screening, evolve_target
from .domain.final import DecisionState
from .domain.model import ScreeningState
from .domain.targets import Target
from .domain.withdrawals import WithdrawalState, evolve_withdrawal

TARGET_EVENTS = (ReviewPlanFiled, ReviewPlanConfirmed, PrelimResultsSubmitted, PrelimScored, ExpertAssigned,
                 ExpertUnassigned, ConflictDeclared, SeatShortfallRecorded, ReReviewOpened, ReReviewClosed,
                 PlanAcknowledged, PlanReturned)


def _target(e: Event) -> Target:
    campaign, list_code, domain = e.key.split(":", 2)  # review events are keyed by their target
    return Target(campaign, list_code, domain or None)


def _run_of(e: Event) -> str | None:
    """The kind of aggregate an event changes (a target's events by target): consecutive ones are restored together."""
    if isinstance(e, TARGET_EVENTS):
        return f"target:{e.key}"
    if isinstance(e, (NominationScreened, NominationReturned)):
        return "screening"
    if isinstance(e, WithdrawalRefused) or (isinstance(e, NominationWithdrawn) and e.actor.role == "secretariat"):
        return "withdrawal"  # a withdrawal the secretariat granted or refused (a unit's own is the intake's)
    return type(e).__name__ if isinstance(e, (ExpertScoreRecorded, FinalDecisionRecorded)) else None


async def restore(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    for kind, run in groupby(events, key=_run_of):
        run = list(run)
        if kind is None:
            continue
        if isinstance(run[0], TARGET_EVENTS):
            before = await store.load_target(conn, _target(run[0]))
            await store.save_target(conn, before, evolve_target(before, run))
        elif isinstance(run[0], ExpertScoreRecorded):
            await _restore_scores(conn, run)
        elif kind == "withdrawal":
            loaded = await store.load_recorded_withdrawals(conn, {e.nomination_id for e in run})
            await store.save_withdrawals(conn, _folded(run, loaded, WithdrawalState(None, True), evolve_withdrawal))
        elif kind == "screening":
            loaded = await store.load_recorded_screenings(conn, {e.nomination_id for e in run})
            await store.save_screenings(conn, _folded(run, loaded, ScreeningState(None, None), evolve_screening))
        else:
            loaded = await store.load_recorded_decisions(conn, {e.nomination_id for e in run})
            await store.save_decisions(conn, _folded(run, loaded, DecisionState(None, False), evolve_decision))


async def _restore_scores(conn: asyncpg.Connection, run: list[Event]) -> None:
    """As the grouped scores are saved: each seat's state loaded once, each score folded on the one before."""
    seats = list(dict.fromkeys((_target(e), e.nomination_id, e.expert_id) for e in run))
    loaded = dict(zip(((n, x) for _, n, x in seats), await store.load_recorded_scores(conn, seats)))
    changes = []
    for e in run:
        before = loaded[(e.nomination_id, e.expert_id)]
        loaded[(e.nomination_id, e.expert_id)] = after = evolve_score(before, [e])
        changes.append((before, after))
    await store.save_scores(conn, changes)


def _folded(run: list[Event], loaded: dict, none_yet, evolve) -> list[tuple]:
    """(state before, state after) of each nomination `run` changes, its events folded in log order."""
    states = {e.nomination_id: loaded.get(e.nomination_id, none_yet) for e in run}
    after = dict(states)
    for e in run:
        after[e.nomination_id] = evolve(after[e.nomination_id], [e])
    return [(states[n], after[n]) for n in states]


STATE = ServiceState(
    service="review",
    topics=(NOMINATIONS, REVIEW),
    tables=tuple(StateTable(f"review.{t}") for t in ("screenings", "returns", "targets", "seats", "shortfalls",
                                                     "re_reviews", "scores", "ranked", "decisions", "withdrawals")),
    set_up=store.ensure_schema,
    apply=from_events("review", restore),
    not_compared=((("review.outbox", "review.idempotency"), "the write side's bookkeeping: events in flight, "
                                                            "answers remembered per Idempotency-Key"),
                  (("review_views.*",), "a projection: `kczg projections verify review.views`"),
                  (("review.plan_documents", "review.plan_document_uploads"), "the plans' document bytes and who "
                   "uploaded them: ReviewPlanFiled carries only the document's reference (name, size, sha256)")),
)
