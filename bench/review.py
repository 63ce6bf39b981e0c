"""Review benchmark, solver half: expert assignment on the largest 2022 target and on ten times that.

    python bench/review.py                  # both instances, OR-Tools solver and the scipy/HiGHS LP baseline
    python bench/review.py --no-baseline    # the solver alone
    python bench/review.py --baseline-time-limit 120    # HiGHS takes ~16 min on the 10x instance (2 cores)
    python bench/review.py --seed 7

Instances: 350 nominations × 7 experts each from 100 experts, and 3,500 × 7 from 1,000; about 5 %
of (expert, nomination) pairs conflicted; max load ceil(N·k/experts) + 2. The baseline solves the same
problem as an LP in the same run — x per eligible pair, one variable per extra review slot costing the
load the expert would then carry (the solver's convex cost), per-expert and per-nomination equalities —
with `scipy.optimize.linprog(method="highs")` (integral: the matrix is totally unimodular).

Scoring half (bench/review_scoring.py; needs KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL): the review
service as its own process on a fresh topic set, the largest target (350 nominations × 7 of 100 experts)
screened, planned and assigned over HTTP, then scores recorded over HTTP at concurrency 64 for a fixed
time — scores/s, p50, p99 — beside the same load generator on /healthz and raw acked produce.

    python bench/review.py --part scoring [--seconds 20] [--concurrency 64] [--workers 2] [--unkeyed] [--profile FILE]
    python bench/review.py --part all --no-baseline      # solver figures and the scoring half in one line
    python bench/review.py --part solver                 # the solver half alone (the default is all)

Prints progress to stderr and one final JSON line to stdout:
{"bench": "review", "part": "all", "instances": [{…, "solver_s": …, "baseline_s": …, "ratio": …}], …,
 "scoring": {"scores_per_s": …, "p50_ms": …, "p99_ms": …, "baseline_healthz_per_s": …, …}}
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable as a script from anywhere

import numpy as np  # noqa: E402
import orjson  # noqa: E402
from scipy import sparse  # noqa: E402
from scipy.optimize import linprog  # noqa: E402

from services.review.domain.assignment import AssignmentRequest, solve  # noqa: E402
from services.review.domain.assignment_flow import build_roster  # noqa: E402

INSTANCES = [("kczg_2022_largest_target", 350, 100), ("ten_times", 3_500, 1_000)]
PER_ITEM, CONFLICT_RATE, GOAL_10X_S = 7, 0.05, 5.0


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def instance(nominations: int, experts: int, seed: int) -> AssignmentRequest:
    rng, np_rng = random.Random(seed), np.random.default_rng(seed)
    noms = tuple(str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(nominations))
    exps = tuple(f"expert-{i:05d}" for i in range(experts))
    e_idx, n_idx = np.nonzero(np_rng.random((experts, nominations)) < CONFLICT_RATE)
    conflicts = frozenset(zip(map(exps.__getitem__, e_idx.tolist()), map(noms.__getitem__, n_idx.tolist())))
    return AssignmentRequest(noms, exps, PER_ITEM, math.ceil(nominations * PER_ITEM / experts) + 2, conflicts)


def convex_cost(loads: dict[str, int]) -> int:
    return sum(load * (load - 1) // 2 for load in loads.values())  # slots cost 0, 1, …, load − 1


def lp_baseline(request: AssignmentRequest, time_limit: float | None) -> tuple[float, int | None, np.ndarray | None]:
    """(seconds, optimal objective, per-expert loads) of the same problem as an LP solved by HiGHS;
    objective and loads are None when the time limit stopped it first."""
    started = time.perf_counter()
    roster = build_roster(request.experts, request.nominations, request.per_item, request.conflicts,
                          request.existing)
    E, N, P = len(roster.experts), len(roster.nominations), len(roster.pair_expert)
    slots = roster.slots(request.max_load)
    slot_expert = np.repeat(np.arange(E), slots)
    slot_cost = roster.base_load[slot_expert] + (np.arange(len(slot_expert)) - np.repeat(np.cumsum(slots) - slots,
                                                                                         slots))
    S = len(slot_expert)
    rows = np.concatenate([roster.pair_expert, E + roster.pair_nomination, slot_expert])
    cols = np.concatenate([np.arange(P), np.arange(P), P + np.arange(S)])
    vals = np.concatenate([np.ones(P), np.ones(P), -np.ones(S)])
    a_eq = sparse.csr_matrix((vals, (rows, cols)), shape=(E + N, P + S))
    b_eq = np.concatenate([np.zeros(E), roster.need])
    cost = np.concatenate([np.zeros(P), slot_cost.astype(float)])
    options = {"time_limit": time_limit} if time_limit else {}
    result = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, 1), method="highs", options=options)
    seconds = time.perf_counter() - started
    if result.status == 1 and time_limit:
        return seconds, None, None
    if result.status != 0:
        raise RuntimeError(f"linprog: {result.message}")
    x = np.rint(result.x[:P]).astype(int)
    if np.abs(result.x[:P] - x).max() > 1e-6:
        raise RuntimeError("the LP optimum is fractional")
    return seconds, round(result.fun), roster.base_load + np.bincount(roster.pair_expert[x == 1], minlength=E)


def measure(name: str, nominations: int, experts: int, seed: int, baseline: bool,
            time_limit: float | None = None) -> dict:
    request = instance(nominations, experts, seed)
    log(f"{name}: {nominations} nominations × {PER_ITEM} from {experts} experts, max load {request.max_load}, "
        f"{len(request.conflicts)} conflicted pairs")
    started = time.perf_counter()
    plan = solve(request)
    solver_s = time.perf_counter() - started
    loads = list(plan.loads.values())
    per_nomination = Counter(n for _, n in plan.pairs)
    assert len(per_nomination) == nominations and set(per_nomination.values()) == {PER_ITEM}
    figures = {"instance": name, "nominations": nominations, "experts": experts, "per_item": PER_ITEM,
               "max_load": request.max_load, "conflicted_pairs": len(request.conflicts),
               "pairs_assigned": len(plan.pairs), "solver_s": round(solver_s, 3),
               "load_min": min(loads), "load_max": max(loads), "load_spread": max(loads) - min(loads),
               "conflicted_assigned": len(set(plan.pairs) & request.conflicts), "objective": convex_cost(plan.loads)}
    log(f"{name}: solver {solver_s:.2f} s, loads {min(loads)}–{max(loads)}")
    if baseline:
        baseline_s, objective, lp_loads = lp_baseline(request, time_limit)
        log(f"{name}: scipy linprog/HiGHS {baseline_s:.2f} s, objective {objective} (solver {figures['objective']})")
        if objective is None:  # stopped by --baseline-time-limit: the ratio is a lower bound
            return figures | {"baseline_s": round(baseline_s, 3), "baseline_timed_out": True,
                              "ratio_at_least": round(baseline_s / solver_s, 1)}
        figures |= {"baseline_s": round(baseline_s, 3), "ratio": round(baseline_s / solver_s, 1),
                    "baseline_objective": objective, "baseline_load_spread": int(lp_loads.max() - lp_loads.min()),
                    "same_optimum": objective == figures["objective"]}
    return figures


def solver_figures(seed: int, baseline: bool, time_limit: float | None = None) -> dict:
    """The solver half: both instances, each with the baseline in the same run unless asked not to."""
    instances = [measure(name, n, e, seed, baseline, time_limit) for name, n, e in INSTANCES]
    ten = instances[-1]["solver_s"]
    return {"part": "solver", "instances": instances, "goal_10x_s": GOAL_10X_S, "goal_10x_met": ten <= GOAL_10X_S}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--no-baseline", action="store_true", help="skip the scipy/HiGHS LP baseline")
    parser.add_argument("--baseline-time-limit", type=float, default=None, metavar="SECONDS",
                        help="stop HiGHS after this long and report the ratio as a lower bound")
    parser.add_argument("--part", choices=("all", "solver", "scoring"), default="all",
                        help="the solver half, the HTTP scoring half, or both (default)")
    parser.add_argument("--seconds", type=float, default=20, help="scoring: how long the load runs")
    parser.add_argument("--warmup", type=float, default=3, help="scoring: seconds of load not measured first")
    parser.add_argument("--concurrency", type=int, default=64, help="scoring: keep-alive connections")
    parser.add_argument("--unkeyed", action="store_true", help="scoring: writes without an Idempotency-Key")
    parser.add_argument("--workers", type=int, default=2, help="scoring: review service processes (REVIEW_WORKERS)")
    parser.add_argument("--profile", metavar="FILE", help="scoring: py-spy record the review process (collapsed stacks)")
    args = parser.parse_args()
    figures = {"bench": "review", "part": args.part}
    if args.part in ("all", "solver"):
        figures |= solver_figures(args.seed, not args.no_baseline, args.baseline_time_limit) | {"part": args.part}
    if args.part in ("all", "scoring"):
        import asyncio

        from bench.review_scoring import scoring_figures
        figures["scoring"] = asyncio.run(scoring_figures(args.seed, args.seconds, args.warmup, args.concurrency,
                                                         keyed=not args.unkeyed, profile=args.profile,
                                                         workers=args.workers))
    print(orjson.dumps(figures).decode())
