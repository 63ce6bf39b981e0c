"""What `kczg simulate` must report for a seed, derived from its plan (kczg/simulator/intake/plan.py) and the quota
rule itself (services/quota/domain), never copied from a run.

Each intent has one kind: late ones are refused by the deadline, invalid ones by the form check, the rest
accepted; the withdrawn ones are withdrawn after every submission is on the log. Quota decides each unit's
submissions in the order they reach the log; that order (16 concurrent clients) decides *which* of a pool's
nominations are reserved, never *how many*, so the counts per pool are the rule's over any order.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass

from contracts.events import QuotaRejected, QuotaReserved
from kczg.simulator.intake.plan import plan
from services.quota.domain import QuotaRules, QuotaState, decide, evolve
from tests.support.events import CAMPAIGN, registered, submitted


@dataclass(frozen=True)
class Expected:
    planned: int
    outcomes: dict[str, int]          # accepted, refused:<code>, withdrawn
    reserved: int                     # slots the rule gives before the withdrawals
    rejections: collections.Counter  # reason -> quota rejections, in submission order, before the withdrawals
    # Rejections that a withdrawal may hide (the summary counts rejected nominations not withdrawn since): the
    # withdrawn-kind nominations in pools where the rule rejected some.
    maybe_withdrawn_rejected: int


def expected(scale: float, seed: int) -> Expected:
    units, intents = plan(scale, seed, "x")
    kinds = collections.Counter(i.kind for i in intents)
    outcomes = {"accepted": kinds["ok"] + kinds["withdrawn"], "withdrawn": kinds["withdrawn"]}
    if kinds["late"]:
        outcomes["refused:submission_closed"] = kinds["late"]
    if kinds["invalid"]:
        outcomes["refused:invalid_form"] = kinds["invalid"]
    rules, state = QuotaRules(CAMPAIGN), QuotaState()
    reserved, rejected, pools_over, by_pool = 0, collections.Counter(), set(), collections.Counter()
    for unit in units:
        state = evolve(state, registered(unit.unit_id, *unit.channels))
    for intent in intents:
        if intent.kind not in ("ok", "withdrawn"):
            continue
        event = submitted(intent.org, intent.list_code, intent.domain)
        pool = (intent.org, intent.list_code, intent.domain)
        if intent.kind == "withdrawn":
            by_pool[pool] += 1
        state = evolve(state, event)
        for decision in decide(state, event, rules):
            state = evolve(state, decision)
            reserved += isinstance(decision, QuotaReserved)
            if isinstance(decision, QuotaRejected):
                rejected[decision.reason] += 1
                pools_over.add(pool)
    return Expected(len(intents), outcomes, reserved, rejected, sum(n for p, n in by_pool.items() if p in pools_over))


def views_range(e: Expected) -> tuple[range, range]:
    """What the intake's views may show after the withdrawals: (reserved, rejected) counts. A withdrawn
    nomination leaves the reserved or the rejected ones; in a pool the rule did not overrun it surely held a
    slot, in one it overran it may have been either."""
    withdrawn = e.outcomes["withdrawn"]
    rejected = sum(e.rejections.values())
    sure = withdrawn - e.maybe_withdrawn_rejected
    return (range(e.reserved - withdrawn, e.reserved - sure + 1),
            range(rejected - e.maybe_withdrawn_rejected, rejected + 1))


def late_targets(campaign_code: str, seed: int) -> list[str]:
    """The targets filed by the one body the review plan makes late (kczg/simulator/review/plan.late_body), among
    the bodies filing a target alone; a target is filed by the first body the campaign names for it."""
    from contracts.campaign import load_builtin_campaign
    from contracts.events import target_key
    from kczg.simulator.review.plan import late_body

    bodies: dict[tuple, list[str]] = {}
    for body in load_builtin_campaign(campaign_code).bodies:
        for a in body.lists:
            bodies.setdefault((a.list_code, a.domain), []).append(body.code)
    late = late_body([codes[0] for codes in bodies.values() if len(codes) == 1], seed)
    return sorted(target_key(campaign_code, lst, dom) for (lst, dom), codes in bodies.items() if codes[0] == late)


def zscore_target(campaign_code: str, seed: int) -> str:
    """The target the review plan has file z-score normalisation (kczg/simulator/review/plan.zscore_target): one of
    先导技术榜's domains filed by one body alone."""
    from contracts.campaign import load_builtin_campaign
    from contracts.events import target_key
    from kczg.simulator.review.plan import zscore_target as chosen

    bodies: dict[tuple, list[str]] = {}
    for body in load_builtin_campaign(campaign_code).bodies:
        for a in body.lists:
            bodies.setdefault((a.list_code, a.domain), []).append(body.code)
    return chosen([target_key(campaign_code, lst, dom) for (lst, dom), codes in bodies.items()
                   if lst == "leading_tech" and len(codes) == 1], seed)


def declared(in_review: dict[str, int]) -> int:
    """Conflicts the review plan has seated experts declare: per target with a panel, DECLARED_SHARE of its
    nominations, at least one (kczg/simulator/review/plan.declarations)."""
    from kczg.simulator.review.plan import DECLARED_SHARE

    return sum(max(1, round(DECLARED_SHARE * n)) for n in in_review.values() if n)
