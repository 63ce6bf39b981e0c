"""Final review (终评) committee votes, pure: quorum, approval and the decision they must support.

Thresholds are integer fractions met *inclusively* (含三分之二): quorum when den·present ≥ num·eligible,
approval when den·yes ≥ num·present, in exact integers. Recused members (回避) are not present.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.errors import DomainError

_DIGITS = "零一二三四五六七八九十"


@dataclass(frozen=True)
class Threshold:
    num: int
    den: int

    def met(self, part: int, whole: int) -> bool:
        return self.den * part >= self.num * whole

    def least(self, whole: int) -> int:
        """The smallest part of `whole` that meets the threshold."""
        return -(-self.num * whole // self.den)

    @property
    def label(self) -> str:
        if self.num == self.den:
            return "全体"
        if self.den <= 10:
            return f"{_DIGITS[self.den]}分之{_DIGITS[self.num]}"
        return f"{self.num}/{self.den}"


@dataclass(frozen=True)
class VoteRule:
    quorum: Threshold = Threshold(2, 3)    # of the eligible members, present
    approval: Threshold = Threshold(2, 3)  # of the members present, voting yes


@dataclass(frozen=True)
class CommitteeVote:
    eligible: int   # 应到
    present: int    # 实到, recused members not counted
    recused: int    # 回避
    yes: int
    no: int
    abstain: int

    @property
    def figures(self) -> str:
        return (f"应到 {self.eligible} 人，实到 {self.present} 人，回避 {self.recused} 人；"
                f"赞成 {self.yes} 票，反对 {self.no} 票，弃权 {self.abstain} 票")


def check_rule(rule: VoteRule) -> None:
    """Refuse a threshold that is not a fraction in (0, 1]."""
    for what, t in (("到会", rule.quorum), ("通过", rule.approval)):
        if any(isinstance(x, bool) or not isinstance(x, int) for x in (t.num, t.den)) or not 0 < t.num <= t.den:
            raise DomainError(f"{what}比例须为 0 到 1 之间的整数分数，收到 {t.num}/{t.den}。", code="vote_rule_invalid")


def check_consistency(vote: CommitteeVote) -> None:
    """Refuse counts that cannot describe one vote."""
    counts = (vote.eligible, vote.present, vote.recused, vote.yes, vote.no, vote.abstain)
    if any(isinstance(x, bool) or not isinstance(x, int) or x < 0 for x in counts):
        problem = "各项人数、票数须为非负整数"
    elif vote.eligible < 1:
        problem = "应到人数须至少为 1 人"
    elif vote.present + vote.recused > vote.eligible:
        problem = f"实到 {vote.present} 人与回避 {vote.recused} 人之和超过应到 {vote.eligible} 人"
    elif vote.yes + vote.no + vote.abstain != vote.present:
        problem = (f"赞成 {vote.yes} + 反对 {vote.no} + 弃权 {vote.abstain} = "
                   f"{vote.yes + vote.no + vote.abstain} 票，与实到 {vote.present} 人不符")
    else:
        return
    raise DomainError(f"表决数据不一致：{problem}（{vote.figures}）。", code="vote_inconsistent")


def has_quorum(vote: CommitteeVote, rule: VoteRule = VoteRule()) -> bool:
    return rule.quorum.met(vote.present, vote.eligible)


def is_approved(vote: CommitteeVote, rule: VoteRule = VoteRule()) -> bool:
    """Enough yes votes among those present (the quorum is checked apart)."""
    return rule.approval.met(vote.yes, vote.present)


def check_decision(selected: bool, vote: CommitteeVote, rule: VoteRule = VoteRule()) -> None:
    """Refuse a final decision the committee's vote does not support.

    A vote always needs its quorum; selecting needs approval; not selecting after an approving vote
    contradicts it.
    """
    check_rule(rule)
    check_consistency(vote)
    if not has_quorum(vote, rule):
        raise DomainError(
            f"到会人数不足，表决无效：应到 {vote.eligible} 人，实到 {vote.present} 人（回避 {vote.recused} 人），"
            f"须至少 {rule.quorum.least(vote.eligible)} 人（应到人数的{rule.quorum.label}）。", code="no_quorum")
    needed = rule.approval.least(vote.present)
    if selected and not is_approved(vote, rule):
        raise DomainError(
            f"赞成票未达到通过要求：实到 {vote.present} 人，赞成 {vote.yes} 票，"
            f"须至少 {needed} 票（实到人数的{rule.approval.label}）。", code="not_approved")
    if not selected and is_approved(vote, rule):
        raise DomainError(
            f"表决结果与决定不符：实到 {vote.present} 人，赞成 {vote.yes} 票，已达到通过要求"
            f"（须至少 {needed} 票，实到人数的{rule.approval.label}），决定却为不入选。",
            code="vote_contradicts_decision")
