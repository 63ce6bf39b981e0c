"""Expert assignment without I/O: worked examples, refusals, and properties over random rosters.

Feasibility is decided here independently of the solver, by a plain augmenting-path max flow.
"""

from __future__ import annotations

import random
from collections import deque

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.errors import DomainError
from services.review.domain.assignment import (
    AssignmentInfeasible, AssignmentPlan, AssignmentRequest, NominationShortage, input_hash, solve,
)


def reference_max_flow(request: AssignmentRequest, fresh_experts: int = 0, max_load: int | None = None) -> int:
    """Edmonds-Karp on source -> expert -> nomination -> sink; newcomers are plain unconflicted experts."""
    cap = max_load or request.max_load
    experts = list(request.experts) + [f"fresh-{i}" for i in range(fresh_experts)]
    held = {e: sum(1 for p in request.existing if p[0] == e) for e in experts}
    have = {n: sum(1 for p in request.existing if p[1] == n) for n in request.nominations}
    graph: dict[str, dict[str, int]] = {"s": {}, "t": {}}

    def arc(u: str, v: str, c: int) -> None:
        graph.setdefault(u, {})[v] = graph.get(u, {}).get(v, 0) + c
        graph.setdefault(v, {}).setdefault(u, 0)

    for e in experts:
        arc("s", "e:" + e, max(0, cap - held[e]))
        for n in request.nominations:
            if (e, n) not in request.conflicts and (e, n) not in request.existing:
                arc("e:" + e, "n:" + n, 1)
    for n in request.nominations:
        arc("n:" + n, "t", max(0, request.per_item - have[n]))
    total = 0
    while True:
        parent, queue = {"s": None}, deque(["s"])
        while queue and "t" not in parent:
            u = queue.popleft()
            for v, c in graph[u].items():
                if c > 0 and v not in parent:
                    parent[v] = u
                    queue.append(v)
        if "t" not in parent:
            return total
        v = "t"
        while parent[v] is not None:  # every path here has bottleneck 1 or more; push one unit
            graph[parent[v]][v] -= 1
            graph[v][parent[v]] += 1
            v = parent[v]
        total += 1


def demand(request: AssignmentRequest) -> int:
    return sum(max(0, request.per_item - sum(1 for p in request.existing if p[1] == n)) for n in request.nominations)


def feasible(request: AssignmentRequest, **kwargs) -> bool:
    return reference_max_flow(request, **kwargs) == demand(request)


@st.composite
def requests(draw, conflicts: bool = True, existing: bool = True) -> AssignmentRequest:
    nominations = tuple(f"n{i:02d}" for i in range(draw(st.integers(0, 30))))
    experts = tuple(f"e{i:02d}" for i in range(draw(st.integers(1, 15))))
    per_item, max_load = draw(st.integers(1, 5)), draw(st.integers(1, 14))
    rng = random.Random(draw(st.integers(0, 2**32)))
    rate = draw(st.sampled_from([0.0, 0.05, 0.2, 0.5])) if conflicts else 0.0
    barred = frozenset((e, n) for e in experts for n in nominations if rng.random() < rate)
    held: set[tuple[str, str]] = set()
    if existing and draw(st.booleans()):
        for e in experts:  # existing loads stay within the cap, so "never above max_load" is a fair demand
            free = [n for n in nominations if (e, n) not in barred]
            held |= {(e, n) for n in rng.sample(free, min(len(free), rng.randint(0, max_load)))}
    return AssignmentRequest(nominations, experts, per_item, max_load, barred, frozenset(held))


# --- worked examples ----------------------------------------------------------------------------


def test_three_by_three_is_covered_evenly() -> None:
    plan = solve(AssignmentRequest(("n1", "n2", "n3"), ("a", "b", "c"), per_item=2, max_load=2))
    assert len(plan.pairs) == 6 and plan.loads == {"a": 2, "b": 2, "c": 2}
    assert list(plan.pairs) == sorted(plan.pairs)
    assert {n for _, n in plan.pairs} == {"n1", "n2", "n3"}


