"""The simulated review, pure and seeded: which screenings fail, each target's roster (some experts from
recommending units, so conflicts are found automatically), the conflicts experts declare, the body that
submits late, the target that aggregates by z-score, and every expert's scores (the nomination's merit, the
expert's own bias and noise).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from kczg.simulator.mail import expert_email

SCREEN_FAIL_SHARE = 0.02
SCREEN_REASONS = ("推荐表缺少推荐单位盖章页。", "申报材料不完整：缺少知识产权证明材料。", "推荐书填写不规范，关键指标缺失。")
PER_ITEM = 7
LOAD = 30             # about how many nominations one expert scores
SPARE = 3             # experts beyond 7 on the smallest roster: room for conflicts and top-ups
UNIT_EXPERTS = 2      # experts working at a recommending unit of the target
DECLARED_SHARE = 0.03  # of a target's nominations, at least one, on which a seated expert declares a conflict
DECLARED = (("collaboration", "近三年与完成单位有合作项目。"), ("relative", "与主要完成人为近亲属。"),
            ("interest", "与申报单位存在利益关系。"), ("other", "曾参与该成果的前期论证。"))


@dataclass(frozen=True)
class Expert:
    expert_id: str
    name: str
    affiliation: str

    def entry(self) -> dict:
        return {"expert_id": self.expert_id, "name": self.name, "affiliation": self.affiliation,
                "contact_email": expert_email(self.expert_id)}


def screening_failures(ordered: list[str], seed: int) -> dict[str, list[str]]:
    """About 2 % of `ordered` (at least one), failing with a reason: nomination id -> reasons."""
    if not ordered:
        return {}
    rnd = random.Random(f"{seed}:screening")
    count = max(1, round(SCREEN_FAIL_SHARE * len(ordered)))
    return {nid: [rnd.choice(SCREEN_REASONS)] for nid in rnd.sample(ordered, count)}


def roster(tag: str, index: int, in_review: int, unit_names: list[str], seed: int) -> list[Expert]:
    """Enough experts for 7 per item at about LOAD each, and UNIT_EXPERTS from the target's recommending units."""
    size = max(PER_ITEM + SPARE, math.ceil(in_review * PER_ITEM / LOAD) + SPARE)
    experts = [Expert(f"sim-{tag}-t{index:02d}-e{i:03d}", f"模拟专家{index:02d}{i:03d}", f"模拟评审高校{i % 37:02d}")
               for i in range(size)]
    rnd = random.Random(f"{seed}:roster:{index}")
    picked = rnd.sample(sorted(set(unit_names)), min(UNIT_EXPERTS, len(set(unit_names))))
    experts += [Expert(f"sim-{tag}-t{index:02d}-u{i:03d}", f"模拟单位专家{index:02d}{i:03d}", name)
                for i, name in enumerate(picked)]
    return experts


def declarations(panel: dict[str, list[str]], seed: int, key: str) -> list[tuple[str, str, str, str]]:
    """(nomination id, expert id, reason code, reason) for a few seated experts of one target."""
    if not panel:
        return []
    rnd = random.Random(f"{seed}:declared:{key}")
    chosen = rnd.sample(sorted(panel), max(1, round(DECLARED_SHARE * len(panel))))
    return [(nid, rnd.choice(sorted(panel[nid])), *rnd.choice(DECLARED)) for nid in chosen]


ZSCORE_PLAN = ("初评采用专家个人独立评分，每项由7位专家评审；各专家的总分先按其本人在本领域所评各项标准化（z 分数），"
               "再按全体评分的均值与标准差还原为百分制后取平均。")


def zscore_target(keys: list[str], seed: int) -> str:
    """The one target whose body files z-score normalisation per expert (zscore_mean) instead of the default:
    one of `keys` (先导技术榜's single-body domains: enough nominations per expert for the z to say something)."""
    return random.Random(f"{seed}:zscore").choice(sorted(keys))


def late_body(bodies: list[str], seed: int) -> str:
    return random.Random(f"{seed}:late").choice(sorted(bodies))


def scores(criteria: list[dict], low: float, high: float, nomination_id: str, expert_id: str,
           seed: int) -> dict[str, str]:
    """One expert's scores on one nomination, two decimals within [low, high]: merit + bias + noise."""
    merit = random.Random(f"{seed}:merit:{nomination_id}")
    quality = merit.uniform(58, 92)
    profile = random.Random(f"{seed}:expert:{expert_id}")
    bias, spread = profile.gauss(0, 4), profile.uniform(1.5, 6)
    noise = random.Random(f"{seed}:noise:{nomination_id}:{expert_id}")
    out = {}
    for c in criteria:
        value = quality + merit.uniform(-6, 6) + bias + noise.gauss(0, spread)
        out[c["code"]] = f"{min(high, max(low, value)):.2f}"
    return out
