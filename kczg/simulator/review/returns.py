"""退回补正 in the simulation: the secretariat returns one nomination with reasons and a correction deadline; its
unit reads why from the intake, corrects the form after the campaign's deadline and resubmits it before the
correction deadline; the screening then passes it (kczg/simulator/review/scenario_plan.py chooses it)."""

from __future__ import annotations

from kczg.simulator.intake.plan import title_of
from kczg.simulator.review.scenario_plan import (CORRECTED_SUMMARY, CORRECTION_DUE, RESCREENED_AT, RESUBMITTED_AT,
                                                 RETURN_REASONS, RETURNED_AT, returned)


def due_text(day: str) -> str:
    """How the services write a correction deadline: 2022-11-14 -> 2022年11月14日24:00."""
    y, m, d = (int(x) for x in day.split("-"))
    return f"{y}年{m}月{d}日24:00"


def returned_nomination(sc, ordered: list[str], failing: set[str]) -> str | None:
    kinds = {n: (sc.d.accepted[n].role, sc.d.accepted[n].list_code, sc.d.accepted[n].via_application)
             for n in ordered}
    return returned(ordered, kinds, failing, sc.rd.seed)


async def return_and_resubmit(sc, nid: str) -> bool:
    """The secretariat returns `nid` with reasons; its unit reads why, corrects the form after the campaign's
    deadline, resubmits before the correction deadline; the screening passes it. True once passed."""
    rd, intent = sc.rd, sc.d.accepted[nid]
    facts = sc.facts["returned"] = {"nomination_id": nid, "ok": False}
    r = await sc.d.call("POST", f"{rd.base}/v1/review/nominations/{nid}/return", headers=rd.auth(
        "secretariat", "kczg_secretariat", clock=RETURNED_AT), json={"reasons": RETURN_REASONS,
                                                                     "correction_due": CORRECTION_DUE})
    due = f"{CORRECTION_DUE}T00:00:00+08:00"
    if r.status_code != 201 or (r.json()["outcome"], r.json()["round"]) != ("returned", 1):
        sc.problem("return", f"{r.status_code} {r.text[:300]}")
        return False
    unit = {**sc.d.auth("unit", intent.org), "X-Kczg-Clock": RESUBMITTED_AT}
    url = f"{sc.d.intake}/v1/nominations/{nid}"
    shown = await _intake_screening(sc, url, unit, "returned")
    message = (shown or {}).get("message") or ""
    if shown is None or shown["reasons"] != RETURN_REASONS or RETURN_REASONS[0].rstrip("。") not in message \
            or due_text(CORRECTION_DUE) not in message:
        sc.problem("return", f"the unit reads {shown}")
        return False
    form = sc.d._body(intent)["form"]
    form["application_summary"] = CORRECTED_SUMMARY
    amended = await sc.d.call("PUT", url, json={"form": form}, headers=unit)
    again = await sc.d.call("POST", url + "/resubmit", headers=unit)
    if (amended.status_code, again.status_code) != (200, 200) or again.json().get("status") != "resubmitted":
        sc.problem("resubmission", f"amend {amended.status_code} {amended.text[:200]}; "
                                     f"resubmit {again.status_code} {again.text[:200]}")
        return False
    await rd.until(rd.pending, lambda ids: nid in ids, "the resubmitted nomination pending again", timeout_s=120)
    r = await sc.d.call("POST", f"{rd.base}/v1/review/nominations/{nid}/screening", json={"passed": True},
                        headers=rd.auth("secretariat", "kczg_secretariat", clock=RESCREENED_AT))
    if r.status_code != 201 or not r.json()["passed"]:
        sc.problem("screening after resubmission", f"{r.status_code} {r.text[:300]}")
        return False
    passed = await _intake_screening(sc, url, unit, "passed")
    facts.update(title=title_of(intent), correction_due_at=due, unit_message=message,
                 resubmitted_revision=again.json().get("revision"), passed=passed is not None,
                 ok=passed is not None)
    if passed is None:
        sc.problem("return", "the unit never read its resubmitted nomination as passed")
    return True


async def _intake_screening(sc, url: str, unit: dict, state: str) -> dict | None:
    async def read():
        r = await sc.d.call("GET", url, headers=unit)
        return (r.json().get("screening") or {}) if r.status_code == 200 else {}
    try:
        return await sc.rd.until(read, lambda s: s.get("state") == state, f"the unit's screening {state}",
                                 timeout_s=120)
    except RuntimeError:
        return None
