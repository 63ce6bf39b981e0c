"""Seats a person makes or gives up, in the simulation: a unit expert seated by hand on their own unit's nomination
(refused: the conflict rule holds by hand), and a declared conflict no one can replace (a shortfall on record,
shown to the body and the secretariat, filled once the body extends its roster by one expert)."""

from __future__ import annotations

import asyncio
import random

from kczg.simulator.review.plan import PER_ITEM, Expert
from kczg.simulator.review.scenario_plan import LEFT, PREEMPTED, conflicted_pair

PROBLEM = "application/problem+json"


async def hand_conflict(sc, t) -> None:
    """Before any automatic assignment: a unit expert seated by hand on their own unit's nomination."""
    units = {r["nomination_id"]: sc.rd.unit_names[r["unit_id"]] for r in t.rows
             if r["in_review"] and r["unit_id"] in sc.rd.unit_names}
    unit_experts = {e["expert_id"]: e["affiliation"] for e in t.plan["roster"]
                    if e["affiliation"] in set(sc.rd.unit_names.values())}
    pair = conflicted_pair(units, unit_experts, sc.rd.seed)
    facts = sc.facts["hand_conflict"] = {"target": t.key, "ok": False}
    if pair is None:
        sc.problem("hand conflict", f"{t.key} has no unit expert beside a nomination of their unit")
        return
    nid, expert = pair
    r = await sc.d.call("POST", t.url + "/assignments", json={"nomination_id": nid, "expert_id": expert},
                        headers=sc.rd.auth("review_body", t.assigner))
    party = f"推荐单位（{units[nid]}）"
    code = r.json().get("code") if r.headers.get("content-type", "").startswith(PROBLEM) else None
    facts.update(nomination_id=nid, expert_id=expert, status=r.status_code, code=code)
    if (r.status_code, code) != (409, "expert_conflicted") or party not in r.json().get("detail", ""):
        sc.problem("hand conflict", f"{expert} on {nid}: {r.status_code} {r.text[:300]}")
        return
    facts["refused"] = True


def hand_conflict_after(sc, t) -> None:
    """Once the panel is full: the refused expert sits nowhere on that nomination."""
    facts = sc.facts.get("hand_conflict", {})
    if facts.get("target") != t.key or not facts.get("refused"):
        return
    seated = t.panel().get(facts["nomination_id"], [])
    facts.update(seated_after=facts["expert_id"] in seated, ok=facts["expert_id"] not in seated)
    if facts["expert_id"] in seated:
        sc.problem("hand conflict", f"{facts['expert_id']} sits on {facts['nomination_id']} after all")


# --- a shortfall, filled by extending the roster ----------------------------------------------------------

def choose_shortfall(sc) -> None:
    """The single-body target with the fewest in review (the fewest declarations), not z-score, not re-review."""
    fit = [t for t in sc.rd.targets if len(t.bodies) == 1 and t.key not in (sc.rd.zscore_target,
                                                                            sc.re_review_key)]
    sc.shortfall_key = min(fit, key=lambda t: (sum(r["in_review"] for r in t.rows), t.key)).key if fit else None


async def shortfall(sc, t, declared: set[str]) -> None:
    """Every expert not seated on one nomination declares a relation with it; then a seated one declares: no
    one can take the seat. The body extends its roster by one expert, who takes it."""
    rd, facts = sc.rd, sc.facts.setdefault("shortfall", {"target": t.key, "ok": False})
    panel = t.panel()
    candidates = sorted(n for n, experts in panel.items() if n not in declared and len(experts) == PER_ITEM)
    if not candidates:
        sc.problem("shortfall", f"{t.key}: no nomination to run short")
        return
    nid = random.Random(f"{rd.seed}:shortfall").choice(candidates)
    seated = sorted(panel[nid])
    others = sorted({e["expert_id"] for e in t.plan["roster"]} - set(seated))

    async def declare(expert: str, reason: tuple[str, str]):
        return await sc.d.call("POST", f"{t.url}/nominations/{nid}/conflict", headers=rd.auth(
            "expert", t.filer, expert), json={"reason_code": reason[0], "reason": reason[1]})

    first = await asyncio.gather(*(declare(e, PREEMPTED) for e in others))
    wrong = [(e, r.status_code) for e, r in zip(others, first) if r.status_code not in (200, 201)
             or r.json()["replaced_by"] or r.json()["short_by"]]
    leaving = seated[0]
    r = await declare(leaving, LEFT)
    facts.update(nomination_id=nid, declared_first=len(others), left_by=leaving)
    if wrong or r.status_code != 201 or (r.json()["recorded"], r.json()["replaced_by"], r.json()["short_by"]) \
            != (True, 0, 1):
        sc.problem("shortfall", f"declarations {wrong}; {leaving} leaving: {r.status_code} {r.text[:300]}")
        return
    facts["short_by"] = 1

    def short_row(rows):
        return next((row for row in rows if row["nomination_id"] == nid), {}).get("shortfall")

    for who in (t.filer, None):  # the body, then the secretariat: each sees the nomination short
        headers = rd.auth("review_body", who) if who else rd.auth("secretariat", "kczg_secretariat")
        rows = await rd.until(lambda: rd.rows(t, headers), short_row, "the shortfall shown")
        shown = short_row(rows)
        want = (1, 0, 1, leaving)
        got = (shown["seats_needed"], shown["eligible"], shown["experts_needed"], shown["left_by"])
        if got != want or "请增补专家名单" not in shown["remedy"]:
            sc.problem("shortfall", f"{'body' if who else 'secretariat'} sees {shown}, expected {want}")
            return
    facts["shown"] = True
    added = Expert(f"sim-{sc.d.tag}-t{t.index:02d}-x000", f"模拟增补专家{t.index:02d}", "模拟增补评审高校")
    terms = {k: t.plan[k] for k in t.terms}
    terms["roster"] = [*t.plan["roster"], added.entry()]
    r = await sc.d.call("PUT", t.url + "/plan", json=terms, headers=rd.auth("review_body", t.filer))
    if r.status_code != 201 or (r.json()["assigned"], r.json()["short"]) != (1, []):
        sc.problem("roster extension", f"{r.status_code} {r.text[:300]}")
        return
    t.plan["roster"] = terms["roster"]
    t.stats["roster"] += 1
    await rd.until(lambda: rd.rows(t), lambda rows: added.expert_id in next(
        row["experts"] for row in rows if row["nomination_id"] == nid), "the added expert seated")
    row = next(row for row in t.rows if row["nomination_id"] == nid)
    facts.update(added=added.expert_id, seated_after=len(row["experts"]))
    if len(row["experts"]) != PER_ITEM or row["shortfall"] is not None or leaving in row["experts"]:
        sc.problem("shortfall", f"after the extension {nid} shows {row['experts']}, {row['shortfall']}")
        return
    facts["filled"] = True


def shortfall_after(sc, rows: list[dict], posted) -> None:
    """After the results: the nomination fully seated, every seat scored, and ranked."""
    facts = sc.facts.get("shortfall", {})
    if not facts.get("filled"):
        return
    row = next(r for r in rows if r["nomination_id"] == facts["nomination_id"])
    scored = all((row["nomination_id"], e) in posted for e in row["experts"])
    facts.update(scored=scored, ranked=bool(row["prelim"]), ok=scored and bool(row["prelim"])
                 and facts["added"] in row["experts"] and len(row["experts"]) == PER_ITEM)
    if not facts["ok"]:
        sc.problem("shortfall", f"after the results {row['nomination_id']}: {row['experts']}, {row['prelim']}")
