"""Final-review committee votes: quorum and approval at their exact boundaries, and consistency."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import DomainError
from services.review.domain.votes import (
    CommitteeVote, Threshold, VoteRule, check_consistency, check_decision, has_quorum, is_approved,
)


def vote(eligible=15, present=12, recused=0, yes=8, no=None, abstain=0) -> CommitteeVote:
    no = present - yes - abstain if no is None else no
    return CommitteeVote(eligible, present, recused, yes, no, abstain)


def refusal(selected: bool, given: CommitteeVote, rule: VoteRule = VoteRule()) -> DomainError:
    with pytest.raises(DomainError) as refused:
        check_decision(selected, given, rule)
    return refused.value


# --- quorum -------------------------------------------------------------------------------------


def test_quorum_of_fifteen_is_ten_inclusive() -> None:
    check_decision(True, vote(present=10, yes=7))                 # 3·10 = 30 ≥ 2·15 = 30
    error = refusal(True, vote(present=9, yes=9))                 # 27 < 30, however they voted
    assert error.code == "no_quorum"
    assert "应到 15 人，实到 9 人（回避 0 人）" in error.message and "须至少 10 人" in error.message
    assert "三分之二" in error.message


def test_recused_members_are_not_present() -> None:
    error = refusal(True, vote(present=9, recused=1, yes=9))      # ten in the room, one recused
    assert error.code == "no_quorum" and "回避 1 人" in error.message


def test_quorum_is_needed_to_decide_against_too() -> None:
    assert refusal(False, vote(present=9, yes=0)).code == "no_quorum"


# --- approval -----------------------------------------------------------------------------------


def test_approval_of_nine_present_is_six_inclusive() -> None:
    check_decision(True, vote(eligible=13, present=9, yes=6))     # quorum 27 ≥ 26; 3·6 = 18 ≥ 2·9 = 18
    error = refusal(True, vote(eligible=13, present=9, yes=5))    # 15 < 18
    assert error.code == "not_approved"
    assert "实到 9 人，赞成 5 票，须至少 6 票" in error.message and "三分之二" in error.message


def test_abstentions_count_as_present_but_not_yes() -> None:
    assert not is_approved(vote(present=12, yes=7, no=0, abstain=5))
    assert is_approved(vote(present=12, yes=8, no=0, abstain=4))


def test_not_selecting_after_an_approving_vote_contradicts_it() -> None:
    check_decision(False, vote(eligible=13, present=9, yes=5))
    error = refusal(False, vote(eligible=13, present=9, yes=6))
    assert error.code == "vote_contradicts_decision" and "赞成 6 票" in error.message and "须至少 6 票" in error.message


def test_thresholds_are_configurable() -> None:
    simple = VoteRule(quorum=Threshold(1, 2), approval=Threshold(3, 4))
    check_decision(True, vote(eligible=15, present=8, yes=6), simple)    # 2·8 = 16 ≥ 15; 4·6 = 24 ≥ 24
    error = refusal(True, vote(eligible=15, present=7, yes=7), simple)
    assert error.code == "no_quorum" and "须至少 8 人（应到人数的二分之一）" in error.message
    error = refusal(True, vote(eligible=15, present=8, yes=5), simple)
    assert error.code == "not_approved" and "须至少 6 票（实到人数的四分之三）" in error.message
    unanimous = VoteRule(approval=Threshold(1, 1))
    assert "全体" in refusal(True, vote(present=12, yes=11), unanimous).message


@pytest.mark.parametrize("threshold", [Threshold(0, 3), Threshold(4, 3), Threshold(1, 0), Threshold(2, -3)])
def test_a_threshold_outside_zero_to_one_is_refused(threshold: Threshold) -> None:
    assert refusal(True, vote(), VoteRule(quorum=threshold)).code == "vote_rule_invalid"
    assert refusal(True, vote(), VoteRule(approval=threshold)).code == "vote_rule_invalid"


# --- consistency --------------------------------------------------------------------------------


@pytest.mark.parametrize("given, figure", [
    (CommitteeVote(15, 12, 0, 7, 3, 1), "赞成 7 + 反对 3 + 弃权 1 = 11 票，与实到 12 人不符"),
    (CommitteeVote(15, 12, 4, 8, 4, 0), "实到 12 人与回避 4 人之和超过应到 15 人"),
    (CommitteeVote(15, 12, 0, 13, -1, 0), "非负整数"),
    (CommitteeVote(0, 0, 0, 0, 0, 0), "应到人数须至少为 1 人"),
])
def test_inconsistent_counts_are_refused_with_their_figures(given: CommitteeVote, figure: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_consistency(given)
    assert refused.value.code == "vote_inconsistent" and figure in refused.value.message
    assert refusal(True, given).code == "vote_inconsistent"


def test_everyone_recused_but_the_quorum_is_refused_as_no_quorum() -> None:
    assert refusal(True, CommitteeVote(15, 5, 10, 5, 0, 0)).code == "no_quorum"


# --- the arithmetic is exact --------------------------------------------------------------------


@given(st.integers(1, 200), st.integers(0, 200), st.integers(1, 12), st.integers(1, 12))
def test_thresholds_agree_with_exact_fractions(whole: int, part: int, num: int, den: int) -> None:
    if num > den:
        num, den = den, num
    t = Threshold(num, den)
    assert t.met(part, whole) == (Fraction(part, whole) >= Fraction(num, den))
    least = t.least(whole)
    assert t.met(least, whole) and (least == 0 or not t.met(least - 1, whole))


@given(st.integers(1, 60), st.data())
def test_quorum_and_approval_match_the_integer_rules(eligible: int, data) -> None:
    present = data.draw(st.integers(0, eligible))
    yes = data.draw(st.integers(0, present))
    v = CommitteeVote(eligible, present, data.draw(st.integers(0, eligible - present)), yes, present - yes, 0)
    assert has_quorum(v) == (3 * present >= 2 * eligible) and is_approved(v) == (3 * yes >= 2 * present)
