"""Screening's return for correction (退回补正), pure: the secretariat returns an unscreened nomination
with reasons and a deadline ahead; until the unit resubmits, it cannot be screened; after an unanswered
deadline it can only fail; a resubmitted one is screened as any other, or returned again."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest

from contracts.deadline_text import deadline_text, end_of_day
from contracts.errors import DomainError
from contracts.events import NominationReturned, NominationScreened
from contracts.identity import Identity
from services.review.domain.commands import ReturnForCorrection, Screen
from services.review.domain.conflicts import Organisation
from services.review.domain.context import ReviewContext
from services.review.domain.evolve import evolve_screening
from services.review.domain.model import NominationFacts, Returned, ScreeningState
from services.review.domain.parties import parties_of
from services.review.domain.screening import decide_screening
from services.review.domain.targets import Target

NOW = datetime.fromisoformat("2022-11-10T10:00:00+08:00")
DUE = datetime.fromisoformat("2022-11-16T00:00:00+08:00")
SECRETARIAT = Identity(sub="s", role="secretariat", org="kczg_secretariat")
REASONS = ("推荐表缺少推荐单位盖章页。",)


def facts(**changes) -> NominationFacts:
    nid = uuid4()
    target = Target("kczg-2022", "leading_tech", "advanced_materials")
    base = NominationFacts(nid, target, "unit-a", "技术", NOW - timedelta(days=30), True, False, None,
                           parties_of(str(nid), target.list_code, {}, Organisation("推荐单位甲")))
    return replace(base, **changes)


def decide(state: ScreeningState, cmd, now=NOW):
    return decide_screening(state, cmd, ReviewContext(now))


def refused(state, cmd, code: str, now=NOW) -> str:
    with pytest.raises(DomainError) as refusal:
        decide(state, cmd, now)
    assert refusal.value.code == code
    return refusal.value.message


def test_a_return_then_a_resubmission_then_a_pass():
    f = facts()
    back = ReturnForCorrection(SECRETARIAT, f.nomination_id, ("  ", *REASONS), DUE)
    (returned,) = decide(ScreeningState(f, None), back)
    assert isinstance(returned, NominationReturned)
    assert (returned.reasons, returned.correction_due_at, returned.round, returned.key, returned.unit_id) == (
        REASONS, DUE, 1, "kczg-2022:unit-a", "unit-a")
    state = evolve_screening(ScreeningState(f, None), [returned])
    assert (state.screened, state.returned) == (None, Returned(f.nomination_id, "kczg-2022", 1, DUE,
                                                               returned.event_id))
    # The same return again is on record already; another deadline, or a verdict, waits for the unit.
    assert decide(state, back) == []
    assert refused(state, replace(back, correction_due_at=DUE + timedelta(days=5)), "already_returned") == \
        "该推荐已退回补正（补正期限2022年11月15日24:00（北京时间）），须待推荐单位重新提交后再审查。"
    assert refused(state, Screen(SECRETARIAT, f.nomination_id, True), "awaiting_correction") == \
        "该推荐已退回补正，须待推荐单位在补正期限2022年11月15日24:00（北京时间）前重新提交后再审查。"
    # The unit resubmitted (the review's facts say so): screened as any other, or returned a second time.
    resubmitted = state._replace(facts=replace(f, resubmitted_round=1))
    (passed,) = decide(resubmitted, Screen(SECRETARIAT, f.nomination_id, True))
    assert isinstance(passed, NominationScreened) and passed.passed
    (second,) = decide(resubmitted, back)
    assert second.round == 2


def test_an_unanswered_return_can_only_fail_after_its_deadline():
    f = facts()
    (returned,) = decide(ScreeningState(f, None), ReturnForCorrection(SECRETARIAT, f.nomination_id, REASONS, DUE))
    state = evolve_screening(ScreeningState(f, None), [returned])
    assert refused(state, Screen(SECRETARIAT, f.nomination_id, True), "correction_not_resubmitted", DUE) == \
        "该推荐退回补正后未在补正期限2022年11月15日24:00（北京时间）前重新提交，只能作出不通过的结论。"
    (failed,) = decide(state, Screen(SECRETARIAT, f.nomination_id, False, ("逾期未补正。",)), DUE)
    assert (failed.passed, failed.reasons) == (False, ("逾期未补正。",))
    assert evolve_screening(state, [failed]).screened is False


def test_a_return_is_refused_without_reasons_a_deadline_ahead_or_an_open_screening():
    f = facts()
    cmd = ReturnForCorrection(SECRETARIAT, f.nomination_id, REASONS, DUE)
    assert refused(ScreeningState(f, None), replace(cmd, reasons=(" ",)), "reasons_required") == "退回补正须说明理由。"
    assert refused(ScreeningState(f, None), replace(cmd, correction_due_at=NOW), "correction_due_past") == \
        "补正期限（2022年11月10日10:00（北京时间））须晚于当前时间。"
    assert refused(ScreeningState(f, True), cmd, "already_screened") == "该推荐已完成形式审查，不能再退回补正。"
    assert refused(ScreeningState(None, None), cmd, "nomination_not_found") == "未找到该推荐。"
    assert refused(ScreeningState(replace(f, withdrawn=True), None), cmd, "withdrawn")
    assert refused(ScreeningState(replace(f, holds_slot=False), None), cmd, "no_quota_slot")


def test_a_later_return_replaces_an_earlier_one_and_an_older_one_changes_nothing():
    f = facts()
    first, second = (NominationReturned(occurred_at=NOW, campaign="kczg-2022", key="kczg-2022:unit-a",
                                        actor=SECRETARIAT.actor(), nomination_id=f.nomination_id, unit_id="unit-a",
                                        reasons=REASONS, correction_due_at=DUE + timedelta(days=i), round=i + 1)
                     for i in range(2))
    after = evolve_screening(ScreeningState(f, None), [second, first])
    assert (after.returned.round, after.returned.correction_due_at) == (2, DUE + timedelta(days=1))


def test_a_correction_day_ends_at_its_24_00_beijing_time():
    assert end_of_day(date(2022, 11, 15)) == DUE
    assert deadline_text(DUE) == "2022年11月15日24:00（北京时间）"
    assert deadline_text(datetime.fromisoformat("2022-11-15T01:30:00+00:00")) == "2022年11月15日09:30（北京时间）"
