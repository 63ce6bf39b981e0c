"""The quota rule without I/O: stacked limits, exactly-one decisions, releases and moves."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.campaign import load_builtin_campaign
from contracts.events import (
    Actor, NominationAmended, NominationScreened, NominationSubmitted, NominationWithdrawn, QuotaRejected,
    QuotaReleased,
    QuotaReserved, UnitChannelsChanged, UnitRegistered, unit_key,
)
from services.quota.domain import QuotaRules, QuotaState, decide, evolve, pool_key

CAMPAIGN = load_builtin_campaign("kczg-2022")
RULES = QuotaRules(CAMPAIGN)
NOW = datetime(2022, 10, 1, tzinfo=timezone.utc)
UNIT = "unit-1"
ENVELOPE = dict(occurred_at=NOW, campaign=CAMPAIGN.code, key=unit_key(CAMPAIGN.code, UNIT),
                actor=Actor(role="unit", id=UNIT))


def registered(*channels: str) -> QuotaState:
    return evolve(QuotaState(), UnitRegistered(unit_id=UNIT, name="单位", channels=channels, **ENVELOPE))


def submit(list_code="leading_tech", domain="biomedicine", nomination_id=None) -> NominationSubmitted:
    return NominationSubmitted(nomination_id=nomination_id or uuid4(), unit_id=UNIT, list_code=list_code,
                               domain=domain, title="t", **ENVELOPE)


def run(state: QuotaState, *events):
    out = []
    for event in events:
        for decision in decide(state, event, RULES):
            state = evolve(state, decision)
            out.append(decision)
    return state, out


def test_a_unit_in_three_channels_gets_nine_leading_tech_slots_per_domain():
    state = registered("national_society", "provincial_cast", "pilot_city_park")
    state, out = run(state, *[submit() for _ in range(12)])
    assert [type(e) for e in out] == [QuotaReserved] * 9 + [QuotaRejected] * 3
    assert {e.limit for e in out} == {9}
    assert sorted(e.slot for e in out if isinstance(e, QuotaReserved)) == list(range(1, 10))
    assert all(e.reason == "over_quota" and e.used == 9 for e in out[9:])
    # Another domain is another pool.
    _, other = run(state, submit(domain="advanced_materials"))
    assert isinstance(other[0], QuotaReserved) and other[0].used == 1


@pytest.mark.parametrize("list_code, base", [("emerging_enterprise", 5), ("integrated_innovation_org", 2),
                                             ("entrepreneurship_pioneer", 2), ("tech_manager_pioneer", 2)])
def test_lists_without_domains_stack_their_base_quota(list_code, base):
    state = registered("national_society", "central_enterprise_cast")
    _, out = run(state, *[submit(list_code, None) for _ in range(2 * base + 1)])
    assert sum(isinstance(e, QuotaReserved) for e in out) == 2 * base


def test_separately_organised_lists_take_no_channel_quota_and_need_no_registration():
    _, out = run(QuotaState(), *[submit("open_source", None) for _ in range(20)])
    assert all(isinstance(e, QuotaReserved) and e.limit is None for e in out)


def test_unregistered_unit_and_unknown_target_are_rejected_with_reasons():
    _, out = run(QuotaState(), submit())
    assert out[0].reason == "not_registered"
    _, out = run(registered("national_society"), submit(domain="astrology"))
    assert out[0].reason == "unknown_target"


def test_a_repeated_submission_is_decided_once():
    state = registered("national_society")
    first = submit()
    state, out = run(state, first, first, first)
    assert len(out) == 1


def test_channels_count_at_decision_time():
    state = registered("national_society")
    state, out = run(state, *[submit() for _ in range(4)])
    assert sum(isinstance(e, QuotaReserved) for e in out) == 3
    state = evolve(state, UnitChannelsChanged(unit_id=UNIT, channels=("national_society", "provincial_cast"),
                                              **ENVELOPE))
    _, out = run(state, *[submit() for _ in range(4)])
    assert sum(isinstance(e, QuotaReserved) for e in out) == 3  # 6 now, 3 already used


def test_withdrawal_frees_exactly_one_slot_and_only_once():
    state = registered("national_society")
    held = [submit() for _ in range(3)]
    state, _ = run(state, *held)
    withdraw = NominationWithdrawn(nomination_id=held[0].nomination_id, unit_id=UNIT, reason="撤回", **ENVELOPE)
    state, out = run(state, withdraw, withdraw)
    assert [type(e) for e in out] == [QuotaReleased]
    assert state.pool(pool_key(CAMPAIGN.code, UNIT, "leading_tech", "biomedicine")).used == 2
    state, out = run(state, submit(), submit())
    assert [type(e) for e in out] == [QuotaReserved, QuotaRejected]
    assert (out[0].slot, out[0].used) == (1, 3)  # the freed slot is reused


def test_a_failed_screening_frees_the_slot_once_and_a_passed_one_keeps_it():
    state = registered("national_society")
    held = [submit() for _ in range(3)]
    state, _ = run(state, *held)
    passed = NominationScreened(nomination_id=held[1].nomination_id, unit_id=UNIT, passed=True, **ENVELOPE)
    failed = NominationScreened(nomination_id=held[0].nomination_id, unit_id=UNIT, passed=False,
                                reasons=("材料不全",), **ENVELOPE)
    state, out = run(state, passed, failed, failed)
    assert [(type(e), e.reason) for e in out] == [(QuotaReleased, "screened_out")]
    assert out[0].nomination_id == held[0].nomination_id and out[0].used == 2
    assert state.pool(pool_key(CAMPAIGN.code, UNIT, "leading_tech", "biomedicine")).used == 2
    # A withdrawal after it changes nothing more.
    withdraw = NominationWithdrawn(nomination_id=held[0].nomination_id, unit_id=UNIT, reason="撤回", **ENVELOPE)
    assert run(state, withdraw)[1] == []


def amend(nomination: NominationSubmitted, revision: int, domain: str) -> NominationAmended:
    return NominationAmended(nomination_id=nomination.nomination_id, unit_id=UNIT, revision=revision,
                             list_code="leading_tech", domain=domain, title="t", **ENVELOPE)


def test_an_amendment_moves_the_slot_atomically_or_keeps_the_old_one():
    state = registered("national_society")
    bio = [submit() for _ in range(3)]
    state, _ = run(state, *bio)
    state, out = run(state, amend(bio[0], 2, "advanced_materials"))
    assert [type(e) for e in out] == [QuotaReleased, QuotaReserved]
    assert state.pool(pool_key(CAMPAIGN.code, UNIT, "leading_tech", "biomedicine")).used == 2
    # Fill materials, then try to move another one there: refused, and it keeps its biomedicine slot.
    state, _ = run(state, submit(domain="advanced_materials"), submit(domain="advanced_materials"))
    state, out = run(state, amend(bio[1], 2, "advanced_materials"))
    assert len(out) == 1 and isinstance(out[0], QuotaRejected) and out[0].keeps_previous
    assert state.nominations[bio[1].nomination_id].status == "reserved"
    assert state.pool(pool_key(CAMPAIGN.code, UNIT, "leading_tech", "biomedicine")).used == 2


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["submit", "withdraw", "move"]), min_size=1, max_size=60), st.randoms())
def test_withdraw_revive_and_move_cycles_never_exceed_the_limit(steps, rnd: random.Random):
    state = registered("national_society")  # 3 per domain
    live: list[NominationSubmitted] = []
    revisions: dict = {}
    for step in steps:
        if step == "submit" or not live:
            event = submit(domain=rnd.choice(["biomedicine", "advanced_materials"]))
            live.append(event)
        elif step == "withdraw":
            target = live.pop(rnd.randrange(len(live)))
            event = NominationWithdrawn(nomination_id=target.nomination_id, unit_id=UNIT, reason="r", **ENVELOPE)
        else:
            target = rnd.choice(live)
            revisions[target.nomination_id] = revisions.get(target.nomination_id, 1) + 1
            event = amend(target, revisions[target.nomination_id], rnd.choice(["biomedicine", "advanced_materials"]))
        state, _ = run(state, event)
        for key, pool in state.pools.items():
            assert pool.used <= 3, key
            assert sorted(pool.slots) == sorted(set(pool.slots)) and all(1 <= s <= 3 for s in pool.slots)
            holders = {n for n, q in state.nominations.items() if q.status == "reserved"
                       and pool_key(CAMPAIGN.code, UNIT, q.list_code, q.domain) == key}
            assert set(pool.slots.values()) == holders