def test_a_conflicted_pair_is_never_made_and_the_others_take_up_the_work() -> None:
    request = AssignmentRequest(("n1", "n2"), ("a", "b", "c"), per_item=2, max_load=2,
                                conflicts=frozenset({("a", "n1")}))
    plan = solve(request)
    assert set(plan.pairs) >= {("b", "n1"), ("c", "n1")} and ("a", "n1") not in plan.pairs
    assert ("a", "n2") in plan.pairs and sum(plan.loads.values()) == 4


def test_a_top_up_goes_to_the_least_loaded_experts() -> None:
    # a and b already carry two reviews each; the new nomination n3 should go to c and d.
    existing = frozenset({("a", "n1"), ("b", "n1"), ("a", "n2"), ("b", "n2")})
    plan = solve(AssignmentRequest(("n1", "n2", "n3"), ("a", "b", "c", "d"), per_item=2, max_load=5,
                                   existing=existing))
    assert plan.pairs == (("c", "n3"), ("d", "n3"))
    assert plan.loads == {"a": 2, "b": 2, "c": 1, "d": 1}


def test_a_nomination_already_covered_needs_nothing() -> None:
    existing = frozenset({("a", "n1"), ("b", "n1"), ("c", "n1")})
    plan = solve(AssignmentRequest(("n1",), ("a", "b", "c"), per_item=2, max_load=1, existing=existing))
    assert plan.pairs == () and plan.loads == {"a": 1, "b": 1, "c": 1}


def test_an_expert_already_over_a_lowered_cap_keeps_the_reviews_and_gets_no_more() -> None:
    existing = frozenset({("a", "n1"), ("a", "n2"), ("a", "n3")})
    plan = solve(AssignmentRequest(("n1", "n2", "n3", "n4"), ("a", "b", "c"), per_item=1, max_load=2,
                                   existing=existing))
    assert plan.pairs in ((("b", "n4"),), (("c", "n4"),)) and plan.loads["a"] == 3


def test_a_nomination_short_of_eligible_experts_is_named() -> None:
    request = AssignmentRequest(("n1", "n2", "n3"), ("a", "b", "c"), per_item=2, max_load=2,
                                conflicts=frozenset({("a", "n1"), ("b", "n1")}))
    with pytest.raises(AssignmentInfeasible) as refused:
        solve(request)
    error = refused.value
    assert (error.code, error.http_status) == ("assignment_infeasible", 422)
    assert error.errors == [{"nomination_id": "n1", "eligible": 1, "needed": 2}]
    assert error.shortages == (NominationShortage("n1", 1, 2),)
    assert (error.required, error.assignable) == (6, 5)
    assert error.experts_needed == 1 and error.max_load_needed is None  # no cap lets a or b review n1
    assert "至少还需增加 1 位" in error.message and "仅提高评审上限无法解决" in error.message


def test_too_little_capacity_says_what_cap_or_how_many_experts_would_do() -> None:
    request = AssignmentRequest(("n1", "n2", "n3"), ("a", "b", "c"), per_item=2, max_load=1)
    with pytest.raises(AssignmentInfeasible) as refused:
        solve(request)
    assert refused.value.errors == [] and refused.value.max_load_needed == 2
    assert refused.value.experts_needed == 3 and "提高到 2 项" in refused.value.message


def test_halls_condition_fails_though_every_nomination_alone_has_enough() -> None:
    # n1 and n2 may only go to a; a may take one. Each has one eligible expert, yet both cannot be served.
    barred = frozenset({("b", "n1"), ("b", "n2"), ("c", "n1"), ("c", "n2")})
    request = AssignmentRequest(("n1", "n2", "n3"), ("a", "b", "c"), per_item=1, max_load=1, conflicts=barred)
    assert request.max_load * len(request.experts) >= demand(request)  # the plain capacity check passes
    with pytest.raises(AssignmentInfeasible) as refused:
        solve(request)
    assert refused.value.errors == [] and (refused.value.required, refused.value.assignable) == (3, 2)
    assert refused.value.max_load_needed == 2 and refused.value.experts_needed == 1


