"""Withdrawal during the review, pure, both sides: the unit asks once after the deadline (before it, it withdraws
directly); the secretariat grants (NominationWithdrawn, by the secretariat) or refuses (WithdrawalRefused), once;
what the unit then reads; and a final decision on a withdrawn nomination is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from contracts.campaign import load_builtin_campaign
from contracts.errors import DomainError
from contracts.events import NominationWithdrawn, WithdrawalRefused, WithdrawalRequested
from contracts.identity import Identity
from services.intake.domain.commands import RequestWithdrawal, SubmitNomination
from services.intake.domain.context import IntakeContext
from services.intake.domain.model import evolve_nomination
from services.intake.domain.nominations import decide
from services.intake.examples import example_form
from services.review.domain.conflicts import Organisation
from services.review.domain.context import ReviewContext
from services.review.domain.final import DecisionState, RecordDecision, decide_decision
from services.review.domain.model import NominationFacts
from services.review.domain.parties import parties_of
from services.review.domain.targets import Target
from services.review.domain.votes import CommitteeVote
from services.review.domain.withdrawals import (AnswerWithdrawal, Answered, WithdrawalState, decide_withdrawal,
                                                evolve_withdrawal)

CAMPAIGN = load_builtin_campaign("kczg-2022")
OPEN = datetime.fromisoformat("2022-10-15T10:00:00+08:00")
REVIEWING = datetime.fromisoformat("2022-11-20T10:00:00+08:00")
UNIT = Identity(sub="officer-u", role="unit", org="unit-a")
SECRETARIAT = Identity(sub="officer-s", role="secretariat", org="kczg_secretariat")


def context(now: datetime) -> IntakeContext:
    return IntakeContext(now=now, campaign=CAMPAIGN, unit_channels=("provincial_cast",))


def submitted():
    cmd = SubmitNomination(by=UNIT, nomination_id=uuid4(), campaign="kczg-2022", unit_id=None,
                           list_code="leading_tech", domain="advanced_materials", title=None,
                           form=example_form("leading_tech"), opinion="同意")
    (event,) = decide(None, cmd, context(OPEN))
    return evolve_nomination(None, event)


def refused(call, code: str, status: int) -> str:
    with pytest.raises(DomainError) as refusal:
        call()
    assert (refusal.value.code, refusal.value.http_status) == (code, status)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refusal.value.message)
    return refusal.value.message


def test_the_unit_asks_once_after_the_deadline_and_reads_the_answer():
    state = submitted()
    ask = RequestWithdrawal(UNIT, state.nomination_id, "  成果已转让，申请撤回。 ")
    assert "直接撤回" in refused(lambda: decide(state, ask, context(OPEN)), "withdraw_directly", 409)
    (requested,) = decide(state, ask, context(REVIEWING))
    assert isinstance(requested, WithdrawalRequested)
    assert (requested.reason, requested.key, requested.unit_id, requested.actor.person, requested.occurred_at) == (
        "成果已转让，申请撤回。", "kczg-2022:unit-a", "unit-a", "officer-u", REVIEWING)
    state = evolve_nomination(state, requested)
    assert (state.withdrawal, state.withdrawal_reason, state.withdrawn) == ("requested", "成果已转让，申请撤回。", False)
    refused(lambda: decide(state, ask, context(REVIEWING)), "withdrawal_pending", 409)
    # refused by the secretariat: final, and said so when the unit asks again
    refusal = WithdrawalRefused(occurred_at=REVIEWING, campaign="kczg-2022", key="kczg-2022:unit-a",
                                actor=SECRETARIAT.actor(), nomination_id=state.nomination_id, unit_id="unit-a",
                                reason="已完成初评。")
    after = evolve_nomination(state, refusal)
    assert (after.withdrawal, after.withdrawal_answer, after.withdrawn) == ("refused", "已完成初评。", False)
    assert "已完成初评" in refused(lambda: decide(after, ask, context(REVIEWING)), "withdrawal_refused", 409)
    # granted: withdrawn, and nothing more to ask
    granted = evolve_nomination(state, NominationWithdrawn(
        occurred_at=REVIEWING, campaign="kczg-2022", key="kczg-2022:unit-a", actor=SECRETARIAT.actor(),
        nomination_id=state.nomination_id, unit_id="unit-a", reason="同意撤回。"))
    assert (granted.withdrawn, granted.withdraw_reason, granted.withdrawal) == (True, "同意撤回。", "requested")
    refused(lambda: decide(granted, ask, context(REVIEWING)), "already_withdrawn", 409)
    refused(lambda: decide(submitted(), replace(ask, reason=" "), context(REVIEWING)), "reason_required", 422)
    other = Identity(sub="x", role="unit", org="unit-b")
    refused(lambda: decide(state, replace(ask, by=other), context(REVIEWING)), "nomination_not_found", 404)


def facts(withdrawn: bool = False) -> NominationFacts:
    nid = uuid4()
    target = Target("kczg-2022", "leading_tech", "advanced_materials")
    return NominationFacts(nid, target, "unit-a", "技术", REVIEWING - timedelta(days=30), True, withdrawn, True,
                           parties_of(str(nid), target.list_code, {}, Organisation("推荐单位甲")))


def answer(state: WithdrawalState, grant: bool, reason: str = "经核实。"):
    return decide_withdrawal(state, AnswerWithdrawal(SECRETARIAT, state.facts.nomination_id if state.facts else uuid4(),
                                                     grant, reason), ReviewContext(REVIEWING))


@pytest.mark.parametrize("grant, kind", [(True, NominationWithdrawn), (False, WithdrawalRefused)])
def test_the_secretariat_grants_or_refuses_once(grant, kind):
    state = WithdrawalState(facts(), requested=True)
    (e,) = answer(state, grant, " 经核实。 ")
    assert isinstance(e, kind)
    assert (e.nomination_id, e.unit_id, e.key, e.reason, e.actor.role, e.actor.person) == (
        state.facts.nomination_id, "unit-a", "kczg-2022:unit-a", "经核实。", "secretariat", "officer-s")
    after = evolve_withdrawal(state, [e])
    assert after.answered == Answered(e.nomination_id, "kczg-2022", grant, "经核实。", e.event_id)
    assert answer(after, grant) == []  # the same answer again: recorded so already
    refused(lambda: answer(after, not grant), "withdrawal_answered", 409)


def test_an_answer_is_refused_without_a_request_a_reason_or_a_nomination():
    refused(lambda: answer(WithdrawalState(facts(), requested=False), True), "no_withdrawal_request", 409)
    refused(lambda: answer(WithdrawalState(facts(), requested=True), True, "  "), "reason_required", 422)
    refused(lambda: answer(WithdrawalState(facts(withdrawn=True), requested=True), True), "already_withdrawn", 409)
    refused(lambda: answer(WithdrawalState(None, requested=False), True), "nomination_not_found", 404)


def test_a_final_decision_on_a_withdrawn_nomination_is_refused():
    vote = CommitteeVote(eligible=15, present=12, recused=1, yes=10, no=1, abstain=1)
    state = DecisionState(Target("kczg-2022", "leading_tech", "advanced_materials"), False, withdrawn=True)
    cmd = RecordDecision(SECRETARIAT, uuid4(), True, vote)
    message = refused(lambda: decide_decision(state, cmd, ReviewContext(REVIEWING, campaign=CAMPAIGN)), "withdrawn",
                      409)
    assert "已撤回" in message
