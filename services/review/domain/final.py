"""Final review (终评) by the secretariat, pure: one decision per nomination from the submitted
preliminary results — selected or not — carried by the committee's vote, with quorum and approval as
the campaign's rules fix them (exact integers, 含三分之二; recused members are not present). A decision
may be revised (a new revision) until the list's public notice opens."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.errors import Conflict
from contracts.events import CommitteeVote as RecordedVote
from contracts.events import Event, FinalDecisionRecorded, target_key
from contracts.identity import Identity

from .context import ReviewContext
from .targets import Target
from .votes import CommitteeVote, Threshold, VoteRule, check_decision


@dataclass(frozen=True)
class RecordDecision:
    by: Identity
    nomination_id: object
    selected: bool
    vote: CommitteeVote
    note: str = ""


@dataclass(frozen=True)
class DecisionState:
    target: Target | None          # the nomination's target, if it is in submitted preliminary results
    notice_opened: bool            # the list's public notice has opened: decisions are final
    last: FinalDecisionRecorded | None = None


def vote_rule(context: ReviewContext) -> VoteRule:
    rule = context.campaign.rules.final_vote
    return VoteRule(Threshold(rule.quorum.numerator, rule.quorum.denominator),
                    Threshold(rule.approval.numerator, rule.approval.denominator))


def decide_decision(state: DecisionState, cmd: RecordDecision, context: ReviewContext) -> list[Event]:
    if state.target is None or state.target.campaign != context.campaign.code:
        raise Conflict("该推荐对象尚无已报送的初评结果，不能作出终评决定。", code="no_prelim_results")
    if state.notice_opened:
        raise Conflict("该榜单已进入公示，终评决定不能再修改。", code="notice_open")
    check_decision(cmd.selected, cmd.vote, vote_rule(context))
    vote = RecordedVote(**cmd.vote.__dict__)
    last = state.last
    if last is not None and (last.selected, last.vote, last.note) == (cmd.selected, vote, cmd.note):
        return []  # recorded so already
    t = state.target
    return [FinalDecisionRecorded(occurred_at=context.now, campaign=t.campaign, actor=cmd.by.actor(),
                                  key=target_key(t.campaign, t.list_code, t.domain), nomination_id=cmd.nomination_id,
                                  list_code=t.list_code, domain=t.domain, selected=cmd.selected, note=cmd.note,
                                  vote=vote, revision=(last.revision + 1) if last else 1)]
