"""The review's commands as the unit of work runs them (eventlog/write/unit_of_work.py): which aggregates are
locked, how their state is loaded and saved, which facts are gathered, what is answered. The decisions
are the domain's (domain/decide.py, domain/scores.py, domain/screening.py), and so is what their events
do to the state (domain/evolve.py): each save folds the events there and the store persists the result.

Aggregates: a nomination's screening; a target (its plan, panel and results), locked whole by the
commands that change them; one expert's score on one nomination, which holds the target in shared
mode, so scores run side by side while a change to the target waits for them (and, as they arrive many
at a time, many of them share one transaction: eventlog/write/grouped_unit_of_work.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from contracts.campaign import Campaign
from contracts.events import Event
from eventlog import privacy
from eventlog.privacy import KeySealer
from contracts.topics import NOMINATIONS, REVIEW
from eventlog.write.grouped_unit_of_work import BatchSteps, Grouped
from eventlog.write.idempotency import Reply
from eventlog.write.unit_of_work import Command

from . import store
from .domain.commands import (AssignAutomatically, CloseReReview, FilePlan, OpenReReview, RecordScore,
                              ReturnForCorrection, Screen, SubmitResults, TargetCommand)
from .domain.context import ReviewContext
from .domain.decide import decide as decide_target
from .domain.evolve import evolve_decision, evolve_score, evolve_screening, evolve_sitting, evolve_target
from .domain.final import DecisionState, RecordDecision, RecordSitting, SittingState, decide_decision, decide_sitting
from .domain.model import ScoreState, ScreeningState, TargetState
from .domain.plans import roster_people
from .domain.scores import decide_score
from .domain.screening import decide_screening
from .domain.withdrawals import AnswerWithdrawal, WithdrawalState, decide_withdrawal, evolve_withdrawal

Answer = Callable[[object, list[Event]], Reply]


async def _save_screening(conn, state: ScreeningState, events: list[Event]) -> None:
    await store.save_screenings(conn, [(state, evolve_screening(state, events))])


async def _save_target(conn, state: TargetState, events: list[Event]) -> None:
    await store.save_target(conn, state, evolve_target(state, events))


async def _save_scores(conn, decided: Sequence[tuple[ScoreState, list[Event]]]) -> None:
    await store.save_scores(conn, [(state, evolve_score(state, events)) for state, events in decided])


async def _save_decision(conn, state: DecisionState, events: list[Event]) -> None:
    await store.save_decisions(conn, [(state, evolve_decision(state, events))])


async def _save_sitting(conn, state: SittingState, events: list[Event]) -> None:
    after = evolve_sitting(state, events)
    unseen = DecisionState(None, False)
    await store.save_decisions(conn, [(state.decisions.get(n, unseen), d) for n, d in after.decisions.items()])


async def _save_withdrawal(conn, state: WithdrawalState, events: list[Event]) -> None:
    await store.save_withdrawals(conn, [(state, evolve_withdrawal(state, events))])


def withdrawal_step(cmd: AnswerWithdrawal, now: datetime, answer: Answer) -> Command:
    """A unit's request to withdraw, granted or refused: the nomination's withdrawal is the aggregate."""
    return Command(aggregates=[f"withdrawal:{cmd.nomination_id}"], command=cmd, topic=NOMINATIONS,
                   load=lambda conn: store.load_withdrawal(conn, cmd.nomination_id),
                   context=ReviewContext(now), decide=decide_withdrawal, save=_save_withdrawal, answer=answer)


def screening_step(cmd: Screen | ReturnForCorrection, now: datetime, answer: Answer) -> Command:
    return Command(aggregates=[f"screening:{cmd.nomination_id}"], command=cmd, topic=NOMINATIONS,
                   load=lambda conn: store.load_screening(conn, cmd.nomination_id),
                   context=ReviewContext(now), decide=decide_screening, save=_save_screening, answer=answer)


_WITH_TOTALS = (SubmitResults, OpenReReview, CloseReReview)


def target_step(cmd: TargetCommand, campaign: Campaign, now: datetime, answer: Answer) -> Command:
    """A command on a whole target, with the facts of the nominations under it (and, for the results and
    a re-review, every recorded total)."""
    target = cmd.target

    held: list[privacy.HeldKeys] = []  # this attempt's (a retried group gathers again)

    async def gather(conn, state) -> ReviewContext:
        held.clear()
        totals = await store.totals_of(conn, target) if isinstance(cmd, _WITH_TOTALS) else {}
        # a plan's experts' own keys, stored with the roster they seal (a refused filing stores none)
        if people := roster_people(cmd.terms, target.campaign) if isinstance(cmd, FilePlan) else []:
            held.append(await privacy.held_keys(conn, people, target.campaign, now))
        sealer = KeySealer(held[0].keys) if held else None
        return ReviewContext(now, campaign, await store.facts_of_target(conn, target), totals, sealer)

    async def save(conn, state, events: list[Event]) -> None:
        await privacy.store_new_keys(conn, held[0] if held and events else None)
        await _save_target(conn, state, events)

    return Command(aggregates=[f"target:{target.key}"], command=cmd, topic=REVIEW,
                   load=lambda conn: store.load_target(conn, target), gather=gather, decide=decide_target,
                   save=save, answer=answer, offload=isinstance(cmd, AssignAutomatically))


# Scores come many at a time: they run through the grouped unit of work, many to a transaction. The
# answer carries the score as recorded, so it is given on the broker's ack, before the views show it.
SCORES = BatchSteps(topic=REVIEW, load=store.load_scores, decide=decide_score, evolve=evolve_score,
                    save=_save_scores, waits_for_views=False)


def score_step(cmd: RecordScore, campaign: Campaign, now: datetime, answer: Answer) -> Grouped:
    return Grouped(aggregates=[f"score:{cmd.nomination_id}:{cmd.by.sub}"], shared=[f"target:{cmd.target.key}"],
                   command=cmd, context=ReviewContext(now, campaign), answer=answer)


def decision_step(cmd: RecordDecision, campaign: Campaign, now: datetime, answer: Answer) -> Command:
    """A final-review decision on one nomination (its own aggregate: revisions are serialised)."""
    return Command(aggregates=[f"decision:{cmd.nomination_id}"], command=cmd, topic=REVIEW,
                   load=lambda conn: store.load_decision(conn, cmd.nomination_id), context=ReviewContext(now, campaign),
                   decide=decide_decision, save=_save_decision, answer=answer)


def sitting_step(cmd: RecordSitting, campaign: Campaign, now: datetime, answer: Answer) -> Command:
    """A committee sitting: every decision it took in one transaction, each nomination locked as
    `decision_step` locks it, so a sitting and a single decision on the same nomination are serialised."""
    ids = [d.nomination_id for d in cmd.decisions]
    return Command(aggregates=[f"decision:{nid}" for nid in ids], command=cmd, topic=REVIEW,
                   load=lambda conn: store.load_sitting(conn, ids), context=ReviewContext(now, campaign),
                   decide=decide_sitting, save=_save_sitting, answer=answer)
