"""The review's commands, called by the routes (routes/) and the scores' fast lane (fast_lane.py) alike:
each takes the service's state (eventlog/http/front_door.py; its `own` part is the grouped unit of work the
scores run through), the write request (caller, key, instant) and the command the request says, and
answers a Reply.

Whether the caller's body manages the target is checked once per command kind: by the domain's decide
for the plan, panel, results and score commands; here, before anything is locked, for a declared
conflict (its decide asks only whether the expert is on the roster)."""

from __future__ import annotations

from contracts.events import NominationWithdrawn
from eventlog.http.front_door import ServiceState, WriteRequest
from eventlog.write.idempotency import Reply

from . import plan_documents
from .domain.commands import (
    AssignAutomatically, AssignExpert, CloseReReview, ConfirmPlan, DeclareConflict, FilePlan, OpenReReview,
    ReceivePlan, RecordScore, ReturnForCorrection, Screen, SubmitResults, TargetCommand, UnassignExpert,
)
from .domain.context import ReviewContext
from .domain.evolve import evolve_target
from .domain.final import RecordDecision, RecordSitting
from .domain.plans import plan_defaults
from .domain.targets import Target, managed_by
from .domain.withdrawals import AnswerWithdrawal
from .steps import decision_step, score_step, screening_step, sitting_step, target_step, withdrawal_step


async def record_score(state: ServiceState, req: WriteRequest, cmd: RecordScore) -> Reply:
    found = await state.campaigns.knowing(cmd.target.campaign)

    def answer(score, events) -> Reply:
        total = events[0].total if events else None
        return Reply(200, {"nomination_id": str(cmd.nomination_id), "total": str(total) if total is not None else None,
                           "event_id": str(events[0].event_id) if events else None})

    return await state.own.run(score_step(cmd, found, req.now, answer), req.idem)


async def declare_conflict(state: ServiceState, req: WriteRequest, cmd: DeclareConflict) -> Reply:
    found = await state.campaigns.knowing(cmd.target.campaign)
    managed_by(found, cmd.target, cmd.by.org)  # an expert of another body: the target does not exist
    return await state.uow.run(target_step(cmd, found, req.now, _conflict_answer(cmd)), req.idem)


async def file_plan(state: ServiceState, req: WriteRequest, target: Target, terms: dict) -> Reply:
    """A plan filed: the terms given over the campaign's defaults; its document (an upload's SHA-256) as the
    reference the event carries."""
    found = await state.campaigns.knowing(target.campaign)
    if isinstance(terms.get("document"), str):
        async with state.pool.acquire() as conn:
            terms = {**terms, "document": (await plan_documents.resolve(conn, req.who.org, terms["document"])).model_dump()}
    cmd = FilePlan(req.who, target, {**plan_defaults(ReviewContext(req.now, found)), **terms})
    return await state.uow.run(target_step(cmd, found, req.now, _ANSWERS[FilePlan](cmd)), req.idem)


async def run_target(state: ServiceState, req: WriteRequest, cmd: TargetCommand) -> Reply:
    """A confirmation or the secretariat's receipt of the plan, an assignment or unassignment, a re-review opened or
    closed, or the results, on one target."""
    found = await state.campaigns.knowing(cmd.target.campaign)
    return await state.uow.run(target_step(cmd, found, req.now, _ANSWERS[type(cmd)](cmd)), req.idem)


async def screen(state: ServiceState, req: WriteRequest, cmd: Screen) -> Reply:
    def answer(screening, events) -> Reply:
        passed = events[0].passed if events else screening[1]
        return Reply(201 if events else 200, {"nomination_id": str(cmd.nomination_id), "passed": passed,
                                              "event_id": str(events[0].event_id) if events else None})

    return await state.uow.run(screening_step(cmd, req.now, answer), req.idem)


async def answer_withdrawal(state: ServiceState, req: WriteRequest, cmd: AnswerWithdrawal) -> Reply:
    """A unit's request to withdraw during the review, granted (the nomination is withdrawn) or refused."""
    def answer(withdrawal, events) -> Reply:
        granted = isinstance(events[0], NominationWithdrawn) if events else withdrawal.answered.granted
        return Reply(201 if events else 200, {
            "nomination_id": str(cmd.nomination_id), "decision": "grant" if granted else "refuse",
            "reason": events[0].reason if events else withdrawal.answered.reason,
            "event_id": str(events[0].event_id) if events else None})

    return await state.uow.run(withdrawal_step(cmd, req.now, answer), req.idem)


async def return_for_correction(state: ServiceState, req: WriteRequest, cmd: ReturnForCorrection) -> Reply:
    """退回补正: the nomination goes back to its unit, with reasons, until the correction deadline."""
    def answer(screening, events) -> Reply:
        returned = events[0] if events else None
        return Reply(201 if events else 200, {
            "nomination_id": str(cmd.nomination_id), "outcome": "returned",
            "round": returned.round if returned else screening.returned.round,
            "correction_due_at": cmd.correction_due_at.isoformat(),
            "event_id": str(returned.event_id) if returned else None})

    return await state.uow.run(screening_step(cmd, req.now, answer), req.idem)


