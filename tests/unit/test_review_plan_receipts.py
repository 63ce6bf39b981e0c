"""The secretariat's receipt (回执) of a filed plan (domain/plans_receipts.py), pure: the plan in force, once,
acknowledged or returned with reasons; no assignment under a returned plan until it is filed again; a new
filing awaits its own receipt, an extension keeps the one of the plan it extends."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

import pytest

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events import PlanAcknowledged, PlanReturned
from services.review.domain.commands import AssignAutomatically, AssignExpert, FilePlan, ReceivePlan
from services.review.domain.decide import decide
from services.review.domain.evolve import evolve_target
from services.review.domain.model import PlanReceipt, TargetState
from services.review.domain.targets import Target
from tests.unit.test_review_decisions import GREEN, MATERIALS, SECRETARIAT, ctx, nomination
from tests.unit.test_review_seating import BODY, expert, filed, terms

ROSTER = [expert(i) for i in range(1, 9)]


def receipt(state: TargetState, acknowledged: bool, reasons=(), note="", plan_event_id=None, target=MATERIALS):
    cmd = ReceivePlan(SECRETARIAT, target, plan_event_id or state.plan.event_id, acknowledged, tuple(reasons), note)
    return decide(state, cmd, ctx())


def refused(state: TargetState, code: str, **kw) -> DomainError:
    with pytest.raises(DomainError) as caught:
        receipt(state, **kw)
    assert caught.value.code == code
    return caught.value


def test_the_plan_in_force_is_acknowledged_once_naming_its_filer():
    state = filed(ROSTER, [])
    (ack,) = receipt(state, True, note=" 已收悉 ")
    assert isinstance(ack, PlanAcknowledged)
    assert (ack.plan_event_id, ack.body_code, ack.note, ack.key, ack.actor.role) == (
        state.plan.event_id, BODY.org, "已收悉", MATERIALS.key, "secretariat")
    after = evolve_target(state, [ack])
    assert after.receipt == PlanReceipt(ack.event_id, returned=False)
    err = refused(after, "plan_already_receipted", acknowledged=False, reasons=("再议",))
    assert isinstance(err, Conflict) and err.message == "该评审方案已确认，同一方案只能回执一次。"


def test_a_return_needs_reasons_and_blocks_assignment_until_the_plan_is_filed_again():
    state = filed(ROSTER, [])
    err = refused(state, "reasons_required", acknowledged=False, reasons=(" ", ""))
    assert (err.http_status, err.field, err.message) == (422, "reasons", "退回评审方案须说明理由（至少一条）。")
    (back,) = receipt(state, False, reasons=(" 专家名单须增补企业专家。", "权重说明不全"))
    assert isinstance(back, PlanReturned) and back.reasons == ("专家名单须增补企业专家。", "权重说明不全")
    returned = evolve_target(state, [back])
    assert returned.receipt == PlanReceipt(back.event_id, returned=True)
    assert refused(returned, "plan_already_receipted", acknowledged=True).message == \
        "该评审方案已退回，同一方案只能回执一次。"
    n = nomination(MATERIALS)
    for cmd in (AssignAutomatically(BODY, MATERIALS), AssignExpert(BODY, MATERIALS, n.nomination_id, "e1")):
        with pytest.raises(Conflict) as caught:
            decide(returned, cmd, ctx(nominations=[n]))
        assert caught.value.code == "plan_returned"
    # Filed again: a new plan with no receipt; the old one can no longer be receipted; assignment runs.
    refiled = evolve_target(returned, decide(returned, FilePlan(BODY, MATERIALS, terms(ROSTER)), ctx()))
    assert refiled.receipt is None and refiled.plan.event_id != back.plan_event_id
    refused(refiled, "plan_not_current", acknowledged=True, plan_event_id=back.plan_event_id)
    assert [e.type for e in decide(refiled, AssignAutomatically(BODY, MATERIALS), ctx(nominations=[n]))] == [
        "ExpertAssigned"] * refiled.plan.experts_per_item


def test_no_plan_an_unknown_plan_an_unknown_target_or_a_locked_plan_is_refused():
    refused(TargetState(MATERIALS), "plan_not_filed", acknowledged=True, plan_event_id=uuid4())
    state = filed(ROSTER, [])
    refused(state, "plan_not_current", acknowledged=True, plan_event_id=uuid4())
    nowhere = Target("kczg-2022", "leading_tech", "no_such_domain")
    with pytest.raises(NotFound):
        receipt(TargetState(nowhere), True, plan_event_id=uuid4(), target=nowhere)
    # Once scoring began the plan is locked: it may be acknowledged, never returned.
    scored = replace(state, scored=True)
    assert refused(scored, "plan_locked", acknowledged=False, reasons=("迟了",)).http_status == 409
    assert [e.type for e in receipt(scored, True)] == ["PlanAcknowledged"]


def test_a_joint_plan_is_receipted_once_confirmed():
    eco = BODY.model_copy(update={"org": "cast_eco_env_consortium"})
    state = TargetState(GREEN)
    state = evolve_target(state, decide(state, FilePlan(eco, GREEN, terms(ROSTER)), ctx()))
    refused(state, "plan_not_confirmed", acknowledged=True, target=GREEN)
    (ack,) = receipt(replace(state, confirmed_by="cast_clean_energy_consortium"), True, target=GREEN)
    assert ack.body_code == "cast_eco_env_consortium"


def test_an_extension_keeps_the_receipt_of_the_plan_it_extends():
    state = filed(ROSTER, [])
    (ack,) = receipt(state, True)
    acknowledged = replace(evolve_target(state, [ack]), scored=True)
    (extension, *_) = decide(acknowledged, FilePlan(BODY, MATERIALS, terms([*ROSTER, expert(9)])), ctx())
    assert extension.extends == state.plan.event_id
    extended = evolve_target(acknowledged, [extension])
    assert extended.plan == extension and extended.receipt == PlanReceipt(ack.event_id, returned=False)
