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


# Quorum (到会): at least two thirds of the eligible members present, two thirds included (含三分之二);
# approval (通过): at least two thirds of those present voting yes. Written by hand for the default rule:
# eligible -> fewest present for a quorum; present -> fewest yes votes to approve.
FEWEST_FOR_TWO_THIRDS = {1: 1, 2: 2, 3: 2, 4: 3, 5: 4, 6: 4, 7: 5, 8: 6, 9: 6, 10: 7, 11: 8, 12: 8, 13: 9, 14: 10,
                         15: 10, 21: 14, 30: 20, 31: 21}
RULES = [VoteRule(), VoteRule(quorum=Threshold(1, 2), approval=Threshold(3, 4)),
         VoteRule(quorum=Threshold(3, 5), approval=Threshold(1, 1)), VoteRule(quorum=Threshold(1, 1))]


def expected_refusal(selected: bool, v: CommitteeVote, rule: VoteRule) -> str | None:
    """What the rule, read as fractions of people, says about a decision on a consistent vote."""
    quorum = Fraction(v.present, v.eligible) >= Fraction(rule.quorum.num, rule.quorum.den)
    if not quorum:
        return "no_quorum"
    approved = Fraction(v.yes, v.present) >= Fraction(rule.approval.num, rule.approval.den)
    if selected != approved:
        return "not_approved" if selected else "vote_contradicts_decision"
    return None


def fewest(whole: int, share: Fraction) -> int:
    return next(k for k in range(whole + 1) if Fraction(k, whole) >= share)


@pytest.mark.parametrize("eligible, least", FEWEST_FOR_TWO_THIRDS.items())
def test_two_thirds_quorum_at_its_boundary(eligible: int, least: int) -> None:
    assert has_quorum(vote(eligible=eligible, present=least, yes=least))
    assert not has_quorum(vote(eligible=eligible, present=least - 1, yes=least - 1))
    assert f"须至少 {least} 人" in refusal(True, vote(eligible=eligible, present=least - 1, yes=least - 1)).message


@pytest.mark.parametrize("present, least", FEWEST_FOR_TWO_THIRDS.items())
def test_two_thirds_approval_at_its_boundary(present: int, least: int) -> None:
    assert is_approved(vote(eligible=present, present=present, yes=least))
    assert not is_approved(vote(eligible=present, present=present, yes=least - 1))
    message = refusal(True, vote(eligible=present, present=present, yes=least - 1)).message
    assert f"赞成 {least - 1} 票，须至少 {least} 票" in message


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"quorum {r.quorum.num}/{r.quorum.den} "
                                                      f"approval {r.approval.num}/{r.approval.den}")
def test_every_small_vote_is_decided_as_the_fractions_say(rule: VoteRule) -> None:
    quorum_share, approval_share = (Fraction(t.num, t.den) for t in (rule.quorum, rule.approval))
    for eligible in range(1, 19):
        for present in range(eligible + 1):
            for recused in range(eligible - present + 1):
                for yes in range(present + 1):
                    no = (present - yes) // 2  # the rest abstain: neither counts as yes
                    v = CommitteeVote(eligible, present, recused, yes, no, present - yes - no)
                    assert has_quorum(v, rule) == (Fraction(present, eligible) >= quorum_share), v
                    if present:
                        assert is_approved(v, rule) == (Fraction(yes, present) >= approval_share), v
                    for selected in (True, False):
                        want = expected_refusal(selected, v, rule)
                        if want is None:
                            check_decision(selected, v, rule)
                            continue
                        error = refusal(selected, v, rule)
                        assert error.code == want, (selected, v)
                        if want == "no_quorum":
                            assert f"须至少 {fewest(eligible, quorum_share)} 人" in error.message
                        else:
                            assert f"须至少 {fewest(present, approval_share)} 票" in error.message
