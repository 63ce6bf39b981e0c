"""The assignment's flow network over sorted ids, as numpy arrays for OR-Tools' vectorised API.

Nodes: 0 source, 1..E experts, E+1..E+N nominations, E+N+1 sink, E+N+2 a pool of fresh experts
(feasibility search only). Arcs are added in a fixed order from sorted ids, so the solver sees
the same graph, and returns the same optimum, whatever order the request listed things in.
An infeasible request's remedies (a higher cap, more experts) are found by searching with max flows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow


@dataclass(frozen=True, eq=False)
class Roster:
    """The request as arrays: index i of `experts` / `nominations` is node 1+i / 1+E+i."""

    experts: tuple[str, ...]
    nominations: tuple[str, ...]
    base_load: np.ndarray      # (E,) existing reviews per expert
    need: np.ndarray           # (N,) reviews still to add per nomination, never negative
    pair_expert: np.ndarray    # (P,) eligible pairs of nominations in need, sorted by (expert, nomination)
    pair_nomination: np.ndarray

    @property
    def demand(self) -> int:
        return int(self.need.sum())

    def eligible_counts(self) -> np.ndarray:
        return np.bincount(self.pair_nomination, minlength=len(self.nominations))

    def slots(self, max_load: int) -> np.ndarray:
        """New reviews each expert may take: room under the cap, and no more than its eligible pairs."""
        degree = np.bincount(self.pair_expert, minlength=len(self.experts))
        return np.clip(np.minimum(max_load - self.base_load, degree), 0, None)


def build_roster(experts: tuple[str, ...], nominations: tuple[str, ...], per_item: int,
                 conflicts: frozenset[tuple[str, str]], existing: frozenset[tuple[str, str]],
                 elsewhere: dict[str, int] | None = None) -> Roster:
    experts, nominations = tuple(sorted(experts)), tuple(sorted(nominations))
    e_index = {e: i for i, e in enumerate(experts)}
    n_index = {n: i for i, n in enumerate(nominations)}
    held = np.zeros((len(experts), len(nominations)), dtype=bool)
    for e, n in existing:
        held[e_index[e], n_index[n]] = True
    barred = held.copy()
    for e, n in conflicts:
        if e in e_index and n in n_index:  # a conflict outside this roster is no concern here
            barred[e_index[e], n_index[n]] = True
    need = np.clip(per_item - held.sum(axis=0), 0, None).astype(np.int64)
    barred[:, need == 0] = True  # a nomination already covered gets no arcs at all
    pair_expert, pair_nomination = np.nonzero(~barred)  # row-major: sorted by (expert, nomination)
    outside = np.array([(elsewhere or {}).get(e, 0) for e in experts], dtype=np.int64)
    return Roster(experts, nominations, held.sum(axis=1).astype(np.int64) + outside, need,
                  pair_expert.astype(np.int32), pair_nomination.astype(np.int32))


def _arcs(roster: Roster, max_load: int, convex: bool, fresh_experts: int = 0):
    """(tails, heads, capacities, costs) and where the expert->nomination arcs start."""
    E, N = len(roster.experts), len(roster.nominations)
    source, sink, pool = 0, E + N + 1, E + N + 2
    slots = roster.slots(max_load)
    if convex:  # one unit arc per extra review, costing the load the expert would then carry
        expert = np.repeat(np.arange(E), slots)
        first = np.repeat(np.cumsum(slots) - slots, slots)
        slot_cost = roster.base_load[expert] + (np.arange(len(expert)) - first)
        slot_heads, slot_caps = expert + 1, np.ones(len(expert), dtype=np.int64)
    else:
        slot_heads, slot_caps, slot_cost = np.arange(E) + 1, slots, np.zeros(E, dtype=np.int64)
    in_need = np.flatnonzero(roster.need)
    parts = [
        (np.zeros(len(slot_heads)), slot_heads, slot_caps, slot_cost),
        (roster.pair_expert + 1, roster.pair_nomination + 1 + E, np.ones(len(roster.pair_expert)), 0),
        (in_need + 1 + E, np.full(len(in_need), sink), roster.need[in_need], 0),
    ]
    if fresh_experts:  # identical unconflicted newcomers, pooled: exact, since any such flow splits evenly
        parts.append(([source], [pool], [fresh_experts * max_load], 0))
        parts.append((np.full(len(in_need), pool), in_need + 1 + E,
                      np.minimum(roster.need[in_need], fresh_experts), 0))
    tails, heads, caps, costs = (np.concatenate([np.broadcast_to(np.asarray(p[k]), np.shape(p[0]))
                                                 for p in parts]) for k in range(4))
    return (tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs.astype(np.int64),
            len(slot_heads))


def assignable(roster: Roster, max_load: int, fresh_experts: int = 0) -> int:
    """The most reviews that can be placed under `max_load`, with `fresh_experts` extra unconflicted experts."""
    tails, heads, caps, _, _ = _arcs(roster, max_load, convex=False, fresh_experts=fresh_experts)
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(tails, heads, caps)
    status = flow.solve(0, len(roster.experts) + len(roster.nominations) + 1)
    if status != flow.OPTIMAL:
        raise RuntimeError(f"max flow failed with status {status}")
    return int(flow.optimal_flow())


def balanced_pairs(roster: Roster, max_load: int) -> tuple[int, np.ndarray]:
    """Max flow at least convex load cost: (reviews placed, indices into the roster's pairs chosen)."""
    tails, heads, caps, costs, pairs_start = _arcs(roster, max_load, convex=True)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    sink = len(roster.experts) + len(roster.nominations) + 1
    flow.set_node_supply(0, roster.demand)
    flow.set_node_supply(sink, -roster.demand)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min cost flow failed with status {status}")
    pair_arcs = np.asarray(arcs)[pairs_start:pairs_start + len(roster.pair_expert)]
    used = np.asarray(flow.flows(pair_arcs.astype(np.int32)))
    return int(flow.maximum_flow()), np.flatnonzero(used)


# --- what would make an infeasible request feasible -------------------------------------------


def lowest_max_load(roster: Roster, max_load: int) -> int:
    """The least cap above `max_load` at which every review can be placed; only when no nomination lacks experts."""
    # Feasible at the top (no cap binds when every nomination has enough eligible experts); grows monotonically.
    top = int((roster.base_load + np.bincount(roster.pair_expert, minlength=len(roster.experts))).max())
    enough_slots = _smallest(max_load + 1, top, lambda cap: int(roster.slots(cap).sum()) >= roster.demand)
    return _smallest(enough_slots, top, lambda cap: assignable(roster, cap) >= roster.demand, gallop=True)


def fewest_fresh_experts(roster: Roster, max_load: int, placed: int) -> int:
    """The fewest unconflicted newcomers at `max_load` that make the request feasible (`placed` fit without)."""
    # At least the deficit over one newcomer's capacity, and the worst nomination's lack of eligible experts;
    # newcomers alone suffice once there are enough of them for the largest need and the total.
    low = max(-(-(roster.demand - placed) // max_load), int((roster.need - roster.eligible_counts()).max()))
    high = max(int(roster.need.max()), -(-roster.demand // max_load))
    return _smallest(max(low, 1), high, lambda m: assignable(roster, max_load, fresh_experts=m) >= roster.demand,
                     gallop=True)


def _smallest(low: int, high: int, feasible, gallop: bool = False) -> int:
    # The least feasible value in [low, high], high being feasible; galloping first, as the answer is usually near low.
    step = 1
    while gallop and low < high:
        probe = min(low + step - 1, high)
        if feasible(probe):
            high = probe
            break
        low, step = probe + 1, step * 2
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if feasible(middle) else (middle + 1, high)
    return low
