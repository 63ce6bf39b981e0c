"""A final-review sitting (终评会议), pure: every decision it took recorded together, one FinalDecisionRecorded
per nomination, or none at all when any one is refused — each refused item named."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest

from contracts.campaign import load_builtin_campaign
from contracts.errors import DomainError
from contracts.events import FinalDecisionRecorded
from contracts.identity import Identity
from services.review.domain.context import ReviewContext
from services.review.domain.final import DecisionState, RecordDecision, RecordSitting, SittingState, decide_sitting
from services.review.domain.targets import Target
from services.review.domain.votes import CommitteeVote

BJ = timezone(timedelta(hours=8))
CONTEXT = ReviewContext(datetime(2022, 12, 10, 10, tzinfo=BJ), load_builtin_campaign("kczg-2022"))
SECRETARIAT = Identity(sub="s", role="secretariat", org="kczg_secretariat")
MATERIALS = Target("kczg-2022", "leading_tech", "advanced_materials")
CARRIED = CommitteeVote(eligible=15, present=12, recused=1, yes=10, no=1, abstain=1)
REJECTED = CommitteeVote(eligible=15, present=12, recused=1, yes=3, no=8, abstain=1)
NO_QUORUM = CommitteeVote(eligible=15, present=9, recused=0, yes=9, no=0, abstain=0)


def sitting(*decisions: tuple) -> RecordSitting:
    return RecordSitting(SECRETARIAT, uuid4(), tuple(RecordDecision(SECRETARIAT, nid, selected, vote)
                                                     for nid, selected, vote in decisions))


def test_a_sitting_records_one_decision_per_nomination_carrying_its_id():
    a, b, c = uuid4(), uuid4(), uuid4()
    state = SittingState({n: DecisionState(MATERIALS, False) for n in (a, b, c)})
    cmd = sitting((a, True, CARRIED), (b, False, REJECTED), (c, True, CARRIED))
    events = decide_sitting(state, cmd, CONTEXT)
    assert [(e.nomination_id, e.selected, e.revision, e.sitting_id) for e in events] == [
        (a, True, 1, cmd.sitting_id), (b, False, 1, cmd.sitting_id), (c, True, 1, cmd.sitting_id)]
    assert {e.key for e in events} == {"kczg-2022:leading_tech:advanced_materials"}
    assert all(isinstance(e, FinalDecisionRecorded) for e in events)


def test_a_sitting_revises_what_changed_and_leaves_what_it_repeats():
    a, b = uuid4(), uuid4()
    earlier = decide_sitting(SittingState({n: DecisionState(MATERIALS, False) for n in (a, b)}),
                             sitting((a, True, CARRIED), (b, True, CARRIED)), CONTEXT)
    state = SittingState({e.nomination_id: DecisionState(MATERIALS, False, e) for e in earlier})
    events = decide_sitting(state, sitting((a, True, CARRIED), (b, False, REJECTED)), CONTEXT)
    assert [(e.nomination_id, e.selected, e.revision) for e in events] == [(b, False, 2)]


def test_one_refused_decision_refuses_the_sitting_and_names_every_refused_item():
    a, b, c, late = uuid4(), uuid4(), uuid4(), uuid4()
    state = SittingState({a: DecisionState(MATERIALS, False), b: DecisionState(MATERIALS, False),
                          c: DecisionState(None, False), late: DecisionState(MATERIALS, True)})
    with pytest.raises(DomainError) as refused:
        decide_sitting(state, sitting((a, True, CARRIED), (b, True, NO_QUORUM), (c, True, CARRIED),
                                      (late, True, CARRIED)), CONTEXT)
    assert refused.value.code == "no_quorum"
    assert refused.value.field == "decisions[1]"
    assert "3 项不符合要求" in refused.value.message and "第 2 项" in refused.value.message
    assert [(e["field"], e["code"], e["nomination_id"]) for e in refused.value.errors] == [
        ("decisions[1]", "no_quorum", str(b)), ("decisions[2]", "no_prelim_results", str(c)),
        ("decisions[3]", "notice_open", str(late))]


def test_a_nomination_twice_in_one_sitting_is_refused():
    a, b = uuid4(), uuid4()
    state = SittingState({a: DecisionState(MATERIALS, False), b: DecisionState(MATERIALS, False)})
    with pytest.raises(DomainError) as refused:
        decide_sitting(state, sitting((a, True, CARRIED), (b, True, CARRIED), (a, False, REJECTED)), CONTEXT)
    assert (refused.value.code, refused.value.field) == ("duplicate_nomination", "decisions[2].nomination_id")
