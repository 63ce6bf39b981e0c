"""decide(state, command, context) -> events for a review target, as every aggregate in the house."""

from __future__ import annotations

from contracts.events import Event

from .commands import (AssignAutomatically, AssignExpert, CloseReReview, ConfirmPlan, DeclareConflict, FilePlan,
                       OpenReReview, ReceivePlan, SubmitResults, TargetCommand, UnassignExpert)
from .context import ReviewContext
from .model import TargetState
from .panel import decide_auto, decide_by_hand, decide_conflict, decide_unassign
from .plans import decide_confirm
from .plans_receipts import decide_receipt
from .re_review import decide_close_re_review, decide_open_re_review
from .results import decide_results
from .roster import decide_refile

_DECISIONS = {FilePlan: decide_refile, ConfirmPlan: decide_confirm, ReceivePlan: decide_receipt,
              AssignAutomatically: decide_auto, AssignExpert: decide_by_hand, UnassignExpert: decide_unassign, DeclareConflict: decide_conflict,
              OpenReReview: decide_open_re_review, CloseReReview: decide_close_re_review, SubmitResults: decide_results}


def decide(state: TargetState, cmd: TargetCommand, context: ReviewContext) -> list[Event]:
    return _DECISIONS[type(cmd)](state, cmd, context)
