"""Expert assignment, pure: who reviews which nomination, as a min-cost flow (HotCRP's autoassigner).

Each expert's extra review slots cost the load the expert would then carry (0, 1, 2, … counted from
the reviews already held), so total cost is convex in every load and the optimum spreads work evenly;
conflicted or already-held pairs have no arc at all. The flow is maximised first, so a shortfall is
an honest infeasibility, reported with what would fix it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from contracts.errors import DomainError
from services.review.domain.assignment_flow import (
    Roster, assignable, balanced_pairs, build_roster, fewest_fresh_experts, lowest_max_load,
)

Pair = tuple[str, str]  # (expert id, nomination id)


@dataclass(frozen=True)
class AssignmentRequest:
    nominations: tuple[str, ...]
    experts: tuple[str, ...]
    per_item: int                              # experts each nomination must end up with
    max_load: int                              # most nominations one expert reviews
    conflicts: frozenset[Pair] = frozenset()   # never paired
    existing: frozenset[Pair] = frozenset()    # already assigned: kept, count toward coverage and load
    elsewhere: tuple[tuple[str, int], ...] = ()  # (expert, reviews held on nominations outside the request)


@dataclass(frozen=True)
class AssignmentPlan:
    pairs: tuple[Pair, ...]      # only the new pairs, sorted
    loads: Mapping[str, int]     # every expert's load once the plan is applied, existing included
    input_hash: str              # sha256 of the canonical request


@dataclass(frozen=True)
class NominationShortage:
    nomination_id: str
    eligible: int   # experts free of conflict and not yet on it
    needed: int     # experts still to add


class AssignmentInfeasible(DomainError):
    """No assignment meets the request; says which nominations lack experts and what would suffice."""

    code = "assignment_infeasible"
    http_status = 422

    def __init__(self, *, required: int, assignable: int, max_load: int,
                 shortages: tuple[NominationShortage, ...], experts_needed: int,
                 max_load_needed: int | None) -> None:
        self.required, self.assignable, self.shortages = required, assignable, shortages
        self.experts_needed, self.max_load_needed = experts_needed, max_load_needed
        parts = [f"无法完成专家分配：共需新增 {required} 人次评审，在现有专家和回避关系下最多只能安排 {assignable} 人次。"]
        if shortages:
            parts.append(f"{len(shortages)} 个推荐对象可分配的无回避专家不足（见明细）。")
        parts.append(f"在每位专家最多评审 {max_load} 项的条件下，至少还需增加 {experts_needed} 位无回避关系的专家")
        parts.append(f"；或将每位专家的评审上限提高到 {max_load_needed} 项。" if max_load_needed is not None
                     else "；仅提高评审上限无法解决。")
        super().__init__("".join(parts), errors=[
            {"nomination_id": s.nomination_id, "eligible": s.eligible, "needed": s.needed} for s in shortages])


def input_hash(request: AssignmentRequest) -> str:
    """sha256 hex of the request as canonical JSON, every collection sorted."""
    canonical = {"nominations": sorted(request.nominations), "experts": sorted(request.experts),
                 "per_item": request.per_item, "max_load": request.max_load,
                 "conflicts": sorted(request.conflicts), "existing": sorted(request.existing),
                 "elsewhere": sorted(request.elsewhere)}  # pairs dump as lists
    text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def solve(request: AssignmentRequest) -> AssignmentPlan:
    """The new pairs that give every nomination `per_item` experts at the most even loads.

    Raises DomainError for a malformed request and AssignmentInfeasible when no assignment exists.
    """
    _check_request(request)
    roster = build_roster(request.experts, request.nominations, request.per_item, request.conflicts,
                          request.existing, dict(request.elsewhere))
    _refuse_if_plainly_short(roster, request.max_load)
    placed, chosen = balanced_pairs(roster, request.max_load) if roster.demand else (0, np.empty(0, int))
    if placed < roster.demand:  # each nomination alone had enough, yet not all at once (Hall's condition)
        raise _infeasible(roster, request.max_load, placed, ())
    pairs = tuple(sorted((roster.experts[roster.pair_expert[i]], roster.nominations[roster.pair_nomination[i]])
                         for i in chosen))
    load = roster.base_load + np.bincount(roster.pair_expert[chosen], minlength=len(roster.experts))
    return AssignmentPlan(pairs, dict(zip(roster.experts, map(int, load))), input_hash(request))


def _check_request(request: AssignmentRequest) -> None:
    if request.per_item < 1:
        raise DomainError(f"每个推荐对象的评审专家人数须至少为 1，收到 {request.per_item}。", code="per_item_invalid")
    if request.max_load < 1:
        raise DomainError(f"每位专家的评审上限须至少为 1 项，收到 {request.max_load}。", code="max_load_invalid")
    for kind, ids in (("推荐对象", request.nominations), ("专家", request.experts)):
        repeated = sorted(i for i, times in Counter(ids).items() if times > 1)
        if repeated:
            raise DomainError(f"{kind}编号重复：{'、'.join(repeated)}。", code="duplicate_id",
                              errors=[{"id": i} for i in repeated])
    known_e, known_n = set(request.experts), set(request.nominations)
    unknown = sorted(p for p in request.existing if p[0] not in known_e or p[1] not in known_n)
    if unknown:
        raise DomainError(f"已有分配中有 {len(unknown)} 条涉及不在本次名单中的专家或推荐对象。",
                          code="existing_pair_unknown",
                          errors=[{"expert_id": e, "nomination_id": n} for e, n in unknown])
    conflicted = sorted(request.existing & request.conflicts)
    if conflicted:
        raise DomainError(f"已有分配中有 {len(conflicted)} 条存在回避关系，须先撤销这些分配。",
                          code="existing_pair_conflicted",
                          errors=[{"expert_id": e, "nomination_id": n} for e, n in conflicted])


def _refuse_if_plainly_short(roster: Roster, max_load: int) -> None:
    """Checks that need no optimisation: each nomination's eligible experts, and the total capacity."""
    eligible = roster.eligible_counts()
    short = np.flatnonzero(eligible < roster.need)
    shortages = tuple(NominationShortage(roster.nominations[i], int(eligible[i]), int(roster.need[i])) for i in short)
    if shortages or int(roster.slots(max_load).sum()) < roster.demand:
        raise _infeasible(roster, max_load, assignable(roster, max_load), shortages)


def _infeasible(roster: Roster, max_load: int, placed: int,
                shortages: tuple[NominationShortage, ...]) -> AssignmentInfeasible:
    return AssignmentInfeasible(required=roster.demand, assignable=placed, max_load=max_load, shortages=shortages,
                                experts_needed=fewest_fresh_experts(roster, max_load, placed),
                                max_load_needed=None if shortages else lowest_max_load(roster, max_load))
