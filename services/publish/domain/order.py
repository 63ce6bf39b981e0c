"""The declared order of a published list (and of a notice): grouped by domain, then by recommending unit.

    1. domain, in the campaign's order of the list's domains (a list without domains is one group);
    2. the recommending unit's name, compared by Unicode code points (not pinyin, not strokes: the one
       order every machine computes alike), a unit without a known name sorting by its id;
    3. the unit id (two units of the same name stay apart and in one order);
    4. the entry's title, by code points;
    5. the nomination id (canonical text), so no two entries ever tie.

Not by score: the published lists are ordered by recommending unit (按推荐单位排序).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar
from uuid import UUID

from contracts.campaign import Campaign

ORDER_DECLARATION = ("按领域分组（领域顺序同本年度征集通知），组内按推荐单位名称的 Unicode 码位顺序排列，"
                     "名称相同的按推荐单位编码，再按名称、提名编号排列；不按评分排序。")


class Orderable(Protocol):
    @property
    def nomination_id(self) -> UUID | str: ...
    @property
    def domain(self) -> str | None: ...
    @property
    def title(self) -> str: ...
    @property
    def unit_id(self) -> str: ...
    @property
    def unit_name(self) -> str | None: ...


E = TypeVar("E", bound=Orderable)


def release_order(campaign: Campaign, list_code: str, entries: Iterable[E]) -> list[E]:
    domains = {d.code: i for i, d in enumerate(campaign.ranking_list(list_code).domains)}

    def key(e: E) -> tuple:
        # A domain the campaign does not know (never expected) goes last, by its code.
        return (domains.get(e.domain or "", len(domains)), e.domain or "", e.unit_name or e.unit_id, e.unit_id,
                e.title, str(e.nomination_id))

    return sorted(entries, key=key)
