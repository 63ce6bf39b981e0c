"""The quota rule, pure: decide(state, event, limit) -> events; evolve(state, event) -> state.

A pool is one recommending unit's slots for one list (and domain, where the list
counts per domain). A nomination is reserved while a slot is free, else rejected,
and is decided exactly once however often its submission arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal
from uuid import UUID

from contracts.events import (
    Actor,
    Event,
    NominationSubmitted,
    QuotaRejected,
    QuotaReserved,
    derived_event_id,
)

QUOTA_ACTOR = Actor(role="system", id="quota")

PoolKey = tuple[str, str, str, str]  # campaign, unit, list, domain ("" for lists without domains)
Outcome = Literal["reserved", "rejected"]


def pool_key(campaign: str, unit_id: str, list_code: str, domain: str | None) -> PoolKey:
    return (campaign, unit_id, list_code, domain or "")


@dataclass(frozen=True)
class Pool:
    slots: dict[int, UUID] = field(default_factory=dict)  # slot number -> nomination holding it

    @property
    def used(self) -> int:
        return len(self.slots)

    def first_free_slot(self) -> int:
        slot = 1
        while slot in self.slots:
            slot += 1
        return slot


@dataclass(frozen=True)
class QuotaState:
    pools: dict[PoolKey, Pool] = field(default_factory=dict)
    decided: dict[UUID, Outcome] = field(default_factory=dict)

    def pool(self, key: PoolKey) -> Pool:
        return self.pools.get(key, Pool())


def decide_submission(state: QuotaState, submitted: NominationSubmitted, limit: int | None) -> list[Event]:
    """Reserve a slot for the nomination or reject it. `limit` None means the list takes no channel quota."""
    if submitted.nomination_id in state.decided:
        return []  # decided once already: a repeated submission changes nothing
    key = pool_key(submitted.campaign, submitted.unit_id, submitted.list_code, submitted.domain)
    pool = state.pool(key)
    common = dict(
        occurred_at=submitted.occurred_at,
        campaign=submitted.campaign,
        key=submitted.key,
        actor=QUOTA_ACTOR,
        causation_id=submitted.event_id,
        correlation_id=submitted.correlation_id or submitted.event_id,
        nomination_id=submitted.nomination_id,
        unit_id=submitted.unit_id,
        list_code=submitted.list_code,
        domain=submitted.domain,
    )
    effective_limit = limit if limit is not None else pool.used + 1
    if pool.used < effective_limit:
        return [QuotaReserved(
            event_id=derived_event_id(submitted.event_id, "QuotaReserved"),
            slot=pool.first_free_slot(), limit=limit, used=pool.used + 1, **common,
        )]
    return [QuotaRejected(
        event_id=derived_event_id(submitted.event_id, "QuotaRejected"),
        reason="over_quota" if effective_limit > 0 else "no_channel",
        message=_over_quota_message(limit or 0),
        limit=effective_limit, used=pool.used, **common,
    )]


def _over_quota_message(limit: int) -> str:
    if limit == 0:
        return "推荐单位未登记任何推荐渠道，无推荐名额。"
    return f"推荐名额已满：本单位在该榜单（领域）的推荐名额为 {limit} 个，已全部占用。"


def evolve(state: QuotaState, event: Event) -> QuotaState:
    match event:
        case QuotaReserved():
            key = pool_key(event.campaign, event.unit_id, event.list_code, event.domain)
            pool = state.pool(key)
            pools = {**state.pools, key: replace(pool, slots={**pool.slots, event.slot: event.nomination_id})}
            return QuotaState(pools=pools, decided={**state.decided, event.nomination_id: "reserved"})
        case QuotaRejected():
            return QuotaState(pools=state.pools, decided={**state.decided, event.nomination_id: "rejected"})
    return state
