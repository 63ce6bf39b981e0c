"""A return for correction (退回补正), the unit's side, pure: a returned nomination may be amended after the
campaign deadline, until its correction deadline, and resubmitted once per return; late, both are
refused naming the date; and what the unit reads of each screening outcome, word for word."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import uuid4

import pytest

from contracts.campaign import load_builtin_campaign
from contracts.errors import Conflict, DomainError, NotFound
from contracts.events import NominationResubmitted, NominationSubmitted
from contracts.identity import Identity
from services.intake.domain.commands import AmendNomination, ResubmitNomination, SubmitNomination
from services.intake.domain.context import IntakeContext
from services.intake.domain.corrections import screening_notice
from services.intake.domain.model import ScreeningOutcome, evolve_nomination
from services.intake.domain.nominations import decide
from services.intake.examples import example_form

CAMPAIGN = load_builtin_campaign("kczg-2022")
OPEN = datetime.fromisoformat("2022-10-15T10:00:00+08:00")
CLOSED = datetime.fromisoformat("2022-11-10T10:00:00+08:00")          # the campaign's submissions closed 10-31
DUE = datetime.fromisoformat("2022-11-16T00:00:00+08:00")             # the correction period: to 11-15 24:00
UNIT = Identity(sub="u", role="unit", org="unit-a")
RETURNED = ScreeningOutcome("returned", ("推荐表缺少推荐单位盖章页。",), DUE, 1, CLOSED)
CORRECTED = example_form("leading_tech", maturity_stage="pilot", recommending_opinion="同意")


def context(now: datetime) -> IntakeContext:
    return IntakeContext(now=now, campaign=CAMPAIGN, unit_channels=("provincial_cast",))


def submitted(screening: ScreeningOutcome | None = None):
    cmd = SubmitNomination(by=UNIT, nomination_id=uuid4(), campaign="kczg-2022", unit_id=None,
                           list_code="leading_tech", domain="advanced_materials", title=None,
                           form=example_form("leading_tech"), opinion="同意")
    (event,) = decide(None, cmd, context(OPEN))
    assert isinstance(event, NominationSubmitted)
    return replace(evolve_nomination(None, event), screening=screening)


def amend(state, now, domain=None, form=CORRECTED):
    return decide(state, AmendNomination(UNIT, state.nomination_id, "leading_tech" if domain else None, domain,
                                         None, form), context(now))


def refused(call, code: str, status: int) -> str:
    with pytest.raises(DomainError) as refusal:
        call()
    assert (refusal.value.code, refusal.value.http_status) == (code, status)
    return refusal.value.message


def test_a_returned_nomination_is_amended_after_the_campaign_deadline_and_resubmitted_once():
    state = submitted(RETURNED)
    # After the campaign's deadline, within the correction period: the form changes, a new revision.
    (amended,) = amend(state, CLOSED)
    assert (amended.revision, amended.diff) == (2, {"maturity_stage": ("industrialisation", "pilot")})
    state = evolve_nomination(state, amended)
    # Resubmitted: the round it answers and the revision it puts back to screening.
    (resubmitted,) = decide(state, ResubmitNomination(UNIT, state.nomination_id), context(CLOSED))
    assert isinstance(resubmitted, NominationResubmitted)
    assert (resubmitted.round, resubmitted.revision, resubmitted.key, resubmitted.occurred_at) == (
        1, 2, "kczg-2022:unit-a", CLOSED)
    state = evolve_nomination(state, resubmitted)
    assert (state.resubmitted_round, state.awaiting_correction) == (1, False)
    # Once resubmitted, the campaign's deadline holds again, and there is nothing more to resubmit.
    refused(lambda: amend(state, CLOSED), "submission_closed", 422)
    assert refused(lambda: decide(state, ResubmitNomination(UNIT, state.nomination_id), context(CLOSED)),
                   "not_returned", 409) == "该推荐未被退回补正（或已重新提交），无需重新提交。"
    # A second return opens a second round.
    state = replace(state, screening=replace(RETURNED, return_round=2))
    (again,) = decide(state, ResubmitNomination(UNIT, state.nomination_id), context(CLOSED))
    assert again.round == 2


def test_late_corrections_are_refused_naming_the_date():
    state = submitted(RETURNED)
    late = datetime.fromisoformat("2022-11-16T00:00:00+08:00")  # the first instant after 11-15 24:00
    said = "该推荐的补正期限已于2022年11月15日24:00（北京时间）截止，不再受理修改或重新提交。"
    assert refused(lambda: amend(state, late), "correction_closed", 422) == said
    assert refused(lambda: decide(state, ResubmitNomination(UNIT, state.nomination_id), context(late)),
                   "correction_closed", 422) == said
    # The last second of the period still counts.
    last = datetime.fromisoformat("2022-11-15T23:59:59+08:00")
    assert decide(state, ResubmitNomination(UNIT, state.nomination_id), context(last))[0].occurred_at == last


def test_a_correction_keeps_the_list_and_domain_and_only_the_unit_corrects():
    state = submitted(RETURNED)
    assert refused(lambda: amend(state, CLOSED, domain="biomedicine"), "correction_keeps_target", 422) == \
        "补正期间不能更改推荐的榜单或领域。"
    other = Identity(sub="b", role="unit", org="unit-b")
    with pytest.raises(NotFound):
        decide(state, ResubmitNomination(other, state.nomination_id), context(CLOSED))
    withdrawn = replace(state, withdrawn=True)
    with pytest.raises(Conflict) as gone:
        decide(withdrawn, ResubmitNomination(UNIT, state.nomination_id), context(CLOSED))
    assert gone.value.code == "already_withdrawn"


def test_without_a_return_the_campaign_deadline_holds():
    for outcome in (None, ScreeningOutcome("passed", at=CLOSED), ScreeningOutcome("failed", ("材料不全",), at=CLOSED)):
        state = submitted(outcome)
        refused(lambda: amend(state, CLOSED), "submission_closed", 422)
        refused(lambda: decide(state, ResubmitNomination(UNIT, state.nomination_id), context(CLOSED)),
                "not_returned", 409)
    # Before the campaign's deadline a returned nomination is amended under the campaign's rules (any target).
    state = submitted(RETURNED)
    (moved,) = amend(state, OPEN, domain="biomedicine",
                     form=example_form("leading_tech", domain="biomedicine", recommending_opinion="同意"))
    assert moved.domain == "biomedicine"


def test_what_the_unit_reads_of_each_screening_outcome():
    assert screening_notice(None, 0) is None
    assert screening_notice(ScreeningOutcome("passed", at=CLOSED), 0) == {
        "state": "passed", "reasons": [], "correction_due_at": None, "message": "形式审查通过。"}
    assert screening_notice(ScreeningOutcome("failed", ("材料不全。", "缺少盖章页"), at=CLOSED), 0) == {
        "state": "failed", "reasons": ["材料不全。", "缺少盖章页"], "correction_due_at": None,
        "message": "形式审查未通过：材料不全；缺少盖章页。"}
    assert screening_notice(RETURNED, 0) == {
        "state": "returned", "reasons": ["推荐表缺少推荐单位盖章页。"], "correction_due_at": "2022-11-16T00:00:00+08:00",
        "message": "形式审查退回补正：推荐表缺少推荐单位盖章页。请在2022年11月15日24:00（北京时间）前修改并重新提交，逾期不再受理。"}
    assert screening_notice(RETURNED, 1) == {
        "state": "resubmitted", "reasons": ["推荐表缺少推荐单位盖章页。"],
        "correction_due_at": "2022-11-16T00:00:00+08:00",
        "message": "已按退回补正意见重新提交，等待形式审查（退回理由：推荐表缺少推荐单位盖章页）。"}
