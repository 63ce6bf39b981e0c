"""Final review (终评) by the secretariat, pure: one decision per nomination from the submitted
preliminary results — selected or not — carried by the committee's vote, with quorum and approval as
the campaign's rules fix them (exact integers, 含三分之二; recused members are not present). A decision
may be revised (a new revision) until a public notice lists the nomination: what the notice freezes is what
it lists. A nomination the notice did not list (not selected then, or of a target the secretariat opened the
notice without) may still be decided, and reaches a release only through a later notice that lists it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from contracts.errors import Conflict, DomainError
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
    on_notice: bool                # a public notice of its list listed it: its decision is final
    last: FinalDecisionRecorded | None = None
    withdrawn: bool = False        # withdrawn since its results (a request the secretariat granted): out of review


@dataclass(frozen=True)
class RecordSitting:
    """A committee sitting (终评会议): the decisions it took, each with its own vote, recorded together."""
    by: Identity
    sitting_id: UUID
    decisions: tuple[RecordDecision, ...]


@dataclass(frozen=True)
class SittingState:
    decisions: Mapping[object, DecisionState]  # by nomination id


def vote_rule(context: ReviewContext) -> VoteRule:
    rule = context.campaign.rules.final_vote
    return VoteRule(Threshold(rule.quorum.numerator, rule.quorum.denominator),
                    Threshold(rule.approval.numerator, rule.approval.denominator))


def decide_decision(state: DecisionState, cmd: RecordDecision, context: ReviewContext,
                    sitting_id: UUID | None = None) -> list[Event]:
    if state.target is None or state.target.campaign != context.campaign.code:
        raise Conflict("该推荐对象尚无已报送的初评结果，不能作出终评决定。", code="no_prelim_results")
    if state.withdrawn:
        raise Conflict("该推荐已撤回，退出评审，不能作出终评决定。", code="withdrawn")
    if state.on_notice:
        raise Conflict("该推荐已列入榜单公示名单，终评决定不能再修改。", code="notice_open")
    check_decision(cmd.selected, cmd.vote, vote_rule(context))
    vote = RecordedVote(**cmd.vote.__dict__)
    last = state.last
    if last is not None and (last.selected, last.vote, last.note) == (cmd.selected, vote, cmd.note):
        return []  # recorded so already
    t = state.target
    return [FinalDecisionRecorded(occurred_at=context.now, campaign=t.campaign, actor=cmd.by.actor(),
                                  key=target_key(t.campaign, t.list_code, t.domain), nomination_id=cmd.nomination_id,
                                  list_code=t.list_code, domain=t.domain, selected=cmd.selected, note=cmd.note,
                                  vote=vote, revision=(last.revision + 1) if last else 1, sitting_id=sitting_id)]


def decide_sitting(state: SittingState, cmd: RecordSitting, context: ReviewContext) -> list[Event]:
    """Every decision of the sitting, or none: one refused decision refuses the sitting, naming each refused
    item (its position, nomination and reason), so the secretariat corrects the minutes and sends them again."""
    seen: set = set()
    twice = [i for i, d in enumerate(cmd.decisions) if d.nomination_id in seen or seen.add(d.nomination_id)]
    if twice:
        raise DomainError(f"同一推荐对象在本次会议中出现多次：第 {twice[0] + 1} 项（{cmd.decisions[twice[0]].nomination_id}）。",
                          code="duplicate_nomination", field=f"decisions[{twice[0]}].nomination_id")
    events: list[Event] = []
    refused: list[tuple[int, DomainError]] = []
    for i, decision in enumerate(cmd.decisions):
        try:
            events += decide_decision(state.decisions[decision.nomination_id], decision, context, cmd.sitting_id)
        except DomainError as exc:
            refused.append((i, exc))
    if refused:
        i, first = refused[0]
        raise DomainError(
            f"本次终评会议的决定均未记录：{len(refused)} 项不符合要求。第 {i + 1} 项"
            f"（{cmd.decisions[i].nomination_id}）：{first.message}", code=first.code, http_status=first.http_status,
            field=f"decisions[{i}]", errors=[{"field": f"decisions[{j}]", "code": e.code, "message": e.message,
                                             "nomination_id": str(cmd.decisions[j].nomination_id)}
                                            for j, e in refused])
    return events