@pytest.mark.parametrize("change, code", [
    (dict(per_item=0), "per_item_invalid"),
    (dict(max_load=0), "max_load_invalid"),
    (dict(experts=("a", "b", "a")), "duplicate_id"),
    (dict(nominations=("n1", "n1")), "duplicate_id"),
    (dict(existing=frozenset({("z", "n1")})), "existing_pair_unknown"),
    (dict(existing=frozenset({("a", "n9")})), "existing_pair_unknown"),
    (dict(existing=frozenset({("a", "n1")}), conflicts=frozenset({("a", "n1")})), "existing_pair_conflicted"),
])
def test_bad_requests_are_refused_with_their_own_code(change: dict, code: str) -> None:
    fields = dict(nominations=("n1", "n2"), experts=("a", "b"), per_item=1, max_load=2) | change
    with pytest.raises(DomainError) as refused:
        solve(AssignmentRequest(**fields))
    assert refused.value.code == code and not isinstance(refused.value, AssignmentInfeasible)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message)


def test_a_conflict_outside_the_roster_is_ignored() -> None:
    plan = solve(AssignmentRequest(("n1",), ("a",), 1, 1, conflicts=frozenset({("zz", "n1"), ("a", "n0")})))
    assert plan.pairs == (("a", "n1"),)


def test_the_hash_is_of_the_canonical_request() -> None:
    one = AssignmentRequest(("n2", "n1"), ("b", "a"), 1, 2, frozenset({("a", "n1")}))
    other = AssignmentRequest(("n1", "n2"), ("a", "b"), 1, 2, frozenset({("a", "n1")}))
    assert input_hash(one) == input_hash(other) == solve(one).input_hash
    other_cap = AssignmentRequest(("n1", "n2"), ("a", "b"), 1, 3, frozenset({("a", "n1")}))
    assert len(input_hash(one)) == 64 and input_hash(one) != input_hash(other_cap)


# --- properties ---------------------------------------------------------------------------------

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_plan(request: AssignmentRequest, plan: AssignmentPlan) -> None:
    pairs = set(plan.pairs)
    assert len(pairs) == len(plan.pairs), "an expert twice on one nomination"
    assert not pairs & request.conflicts and not pairs & request.existing
    everyone = pairs | request.existing
    for n in request.nominations:
        have = sum(1 for p in everyone if p[1] == n)
        assert have == max(request.per_item, sum(1 for p in request.existing if p[1] == n))
    for e in request.experts:
        assert plan.loads[e] == sum(1 for p in everyone if p[0] == e) <= request.max_load


@PROPERTY
@given(requests())
def test_solve_is_right_exactly_when_the_instance_is_feasible(request: AssignmentRequest) -> None:
    if feasible(request):
        check_plan(request, solve(request))
    else:
        with pytest.raises(AssignmentInfeasible) as refused:
            solve(request)
        error = refused.value
        assert error.required == demand(request) and error.assignable == reference_max_flow(request)
        # the remedies offered are the least that work
        assert feasible(request, fresh_experts=error.experts_needed)
        assert not feasible(request, fresh_experts=error.experts_needed - 1)
        if error.max_load_needed is None:
            assert error.shortages and not feasible(request, max_load=len(request.nominations) + 1)
        else:
            assert feasible(request, max_load=error.max_load_needed)
            assert not feasible(request, max_load=error.max_load_needed - 1)


@PROPERTY
@given(requests(conflicts=False, existing=False))
def test_without_conflicts_or_history_loads_differ_by_at_most_one(request: AssignmentRequest) -> None:
    if not feasible(request):
        return
    loads = solve(request).loads.values()
    assert max(loads) - min(loads) <= 1


@PROPERTY
@given(requests(), st.randoms(use_true_random=False))
def test_the_same_request_in_any_order_gives_the_same_plan(request: AssignmentRequest, rng: random.Random) -> None:
    shuffled = AssignmentRequest(tuple(rng.sample(request.nominations, len(request.nominations))),
                                 tuple(rng.sample(request.experts, len(request.experts))),
                                 request.per_item, request.max_load, request.conflicts, request.existing)
    try:
        plan = solve(request)
    except AssignmentInfeasible as refused:
        with pytest.raises(AssignmentInfeasible) as again:
            solve(shuffled)
        assert (again.value.message, again.value.errors) == (refused.message, refused.errors)
        return
    assert solve(shuffled) == plan
