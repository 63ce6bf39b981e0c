"""The review's corrective steps the simulation takes once each, pure and seeded (issue 19):

- a hand seat the conflict rule bars: a unit expert assigned by hand to a nomination of their own unit;
- a declared conflict with no replacement: on the target with the fewest nominations in review, every expert
  not seated on one nomination declares a relation with it first, then a seated one declares: the seat is a
  shortfall on record, filled once the body extends its roster by one expert;
- a re-review: on one target one expert scores one nomination far below the others (over the plan's divergence
  threshold); the body opens a re-review naming that expert, who revises with a reason to the middle score;
- a nomination returned for correction (退回补正), amended and resubmitted by its unit before the correction
  deadline, then passed.
"""

from __future__ import annotations

import random
from decimal import Decimal

from kczg.simulator.review.reference import spread_of, weighted_total_of

# The services' clock for the return (X-Kczg-Clock): after the campaign's deadline, before the screenings.
RETURNED_AT, RESUBMITTED_AT, RESCREENED_AT = ("2022-11-07T10:00:00+08:00", "2022-11-08T10:00:00+08:00",
                                              "2022-11-09T10:00:00+08:00")
CORRECTION_DUE = "2022-11-14"   # the unit may correct until that day's 24:00 Beijing time
RETURN_REASONS = ["推荐表缺少推荐单位盖章页，请补充后重新提交。"]
CORRECTED_SUMMARY = "已在三家企业推广应用（补正：补充推荐单位盖章页及应用证明）。"
PREEMPTED = ("interest", "与该推荐对象的完成单位存在利益关系。")
LEFT = ("relative", "与主要完成人为近亲属。")
RE_REVIEW_REASON = "专家评分分歧超过阈值，请该专家复核评分。"
REVISION_REASON = "复核申报材料后修正评分：此前误读了应用效益数据。"
MEASURE = "range"   # the re-review target's plan declares it: highest minus lowest expert total
OUTLIER_BELOW = Decimal(10)  # the outlier's total sits at least threshold + this below every other expert's


def returned(ordered: list[str], kinds: dict[str, tuple[str, str, bool]], failing: set[str], seed: int) -> str | None:
    """The nomination returned for correction: one a unit submitted itself to 先导技术榜 and that passes.
    `kinds`: nomination id -> (role, list code, via application)."""
    fit = [n for n in ordered if n not in failing and kinds[n] == ("unit", "leading_tech", False)]
    return random.Random(f"{seed}:returned").choice(fit) if fit else None


def re_review_target(keys: list[str], seed: int) -> str | None:
    """The target whose body re-reviews one nomination: one of `keys` (single-body targets, not the z-score one)."""
    return random.Random(f"{seed}:re-review").choice(sorted(keys)) if keys else None


def conflicted_pair(panel_units: dict[str, str], unit_experts: dict[str, str], seed: int) -> tuple[str, str] | None:
    """(nomination, expert): a unit expert and a nomination of that expert's own unit. `panel_units`: nomination ->
    its recommending unit's name; `unit_experts`: expert id -> affiliation (a unit's name)."""
    pairs = sorted((n, e) for n, unit in panel_units.items() for e, affiliation in unit_experts.items()
                   if affiliation == unit)
    return random.Random(f"{seed}:hand-conflict").choice(pairs) if pairs else None


def divergent_pick(panel: dict[str, list[str]], sheets, weights: dict[str, int], threshold: Decimal, low: Decimal,
                   high: Decimal, seed: int) -> tuple[str, str, dict[str, str], dict[str, str]] | None:
    """(nomination, outlier, the outlier's scores, the others' scores) for the re-review. `sheets(n, e)` gives an
    expert's planned scores. Made, not searched for: whether some panel's planned scores happen to agree depends
    on the assignment, which varies between runs. On the first nomination (seeded order) with three experts or
    more, every other expert gives the middle one's planned scores, raised where needed to leave room below, and
    the outlier gives those less threshold + OUTLIER_BELOW on every criterion (the range over the threshold);
    the revision is the others' scores, which clears it."""
    order = sorted(panel)
    random.Random(f"{seed}:divergent").shuffle(order)
    drop = threshold + OUTLIER_BELOW
    for nid in order:
        experts = sorted(panel[nid])
        if len(experts) < 3:
            continue
        outlier, others = experts[0], experts[1:]
        middle = sorted(others, key=lambda e: (weighted_total_of(sheets(nid, e), weights), e))[len(others) // 2]
        agreed = {c: max(Decimal(v), low + drop) for c, v in sheets(nid, middle).items()}
        if any(v > high for v in agreed.values()):
            return None  # a plan whose range is narrower than the drop cannot show a divergence this way
        return nid, outlier, {c: f"{v - drop:.2f}" for c, v in agreed.items()}, {c: f"{v:.2f}" for c, v in agreed.items()}
    return None
