"""Whether a list is ready for its public notice, pure: per target (a domain of the list, or the list
itself when it has none), are the review body's results in, and is every nomination they rank decided?

A target awaits results while it has a nomination still in the running (submitted, not withdrawn, not
screened out, not off quota) and its body has not submitted; a target with nothing in the running has
nothing to submit. A ranked nomination awaits a decision until a final decision on it is recorded
(withdrawn ones never do).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from uuid import UUID

from contracts.campaign import Campaign


@dataclass(frozen=True)
class TargetProgress:
    """What the log says of one target's preliminary review."""

    domain: str | None
    in_running: int = 0                   # nominations still under way toward the review
    results_submitted: bool = False       # its body's PrelimResultsSubmitted is on the log
    ranked: tuple[UUID, ...] = ()         # the nominations the results rank
    withdrawn: frozenset[UUID] = field(default_factory=frozenset)  # of those ranked


@dataclass(frozen=True)
class Outstanding:
    """One target the notice would have to wait for, and what for."""

    domain: str | None
    name: str                             # the domain's (or the list's) Chinese name
    results_missing: bool
    undecided: tuple[UUID, ...]           # ranked nominations without a final decision

    def describe(self) -> str:
        parts = ["初评结果尚未报送"] if self.results_missing else []
        if self.undecided:
            parts.append(f"{len(self.undecided)} 项已排名的推荐尚无终评决定")
        return f"{self.name}（{'；'.join(parts)}）"

    def as_problem(self) -> dict:
        return {"domain": self.domain, "name": self.name, "results_submitted": not self.results_missing,
                "undecided": [str(n) for n in self.undecided]}


def list_targets(campaign: Campaign, list_code: str) -> tuple[tuple[str | None, str], ...]:
    """Every target of the list as (domain, name), in the campaign's order."""
    lst = campaign.ranking_list(list_code)
    return tuple((d.code, d.name) for d in lst.domains) or ((None, lst.name),)


def outstanding(campaign: Campaign, list_code: str, progress: Mapping[str | None, TargetProgress],
                decided: Iterable[UUID]) -> tuple[Outstanding, ...]:
    """The targets of the list not ready for the notice (a target absent from `progress` has nothing under way)."""
    done = set(decided)
    out = []
    for domain, name in list_targets(campaign, list_code):
        p = progress.get(domain, TargetProgress(domain))
        missing = not p.results_submitted and p.in_running > 0
        undecided = tuple(n for n in p.ranked if n not in done and n not in p.withdrawn)
        if missing or undecided:
            out.append(Outstanding(domain, name, missing, undecided))
    return tuple(out)
