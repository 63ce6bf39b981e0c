"""A unit's quota use, per list (and domain), in the one shape every service answers with.

Pure: the unit's stacked limits come from the campaign and its channels; what is used (and, where a
service knows it, what is pending or who holds each slot) comes from the caller's own view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from contracts.campaign import Campaign

PoolOfList = tuple[str, str]  # (list code, domain code or "")


Extra = Callable[[PoolOfList], Mapping[str, Any]]


def quota_pools(campaign: Campaign, channels: Iterable[str], used: Mapping[PoolOfList, int],
                extra: Extra | None = None) -> list[dict[str, Any]]:
    """Every pool the unit can nominate to (lists with a channel quota): limit, used, remaining, plus
    what `extra(pool)` adds (e.g. the pending count, or the slot holders)."""
    channels = tuple(channels)
    pools = []
    for ranking_list in campaign.lists:
        if ranking_list.separately_organised:
            continue
        for domain in ranking_list.domains or (None,):
            code = domain.code if domain else None
            limit = campaign.quota_limit(ranking_list.code, code, channels) or 0
            key = (ranking_list.code, code or "")
            held = used.get(key, 0)
            pools.append({"list_code": ranking_list.code, "list_name": ranking_list.name, "domain": code,
                          "domain_name": domain.name if domain else None, "limit": limit, "used": held,
                          "remaining": max(limit - held, 0), **(extra(key) if extra else {})})
    return pools


def unit_quota_use(campaign: Campaign, unit_id: str, channels: Iterable[str], used: Mapping[PoolOfList, int],
              extra: Extra | None = None, **about: Any) -> dict[str, Any]:
    channels = list(channels)
    return {"campaign": campaign.code, "unit_id": unit_id, **about, "channels": channels,
            "pools": quota_pools(campaign, channels, used, extra)}