async def record_decision(state: ServiceState, req: WriteRequest, campaign: str, cmd: RecordDecision) -> Reply:
    found = await state.campaigns.knowing(campaign)

    def answer(decisions, events) -> Reply:
        decision = events[0] if events else decisions.last
        return Reply(201 if events else 200, {"nomination_id": str(cmd.nomination_id), "selected": decision.selected,
                                              "revision": decision.revision, "event_id": str(decision.event_id)})

    return await state.uow.run(decision_step(cmd, found, req.now, answer), req.idem)


async def record_sitting(state: ServiceState, req: WriteRequest, campaign: str, cmd: RecordSitting) -> Reply:
    found = await state.campaigns.knowing(campaign)

    def answer(sitting, events) -> Reply:
        recorded = {e.nomination_id: e for e in events}
        rows = []
        for d in cmd.decisions:
            decision = recorded.get(d.nomination_id) or sitting.decisions[d.nomination_id].last
            rows.append({"nomination_id": str(d.nomination_id), "selected": decision.selected,
                         "revision": decision.revision, "event_id": str(decision.event_id),
                         "recorded": d.nomination_id in recorded})
        return Reply(201 if events else 200, {"sitting_id": str(cmd.sitting_id), "recorded": len(events),
                                              "unchanged": len(rows) - len(events), "decisions": rows})

    return await state.uow.run(sitting_step(cmd, found, req.now, answer), req.idem)


def _event_id_answer(field: str, status: int):
    def for_command(cmd):
        def answer(target, events) -> Reply:
            return Reply(status if events else 200, {field: str(events[0].event_id) if events else None})
        return answer
    return for_command


def _receipt_answer(cmd: ReceivePlan):
    def answer(target, events) -> Reply:
        receipt = events[0]
        return Reply(201, {"plan_event_id": str(receipt.plan_event_id), "event_id": str(receipt.event_id),
                           "outcome": "returned" if receipt.type == "PlanReturned" else "acknowledged"})
    return answer


def _panel_answer(cmd):
    def answer(target, events) -> Reply:
        counts: dict[str, int] = {}
        for e in events:
            counts[e.type] = counts.get(e.type, 0) + 1
        return Reply(200, {"assigned": counts.get("ExpertAssigned", 0), "unassigned": counts.get("ExpertUnassigned", 0),
                           "conflicts": counts.get("ConflictDeclared", 0),
                           "filled": len(target.short - _short_after(target, events)) if target.short else 0,
                           "solver_input_hash": next((e.solver_input_hash for e in events
                                                      if getattr(e, "solver_input_hash", None)), None)})
    return answer


def _plan_answer(cmd):
    def answer(target, events) -> Reply:
        plan = events[0]
        counts: dict[str, int] = {}
        for e in events[1:]:
            counts[e.type] = counts.get(e.type, 0) + 1
        return Reply(201, {"plan_event_id": str(plan.event_id),
                           "extends": str(plan.extends) if plan.extends else None,
                           "assigned": counts.get("ExpertAssigned", 0), "conflicts": counts.get("ConflictDeclared", 0),
                           "short": sorted(str(e.nomination_id) for e in events if e.type == "SeatShortfallRecorded")})
    return answer


def _short_after(target, events) -> frozenset:
    return evolve_target(target, events).short


def _re_review_answer(cmd):
    def answer(target, events) -> Reply:
        step = events[0]
        body = {"nomination_id": str(cmd.nomination_id), "event_id": str(step.event_id), "spread": str(step.spread)
                if step.spread is not None else None, "threshold": str(step.threshold)}
        if step.type == "ReReviewClosed":
            return Reply(201, {**body, "cleared": step.cleared})
        return Reply(201, {**body, "revisit": list(step.revisit), "added": list(step.added)})
    return answer


def _results_answer(cmd):
    def answer(target, events) -> Reply:
        submitted = events[-1]
        return Reply(201, {"event_id": str(submitted.event_id), "ranked": len(submitted.ranked),
                           "late": submitted.late, "gaps": [str(g.nomination_id) for g in submitted.gaps]})
    return answer


def _conflict_answer(cmd: DeclareConflict):
    def answer(target, events) -> Reply:
        replaced = [e.expert_id for e in events if e.type == "ExpertAssigned"]
        short = next((e for e in events if e.type == "SeatShortfallRecorded"), None)
        return Reply(201 if events else 200, {"nomination_id": str(cmd.nomination_id), "recorded": bool(events),
                                              "replaced_by": len(replaced), "short_by": short.seats_needed if short
                                              else 0})
    return answer


# What each target command answers, given the command.
_ANSWERS = {FilePlan: _plan_answer, ConfirmPlan: _event_id_answer("event_id", 201), ReceivePlan: _receipt_answer,
            AssignAutomatically: _panel_answer, AssignExpert: _panel_answer, UnassignExpert: _panel_answer,
            OpenReReview: _re_review_answer, CloseReReview: _re_review_answer, SubmitResults: _results_answer}
