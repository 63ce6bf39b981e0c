"""The review's write-side tables restored from the log (`kczg state verify review`): every event its
commands decided, saved in log order by the same save functions the commands use, with the state
each save reads loaded from the restored tables as the command loads it."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

import asyncpg

from contracts.events import (ConflictDeclared, Event, ExpertAssigned, ExpertScoreRecorded, ExpertUnassigned,
                              FinalDecisionRecorded, NominationScreened, PrelimResultsSubmitted, PrelimScored,
                              ReviewPlanConfirmed, ReviewPlanFiled)
from contracts.topics import NOMINATIONS, REVIEW
from eventlog.state_compare import StateTable
from eventlog.state_replay import from_events
from eventlog.state_verify import ServiceState

from . import store
from .domain.model import ScoreState
from .domain.targets import Target

TARGET_EVENTS = (ReviewPlanFiled, ReviewPlanConfirmed, PrelimResultsSubmitted, PrelimScored, ExpertAssigned,
                 ExpertUnassigned, ConflictDeclared)


def _target(e: Event) -> Target:
    campaign, list_code, domain = e.key.split(":", 2)  # review events are keyed by their target
    return Target(campaign, list_code, domain or None)


def _run_of(e: Event) -> str | None:
    return e.key if isinstance(e, TARGET_EVENTS) else None


async def restore(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    # Consecutive events of one target are saved together, as one command's are: the panel rules (a
    # conflicted pair never sits again) leave no sequence that saving them command by command would change.
    for key, run in groupby(events, key=_run_of):
        run = list(run)
        if key is not None:
            target = _target(run[0])
            await store.save_target(conn, await store.load_target(conn, target), run)
            continue
        for e in run:
            if isinstance(e, ExpertScoreRecorded):
                seat = await store.load_target(conn, _target(e), (e.nomination_id, e.expert_id))
                await store.save_scores(conn, [(ScoreState(seat, None), [e])])  # saving reads only the target
            elif isinstance(e, NominationScreened):
                await store.save_screening(conn, None, [e])  # saving reads no state
            elif isinstance(e, FinalDecisionRecorded):
                await store.save_decision(conn, None, [e])   # saving reads no state


STATE = ServiceState(
    service="review",
    topics=(NOMINATIONS, REVIEW),
    tables=tuple(StateTable(f"review.{t}") for t in ("screenings", "targets", "seats", "scores", "ranked",
                                                     "decisions")),
    set_up=store.ensure_schema,
    apply=from_events("review", restore),
    not_compared=((("review.outbox", "review.idempotency"), "the write side's bookkeeping: events in flight, "
                                                            "answers remembered per Idempotency-Key"),
                  (("review_views.*",), "a projection: `kczg projections verify review.views`")),
)
