"""The simulated campaign, pure and seeded: 2022-sized (2,281 nominations) times `scale`.

Units are spread over the seven channels (about one in ten in two), a few large units nominate far
more than their quota, lists and domains follow plausible weights, and a small share of
nominations is late, invalid or withdrawn after acceptance; some go through the applicant stage.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

NOMINATIONS_2022 = 2281
UNITS_PER_CHANNEL = {"national_society": 180, "provincial_cast": 31, "xpcc_cast": 1, "pilot_city_park": 40,
                     "central_enterprise_cast": 60, "consortium_member": 50, "other_unit": 38}
LIST_WEIGHTS = {"leading_tech": 55, "emerging_enterprise": 25, "integrated_innovation_org": 8,
                "entrepreneurship_pioneer": 7, "tech_manager_pioneer": 5}
DOMAIN_WEIGHTS = {"electronic_info": 28, "biomedicine": 20, "equipment_manufacturing": 18,
                  "advanced_materials": 14, "green_low_carbon": 14, "industrial_foundation": 6}
SEPARATE = {"international_cooperation": "cistc", "open_source": "kczg_open_source_consortium"}
SEPARATE_SHARE = 0.03      # per separately organised list
KINDS = {"late": 0.02, "invalid": 0.03, "withdrawn": 0.03}
VIA_APPLICATION = 0.15
# Every fifth 先导技术 title carries characters HTML must escape: the public page has to show them as text.
MARKED_EVERY, MARK = 5, "·<新型>“光&电”技术"


@dataclass(frozen=True)
class Unit:
    unit_id: str
    name: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class Intent:
    seq: int
    org: str                 # the unit, or the review body of a separately organised list
    role: str
    list_code: str
    domain: str | None
    kind: str                # ok | late | invalid | withdrawn
    via_application: bool


def plan(scale: float, seed: int, tag: str) -> tuple[list[Unit], list[Intent]]:
    """`scale` may be a fraction (tests) or a multiple (load): units and nominations scale together."""
    rnd = random.Random(seed)
    channels = list(UNITS_PER_CHANNEL)
    units = []
    for channel, count in UNITS_PER_CHANNEL.items():
        for i in range(max(1, round(count * scale))):
            extra = (rnd.choice([c for c in channels if c != channel]),) if rnd.random() < 0.1 else ()
            n = len(units) + 1
            units.append(Unit(f"sim-{tag}-u{n:05d}", f"模拟推荐单位{n:05d}", (channel, *extra)))
    # A tenth of the units are large and nominate eight times as much: they run into their quotas.
    weights = [8 if rnd.random() < 0.1 else 1 for _ in units]
    total = max(1, round(NOMINATIONS_2022 * scale))
    intents = []
    for seq in range(total):
        kind = _pick(rnd, {**KINDS, "ok": 1 - sum(KINDS.values())})
        separate = rnd.random() < 2 * SEPARATE_SHARE
        if separate:
            list_code = rnd.choice(sorted(SEPARATE))
            intents.append(Intent(seq, SEPARATE[list_code], "review_body", list_code, None, kind, False))
            continue
        list_code = _pick(rnd, LIST_WEIGHTS)
        domain = _pick(rnd, DOMAIN_WEIGHTS) if list_code == "leading_tech" else None
        unit = rnd.choices(units, weights)[0]
        via = kind in ("ok", "withdrawn") and rnd.random() < VIA_APPLICATION
        intents.append(Intent(seq, unit.unit_id, "unit", list_code, domain, kind, via))
    return units, intents


def title_of(intent: Intent) -> str:
    """The item's name on the form (the nomination's title), unique per intent."""
    title = f"模拟{intent.seq:06d}"
    return title + MARK if intent.list_code == "leading_tech" and intent.seq % MARKED_EVERY == 2 else title


def _pick(rnd: random.Random, weights: dict[str, float]) -> str:
    return rnd.choices(list(weights), list(weights.values()))[0]
