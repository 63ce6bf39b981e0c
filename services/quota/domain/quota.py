"""The quota rule, pure: decide(state, event, rules) -> events; evolve(state, event) -> state.

A pool is one recommending unit's slots for one list (and domain, where the list counts per
domain). Its limit is the list's base quota times the channels the unit belongs to *when the
nomination is decided*. A nomination is decided once per revision however often it arrives;
a withdrawal, or a failed formal screening, frees exactly its slot; an amendment that moves list or domain moves the slot
atomically or is refused and keeps the old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal
from uuid import UUID

from contracts.campaign import Campaign
from contracts.errors import DomainError
from contracts.events import (
    Actor, Event, NominationAmended, NominationScreened, NominationSubmitted, NominationWithdrawn, QuotaRejected,
    QuotaReleased, QuotaReserved, UnitChannelsChanged, UnitRegistered, derived_event_id,
)

QUOTA_ACTOR = Actor(role="system", id="quota")

PoolKey = tuple[str, str, str, str]  # campaign, unit, list, domain ("" for lists without domains)
UnitKey = tuple[str, str]            # campaign, unit
Status = Literal["reserved", "rejected", "released"]


def pool_key(campaign: str, unit_id: str, list_code: str, domain: str | None) -> PoolKey:
    return (campaign, unit_id, list_code, domain or "")


@dataclass(frozen=True)
class Pool:
    slots: dict[int, UUID] = field(default_factory=dict)  # slot number -> nomination holding it

    @property
    def used(self) -> int:
        return len(self.slots)

    def first_free_slot(self) -> int:
        return next(n for n in range(1, len(self.slots) + 2) if n not in self.slots)


@dataclass(frozen=True)
class NominationQuota:
    """Where one nomination stands with the quota."""

    unit_id: str
    list_code: str
    domain: str | None
    status: Status
    revision: int
    slot: int | None = None


@dataclass(frozen=True)
class QuotaState:
    pools: dict[PoolKey, Pool] = field(default_factory=dict)
    nominations: dict[UUID, NominationQuota] = field(default_factory=dict)
    channels: dict[UnitKey, tuple[str, ...]] = field(default_factory=dict)  # registered units only

    def pool(self, key: PoolKey) -> Pool:
        return self.pools.get(key, Pool())


# --- decide -----------------------------------------------------------------------------------


def decide(state: QuotaState, event: Event, rules: QuotaRules) -> list[Event]:
    match event:
        case NominationSubmitted():
            if event.nomination_id in state.nominations:
                return []  # decided once already: a repeated submission changes nothing
            return _reserve_or_reject(state, event, event.list_code, event.domain, revision=event.revision,
                                      rules=rules)
        case NominationAmended():
            return _decide_amendment(state, event, rules)
        case NominationWithdrawn():
            held = state.nominations.get(event.nomination_id)
            if held is None or held.status != "reserved":
                return []
            return [_released(state, event, held, "withdrawn")]
        case NominationScreened(passed=False):  # failed formal screening: it leaves review, its slot is freed
            held = state.nominations.get(event.nomination_id)
            if held is None or held.status != "reserved":
                return []
            return [_released(state, event, held, "screened_out")]
    return []


def _decide_amendment(state: QuotaState, amended: NominationAmended, rules: QuotaRules) -> list[Event]:
    held = state.nominations.get(amended.nomination_id)
    if held is None or amended.revision <= held.revision or held.status == "released":
        return []  # unknown, already seen, or withdrawn: nothing to move
    if (held.list_code, held.domain) == (amended.list_code, amended.domain):
        return []
    if held.status == "rejected":  # it held nothing: decide the new target afresh
        return _reserve_or_reject(state, amended, amended.list_code, amended.domain, amended.revision, rules)
    moved = _reserve_or_reject(state, amended, amended.list_code, amended.domain, amended.revision, rules,
                               keeps_previous=True)
    if isinstance(moved[0], QuotaRejected):
        return moved
    return [_released(state, amended, held, "moved"), *moved]


def _reserve_or_reject(state: QuotaState, cause: NominationSubmitted | NominationAmended, list_code: str,
                       domain: str | None, revision: int, rules: QuotaRules,
                       keeps_previous: bool = False) -> list[Event]:
    key = pool_key(cause.campaign, cause.unit_id, list_code, domain)
    pool = state.pool(key)
    common = _common(cause, list_code, domain) | {"revision": revision}
    try:
        limit, refusal = _limit(state, cause, list_code, domain, rules)
    except DomainError as exc:
        return [_rejected(cause, common, "unknown_target", exc.message, 0, pool.used, keeps_previous)]
    if refusal:
        return [_rejected(cause, common, refusal[0], refusal[1], 0, pool.used, keeps_previous)]
    if limit is None or pool.used < limit:
        return [QuotaReserved(event_id=derived_event_id(cause.event_id, "QuotaReserved"),
                              slot=pool.first_free_slot(), limit=limit, used=pool.used + 1, **common)]
    message = f"推荐名额已满：本单位在该榜单（领域）的推荐名额为 {limit} 个，已全部占用。"
    return [_rejected(cause, common, "over_quota", message, limit, pool.used, keeps_previous)]


class QuotaRules:
    """A campaign's quota questions, memoised: a batch asks the same few ones thousands of times."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self._limits: dict[tuple, int | None] = {}

    def limit(self, list_code: str, domain: str | None, channels: tuple[str, ...] | None) -> int | None:
        """None: no channel quota. Raises DomainError for an unknown list or domain."""
        key = (list_code, domain, channels)
        if key not in self._limits:
            if self.campaign.ranking_list(list_code).separately_organised:
                self.campaign.check_target(list_code, domain)
                self._limits[key] = None
            else:
                self._limits[key] = self.campaign.quota_limit(list_code, domain, channels or ())
        return self._limits[key]


