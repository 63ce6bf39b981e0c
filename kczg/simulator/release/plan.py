"""The simulated final review, notice and release, pure and seeded: how many of each target are selected,
every committee vote, the decisions revised, and the named objections with the secretariat's answer.

Selection: the top SELECT_SHARE of each target by preliminary rank, but no more of a list than its cap
times the scale — 2022 listed 150 先导技术 (over its six domains) and 100 新锐企业; the other lists get
smaller caps — spread over a list's targets in proportion to their size, at least one per target.
Votes: a committee of COMMITTEE members (应到), a few recused (回避, not present) or absent; a selected
nomination gets at least the approval share of those present, one not selected fewer.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction

from kczg.simulator.mail import objector_email

# The services' clock for each step (X-Kczg-Clock): inside kczg-2022's final-review month.
FINAL_AT, REVISED_AT = "2022-12-10T10:00:00+08:00", "2022-12-15T10:00:00+08:00"
NOTICE_AT, OBJECTED_AT = "2022-12-20T10:00:00+08:00", "2022-12-22T10:00:00+08:00"
RESOLVED_AT = "2022-12-26T10:00:00+08:00"

SELECT_SHARE = Fraction(2, 5)
LIST_CAPS = {"leading_tech": 150, "emerging_enterprise": 100, "integrated_innovation_org": 30,
             "entrepreneurship_pioneer": 30, "tech_manager_pioneer": 30, "international_cooperation": 20,
             "open_source": 20}
COMMITTEE = 15
REVISED_TARGETS = 2     # targets where the committee swaps the last selected and the first not selected
OBJECTIONS = 4          # the first upheld, the rest dismissed (the rate limit allows 5 per address)
NOTES = {True: "终评委员会表决通过，入选。", False: "终评委员会表决未达到通过票数，不入选。"}
REVISION_NOTE = "复议：经终评委员会复议，调整终评结果。"
GROUNDS = ("该成果的核心专利权属存在争议，申报材料未如实说明。", "申报材料所列应用效益数据与实际不符。",
           "该单位近三年存在严重失信行为。", "推荐材料中的主要完成人信息有误。")
UPHELD_NOTE = "经核实，异议成立：相关情况属实，该项不予列入榜单。"
DISMISSED_NOTE = "经核实，异议不成立：所述情况与核实结果不符，维持原终评结果。"
CORRECTION = "更正版：更正一项成果的名称，撤销一项经核查不符合条件的成果。"
RENAME_REASON = "推荐单位来函，更正成果名称中的笔误。"
REVOKE_REASON = "经核查，该成果的核心知识产权存在纠纷，不符合入榜条件，予以撤销。"
RENAMED_SUFFIX = "（名称更正）"


@dataclass(frozen=True)
class Rule:
    quorum: Fraction
    approval: Fraction

    @classmethod
    def parse(cls, rule: dict) -> "Rule":
        return cls(Fraction(rule["quorum"]), Fraction(rule["approval"]))

    def least(self, share: Fraction, whole: int) -> int:
        return math.ceil(share * whole)


@dataclass(frozen=True)
class ObjectionPlan:
    list_code: str
    nomination_id: str
    name: str
    organisation: str
    contact: str
    grounds: str
    upheld: bool

    def body(self) -> dict:
        return {"nomination_id": self.nomination_id, "name": self.name, "organisation": self.organisation,
                "contact": self.contact, "grounds": self.grounds}

    @property
    def note(self) -> str:
        return UPHELD_NOTE if self.upheld else DISMISSED_NOTE


def selection(sizes: dict[str, int], list_of: dict[str, str], scale: float) -> dict[str, int]:
    """target key -> how many of its ranked nominations are selected."""
    by_list: dict[str, int] = {}
    for key, n in sizes.items():
        by_list[list_of[key]] = by_list.get(list_of[key], 0) + n
    out = {}
    for key, n in sizes.items():
        total = by_list[list_of[key]]
        cap = max(1, round(LIST_CAPS.get(list_of[key], 20) * scale))
        share = min(SELECT_SHARE, Fraction(cap, total)) if total else SELECT_SHARE
        out[key] = min(n, max(1, round(share * n))) if n else 0
    return out


def vote(nomination_id: str, selected: bool, rule: Rule, seed: int, salt: str = "") -> dict:
    """A committee vote with its quorum that supports the decision."""
    rnd = random.Random(f"{seed}:vote:{salt}:{nomination_id}")
    recused = rnd.choice((0, 0, 0, 0, 1, 1, 2))
    spare = COMMITTEE - recused - rule.least(rule.quorum, COMMITTEE)
    present = COMMITTEE - recused - rnd.randint(0, min(3, spare))
    need = rule.least(rule.approval, present)
    yes = rnd.randint(need, present) if selected else rnd.randint(max(0, need - 4), need - 1)
    no = rnd.randint(0, present - yes)
    return {"eligible": COMMITTEE, "present": present, "recused": recused, "yes": yes, "no": no,
            "abstain": present - yes - no}


def short_vote(rule: Rule) -> dict:
    """One member short of the quorum (one recused): the service must refuse it."""
    present = rule.least(rule.quorum, COMMITTEE) - 1
    return {"eligible": COMMITTEE, "present": present, "recused": 1, "yes": present - 2, "no": 1, "abstain": 1}


def revisions(ranked: dict[str, list[str]], chosen: dict[str, int], seed: int) -> list[tuple[str, bool]]:
    """(nomination id, now selected?) for the swaps at the selection line of a few targets."""
    swappable = sorted(k for k, ids in ranked.items() if 0 < chosen[k] < len(ids))
    picked = random.Random(f"{seed}:revised").sample(swappable, min(REVISED_TARGETS, len(swappable)))
    return [change for k in sorted(picked)
            for change in ((ranked[k][chosen[k] - 1], False), (ranked[k][chosen[k]], True))]


def objections(noticed: dict[str, list[str]], seed: int, tag: str = "sim") -> list[ObjectionPlan]:
    """OBJECTIONS named objections over the largest notices, each to a different nomination."""
    rnd = random.Random(f"{seed}:objections")
    lists = sorted((code for code, ids in noticed.items() if ids), key=lambda c: (-len(noticed[c]), c))
    taken: set[str] = set()
    out = []
    for i in range(OBJECTIONS if lists else 0):
        code = lists[i % len(lists)]
        free = [n for n in noticed[code] if n not in taken]
        if not free:
            continue
        nid = rnd.choice(free)
        taken.add(nid)
        out.append(ObjectionPlan(code, nid, f"模拟异议人{i + 1:02d}", f"模拟异议单位{i + 1:02d}",
                                 objector_email(tag, i + 1), GROUNDS[i % len(GROUNDS)], upheld=i == 0))
    return out
