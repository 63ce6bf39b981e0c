"""Personal data sealed per person, pure: the envelope opens only with its person's key, under its person's id;
no view's event struct names a personal field; retention is declared per purpose in the campaign file."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta, timezone

import msgspec
import pytest
from pydantic import ValidationError

from contracts import events
from contracts.campaign import load_builtin_campaign
from contracts.campaign.parts import Retention
from contracts.personal import ERASED
from eventlog.privacy import KeySealer, reveal

BJ = timezone(timedelta(hours=8))
A, B = "objector:a", "objector:b"
KEYS = {A: bytes(range(32)), B: bytes(range(1, 33))}


def test_a_sealed_field_opens_with_its_persons_key_only():
    sealed = KeySealer(KEYS).seal(A, "张三")
    assert reveal(sealed, KEYS) == "张三"
    # The same text sealed again is the same envelope (a re-filed roster compares equal); another text is not.
    assert KeySealer(KEYS).seal(A, "张三") == sealed
    assert KeySealer(KEYS).seal(A, "李四").nonce != sealed.nonce
    # Without the key, with an erased one (None), with another person's, or moved to another person: 已删除.
    assert [reveal(sealed, k) for k in ({}, {A: None}, {A: KEYS[B]})] == [ERASED] * 3
    assert reveal(sealed.model_copy(update={"pid": B}), KEYS) == ERASED


VIEW_EVENT_MODULES = ["services.publish.views.ranking_events", "services.publish.views.release_events",
                      "services.review.views.review_events", "services.review.views.audit_events"]


@pytest.mark.parametrize("module", VIEW_EVENT_MODULES)
def test_no_view_struct_names_a_personal_field(module):
    # A view decodes events into its own structs: one that named a sealed field could store it, or show it.
    for struct in vars(importlib.import_module(module)).values():
        if isinstance(struct, type) and issubclass(struct, msgspec.Struct):
            assert not set(struct.__struct_fields__) & events.PERSONAL_FIELDS.get(struct.__name__, frozenset())


def test_retention_runs_from_a_timeline_instant():
    campaign = load_builtin_campaign("kczg-2022")
    objectors, experts = campaign.retention
    assert (experts.purpose, experts.after, experts.days) == ("expert", "publicity_closes_at", 365)
    assert (objectors.purpose, objectors.after, objectors.days) == ("objector", "release_planned_until", 180)
    assert objectors.expires_at(campaign.timeline) == datetime(2023, 7, 31, tzinfo=BJ)
    moved = campaign.timeline.model_copy(update={"release_planned_until": datetime(2023, 3, 1, tzinfo=BJ)})
    assert objectors.expires_at(moved) == datetime(2023, 8, 28, tzinfo=BJ)


@pytest.mark.parametrize("rule, words", [
    ({"purpose": "objector", "after": "the_release", "days": 180}, "unknown timeline instant"),
    ({"purpose": "objector", "after": "release_planned_until", "days": -1}, "greater than or equal to 0"),
    ({"purpose": "bystander", "after": "release_planned_until", "days": 1}, "objector"),
])
def test_a_retention_rule_names_a_purpose_an_instant_and_whole_days(rule, words):
    with pytest.raises(ValidationError, match=words):
        Retention(**rule)


def test_a_filed_roster_carries_each_experts_name_and_address_sealed_and_a_refiling_compares_equal():
    from dataclasses import replace

    from services.review.domain.commands import FilePlan
    from services.review.domain.decide import decide
    from services.review.domain.evolve import evolve_target
    from services.review.domain.model import TargetState
    from tests.unit.test_review_decisions import ANY_KEY, MATERIALS, OTHER, ROSTER, ctx, terms

    roster = [{**ROSTER[0], "contact_email": "e1@example.edu.cn"}, *ROSTER[1:]]
    (plan,) = decide(TargetState(MATERIALS), FilePlan(OTHER, MATERIALS, terms(roster=roster)), ctx())
    first = plan.roster[0]
    # Sealed under the expert's id, the affiliation (an organisation) in clear; nothing personal in the event's JSON.
    assert (first.name.pid, first.contact_email.pid, first.affiliation) == ("expert:kczg-2022:e1",) * 2 + ("推荐单位甲",)
    assert (reveal(first.name, ANY_KEY._keys), reveal(first.contact_email, ANY_KEY._keys)) == ("专家1", "e1@example.edu.cn")
    assert "专家1" not in plan.model_dump_json() and "e1@example.edu.cn" not in plan.model_dump_json()
    assert plan.roster[1].contact_email is None
    # Once scoring began, the same roster filed again with one more expert is an extension: the sealed entries
    # compare equal (the same text under the same key is the same envelope).
    scored = replace(evolve_target(TargetState(MATERIALS), [plan]), scored=True)
    more = [*roster, {"expert_id": "e9", "name": "专家9", "affiliation": "某大学9"}]
    (extended,) = decide(scored, FilePlan(OTHER, MATERIALS, terms(roster=more)), ctx())
    assert extended.roster[:len(roster)] == plan.roster and extended.extends == plan.event_id