def _limit(state: QuotaState, cause: Event, list_code: str, domain: str | None,
           rules: QuotaRules) -> tuple[int | None, tuple[str, str] | None]:
    """The pool's limit now, or why the unit cannot nominate to it at all."""
    channels = state.channels.get((cause.campaign, cause.unit_id))
    limit = rules.limit(list_code, domain, channels)
    if limit is None:
        return None, None  # enters through its own review body: no channel quota, no registration
    if channels is None:
        return 0, ("not_registered", "推荐单位尚未在本届活动中登记，无法占用推荐名额。")
    if not limit:
        return 0, ("no_channel", "推荐单位所属推荐渠道不能向该榜单推荐，无推荐名额。")
    return limit, None


def _common(cause: Event, list_code: str, domain: str | None) -> dict:
    return dict(occurred_at=cause.occurred_at, campaign=cause.campaign, key=cause.key, actor=QUOTA_ACTOR,
                causation_id=cause.event_id, correlation_id=cause.correlation_id or cause.event_id,
                nomination_id=cause.nomination_id, unit_id=cause.unit_id, list_code=list_code, domain=domain)


def _rejected(cause: Event, common: dict, reason: str, message: str, limit: int, used: int,
              keeps_previous: bool) -> QuotaRejected:
    return QuotaRejected(event_id=derived_event_id(cause.event_id, "QuotaRejected"), reason=reason,
                         message=message, limit=limit, used=used, keeps_previous=keeps_previous, **common)


def _released(state: QuotaState, cause: Event, held: NominationQuota, reason: str) -> QuotaReleased:
    pool = state.pool(pool_key(cause.campaign, held.unit_id, held.list_code, held.domain))
    return QuotaReleased(event_id=derived_event_id(cause.event_id, "QuotaReleased"), slot=held.slot,
                         used=pool.used - 1, reason=reason, revision=held.revision,
                         **_common(cause, held.list_code, held.domain))


# --- evolve -----------------------------------------------------------------------------------


def evolve(state: QuotaState, event: Event) -> QuotaState:
    match event:
        case UnitRegistered() | UnitChannelsChanged():
            return replace(state, channels={**state.channels, (event.campaign, event.unit_id): event.channels})
        case QuotaReserved():
            key = pool_key(event.campaign, event.unit_id, event.list_code, event.domain)
            pool = state.pool(key)
            return replace(
                state,
                pools={**state.pools, key: Pool(slots={**pool.slots, event.slot: event.nomination_id})},
                nominations={**state.nominations, event.nomination_id: NominationQuota(
                    event.unit_id, event.list_code, event.domain, "reserved", event.revision, event.slot)},
            )
        case QuotaRejected():
            if event.keeps_previous:  # the old reservation stands; remember the revision was decided
                held = state.nominations[event.nomination_id]
                return replace(state, nominations={**state.nominations,
                                                   event.nomination_id: replace(held, revision=event.revision)})
            return replace(state, nominations={**state.nominations, event.nomination_id: NominationQuota(
                event.unit_id, event.list_code, event.domain, "rejected", event.revision)})
        case QuotaReleased():
            key = pool_key(event.campaign, event.unit_id, event.list_code, event.domain)
            slots = {s: n for s, n in state.pool(key).slots.items() if n != event.nomination_id}
            held = state.nominations[event.nomination_id]
            return replace(state, pools={**state.pools, key: Pool(slots=slots)},
                           nominations={**state.nominations,
                                        event.nomination_id: replace(held, status="released", slot=None)})
    return state
