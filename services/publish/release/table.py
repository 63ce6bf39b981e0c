"""The release as rows: domain groups with their 序号, shared by every file and page."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from .model import ListRelease, Release


class InDomain(Protocol):
    @property
    def domain(self) -> str | None: ...
    @property
    def domain_name(self) -> str | None: ...


E = TypeVar("E", bound=InDomain)


@dataclass(frozen=True)
class DomainGroup(Generic[E]):
    """A run of entries of one domain (or of a list without domains), numbered from 1."""

    domain: str | None
    domain_name: str | None
    entries: tuple[E, ...]

    def numbered(self) -> Iterator[tuple[int, E]]:
        return enumerate(self.entries, start=1)


def domain_groups(entries: Iterable[E]) -> tuple[DomainGroup[E], ...]:
    """Split entries into their domain runs, keeping the given order.

    Entries arrive already in release order; a domain that comes back after another one means
    the order upstream is wrong, and regrouping here would silently publish another order.
    """
    groups: list[DomainGroup[E]] = []
    run: list[E] = []
    for entry in entries:
        if run and entry.domain != run[0].domain:
            groups.append(DomainGroup(run[0].domain, run[0].domain_name, tuple(run)))
            run = []
        if not run and any(g.domain == entry.domain for g in groups):
            raise ValueError(f"entries of domain {entry.domain!r} are not contiguous")
        run.append(entry)
    if run:
        groups.append(DomainGroup(run[0].domain, run[0].domain_name, tuple(run)))
    return tuple(groups)


HEADERS: tuple[str, ...] = (
    "榜单", "领域", "序号", "名称", "持有单位", "推荐单位", "版本", "发布日期", "更正说明", "提名编号",
)


def list_rows(lst: ListRelease) -> Iterator[tuple[str | int, ...]]:
    """One row per entry, in HEADERS order; 序号 restarts in each domain as the lists print it."""
    for group in domain_groups(lst.entries):
        for number, e in group.numbered():
            yield (lst.list_name, e.domain_name or "", number, e.title, e.holder_org, e.unit_name,
                   lst.version, lst.released_on.isoformat(), lst.reason or "", e.nomination_id)


def release_rows(release: Release) -> Iterator[tuple[str | int, ...]]:
    for lst in release.lists:
        yield from list_rows(lst)


def check_unique_lists(lists: Sequence[ListRelease]) -> None:
    codes = [lst.list_code for lst in lists]
    if len(set(codes)) != len(codes):
        raise ValueError(f"a release holds one version of each list, got {codes}")
