"""The review's corrective steps (kczg/simulator/review/scenario_plan.py), through the intake's and the review
service's HTTP APIs, each checked as it goes against what the simulator knows independently (its own roster and
units, its reference arithmetic in reference.py, the log itself): every disagreement is a line in the review's
problems, and `facts` says what each step saw."""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal

from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.events import decode_event
from contracts.topics import REVIEW, Topic
from eventlog.settings import kafka_bootstrap
from kczg.simulator.intake.plan import title_of
from kczg.simulator.review.plan import PER_ITEM, Expert, scores
from kczg.simulator.review.reference import spread_of, weighted_total_of
from kczg.simulator.review.scenario_plan import (CORRECTED_SUMMARY, CORRECTION_DUE, LEFT, MEASURE, PREEMPTED,
                                                RE_REVIEW_REASON, RESCREENED_AT, RESUBMITTED_AT, RETURN_REASONS,
                                                RETURNED_AT, REVISION_REASON, conflicted_pair, divergent_pick,
                                                re_review_target, returned)

SCENARIOS = ("returned", "hand_conflict", "shortfall", "re_review")
PROBLEM = "application/problem+json"


def due_text(day: str) -> str:
    """How the services write a correction deadline: 2022-11-14 -> 2022年11月14日24:00."""
    y, m, d = (int(x) for x in day.split("-"))
    return f"{y}年{m}月{d}日24:00"


class ReviewScenarios:
    def __init__(self, rd) -> None:
        self.rd, self.d = rd, rd.d
        self.facts: dict[str, dict] = {}
        keys = [t.key for t in rd.targets if len(t.bodies) == 1 and t.key != rd.zscore_target]
        self.re_review_key = re_review_target(keys, rd.seed)
        self.shortfall_key: str | None = None
        self.divergent: tuple[str, str, dict, dict] | None = None   # (nomination, expert, outlier, revised)

    def problem(self, what: str, text: str) -> None:
        self.rd.problems.append(f"{what}: {text}")

    def ok(self) -> bool:
        return all(self.facts.get(name, {}).get("ok") for name in SCENARIOS)

    # --- 退回补正 ------------------------------------------------------------------------------------------

    def returned_nomination(self, ordered: list[str], failing: set[str]) -> str | None:
        kinds = {n: (self.d.accepted[n].role, self.d.accepted[n].list_code, self.d.accepted[n].via_application)
                 for n in ordered}
        return returned(ordered, kinds, failing, self.rd.seed)

    async def return_and_resubmit(self, nid: str) -> bool:
        """The secretariat returns `nid` with reasons; its unit reads why, corrects the form after the campaign's
        deadline, resubmits before the correction deadline; the screening passes it. True once passed."""
        rd, intent = self.rd, self.d.accepted[nid]
        facts = self.facts["returned"] = {"nomination_id": nid, "ok": False}
        r = await self.d.call("POST", f"{rd.base}/v1/review/nominations/{nid}/return", headers=rd.auth(
            "secretariat", "kczg_secretariat", clock=RETURNED_AT), json={"reasons": RETURN_REASONS,
                                                                         "correction_due": CORRECTION_DUE})
        due = f"{CORRECTION_DUE}T00:00:00+08:00"
        if r.status_code != 201 or (r.json()["outcome"], r.json()["round"]) != ("returned", 1):
            self.problem("return", f"{r.status_code} {r.text[:300]}")
            return False
        unit = {**self.d.auth("unit", intent.org), "X-Kczg-Clock": RESUBMITTED_AT}
        url = f"{self.d.intake}/v1/nominations/{nid}"
        shown = await self._intake_screening(url, unit, "returned")
        message = (shown or {}).get("message") or ""
        if shown is None or shown["reasons"] != RETURN_REASONS or RETURN_REASONS[0].rstrip("。") not in message \
                or due_text(CORRECTION_DUE) not in message:
            self.problem("return", f"the unit reads {shown}")
            return False
        form = self.d._body(intent)["form"]
        form["application_summary"] = CORRECTED_SUMMARY
        amended = await self.d.call("PUT", url, json={"form": form}, headers=unit)
        again = await self.d.call("POST", url + "/resubmit", headers=unit)
        if (amended.status_code, again.status_code) != (200, 200) or again.json().get("status") != "resubmitted":
            self.problem("resubmission", f"amend {amended.status_code} {amended.text[:200]}; "
                                         f"resubmit {again.status_code} {again.text[:200]}")
            return False
        await rd.until(rd.pending, lambda ids: nid in ids, "the resubmitted nomination pending again", timeout_s=120)
        r = await self.d.call("POST", f"{rd.base}/v1/review/nominations/{nid}/screening", json={"passed": True},
                              headers=rd.auth("secretariat", "kczg_secretariat", clock=RESCREENED_AT))
        if r.status_code != 201 or not r.json()["passed"]:
            self.problem("screening after resubmission", f"{r.status_code} {r.text[:300]}")
            return False
        passed = await self._intake_screening(url, unit, "passed")
        facts.update(title=title_of(intent), correction_due_at=due, unit_message=message,
                     resubmitted_revision=again.json().get("revision"), passed=passed is not None,
                     ok=passed is not None)
        if passed is None:
            self.problem("return", "the unit never read its resubmitted nomination as passed")
        return True

    async def _intake_screening(self, url: str, unit: dict, state: str) -> dict | None:
        async def read():
            r = await self.d.call("GET", url, headers=unit)
            return (r.json().get("screening") or {}) if r.status_code == 200 else {}
        try:
            return await self.rd.until(read, lambda s: s.get("state") == state, f"the unit's screening {state}",
                                       timeout_s=120)
        except RuntimeError:
            return None

    # --- a hand seat the rule bars ---------------------------------------------------------------------------

    async def hand_conflict(self, t) -> None:
        """Before any automatic assignment: a unit expert seated by hand on their own unit's nomination."""
        units = {r["nomination_id"]: self.rd.unit_names[r["unit_id"]] for r in t.rows
                 if r["in_review"] and r["unit_id"] in self.rd.unit_names}
        unit_experts = {e["expert_id"]: e["affiliation"] for e in t.plan["roster"]
                        if e["affiliation"] in set(self.rd.unit_names.values())}
        pair = conflicted_pair(units, unit_experts, self.rd.seed)
        facts = self.facts["hand_conflict"] = {"target": t.key, "ok": False}
        if pair is None:
            self.problem("hand conflict", f"{t.key} has no unit expert beside a nomination of their unit")
            return
        nid, expert = pair
        r = await self.d.call("POST", t.url + "/assignments", json={"nomination_id": nid, "expert_id": expert},
                              headers=self.rd.auth("review_body", t.assigner))
        party = f"推荐单位（{units[nid]}）"
        code = r.json().get("code") if r.headers.get("content-type", "").startswith(PROBLEM) else None
        facts.update(nomination_id=nid, expert_id=expert, status=r.status_code, code=code)
        if (r.status_code, code) != (409, "expert_conflicted") or party not in r.json().get("detail", ""):
            self.problem("hand conflict", f"{expert} on {nid}: {r.status_code} {r.text[:300]}")
            return
        facts["refused"] = True

    def hand_conflict_after(self, t) -> None:
        """Once the panel is full: the refused expert sits nowhere on that nomination."""
        facts = self.facts.get("hand_conflict", {})
        if facts.get("target") != t.key or not facts.get("refused"):
            return
        seated = t.panel().get(facts["nomination_id"], [])
        facts.update(seated_after=facts["expert_id"] in seated, ok=facts["expert_id"] not in seated)
        if facts["expert_id"] in seated:
            self.problem("hand conflict", f"{facts['expert_id']} sits on {facts['nomination_id']} after all")

    # --- a shortfall, filled by extending the roster ----------------------------------------------------------

    def choose_shortfall(self) -> None:
        """The single-body target with the fewest in review (the fewest declarations), not z-score, not re-review."""
        fit = [t for t in self.rd.targets if len(t.bodies) == 1 and t.key not in (self.rd.zscore_target,
                                                                                   self.re_review_key)]
        self.shortfall_key = min(fit, key=lambda t: (sum(r["in_review"] for r in t.rows), t.key)).key if fit else None

    async def shortfall(self, t, declared: set[str]) -> None:
        """Every expert not seated on one nomination declares a relation with it; then a seated one declares: no
        one can take the seat. The body extends its roster by one expert, who takes it."""
        rd, facts = self.rd, self.facts.setdefault("shortfall", {"target": t.key, "ok": False})
        panel = t.panel()
        candidates = sorted(n for n, experts in panel.items() if n not in declared and len(experts) == PER_ITEM)
        if not candidates:
            self.problem("shortfall", f"{t.key}: no nomination to run short")
            return
        nid = random.Random(f"{rd.seed}:shortfall").choice(candidates)
        seated = sorted(panel[nid])
        others = sorted({e["expert_id"] for e in t.plan["roster"]} - set(seated))

        async def declare(expert: str, reason: tuple[str, str]):
            return await self.d.call("POST", f"{t.url}/nominations/{nid}/conflict", headers=rd.auth(
                "expert", t.filer, expert), json={"reason_code": reason[0], "reason": reason[1]})

        first = await asyncio.gather(*(declare(e, PREEMPTED) for e in others))
        wrong = [(e, r.status_code) for e, r in zip(others, first) if r.status_code not in (200, 201)
                 or r.json()["replaced_by"] or r.json()["short_by"]]
        leaving = seated[0]
        r = await declare(leaving, LEFT)
        facts.update(nomination_id=nid, declared_first=len(others), left_by=leaving)
        if wrong or r.status_code != 201 or (r.json()["recorded"], r.json()["replaced_by"], r.json()["short_by"]) \
                != (True, 0, 1):
            self.problem("shortfall", f"declarations {wrong}; {leaving} leaving: {r.status_code} {r.text[:300]}")
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
                self.problem("shortfall", f"{'body' if who else 'secretariat'} sees {shown}, expected {want}")
                return
        facts["shown"] = True
        added = Expert(f"sim-{self.d.tag}-t{t.index:02d}-x000", f"模拟增补专家{t.index:02d}", "模拟增补评审高校")
        terms = {k: t.plan[k] for k in t.terms}
        terms["roster"] = [*t.plan["roster"], added.entry()]
        r = await self.d.call("PUT", t.url + "/plan", json=terms, headers=rd.auth("review_body", t.filer))
        if r.status_code != 201 or (r.json()["assigned"], r.json()["short"]) != (1, []):
            self.problem("roster extension", f"{r.status_code} {r.text[:300]}")
            return
        t.plan["roster"] = terms["roster"]
        t.stats["roster"] += 1
        await rd.until(lambda: rd.rows(t), lambda rows: added.expert_id in next(
            row["experts"] for row in rows if row["nomination_id"] == nid), "the added expert seated")
        row = next(row for row in t.rows if row["nomination_id"] == nid)
        facts.update(added=added.expert_id, seated_after=len(row["experts"]))
        if len(row["experts"]) != PER_ITEM or row["shortfall"] is not None or leaving in row["experts"]:
            self.problem("shortfall", f"after the extension {nid} shows {row['experts']}, {row['shortfall']}")
            return
        facts["filled"] = True

    def shortfall_after(self, rows: list[dict], posted) -> None:
        """After the results: the nomination fully seated, every seat scored, and ranked."""
        facts = self.facts.get("shortfall", {})
        if not facts.get("filled"):
            return
        row = next(r for r in rows if r["nomination_id"] == facts["nomination_id"])
        scored = all((row["nomination_id"], e) in posted for e in row["experts"])
        facts.update(scored=scored, ranked=bool(row["prelim"]), ok=scored and bool(row["prelim"])
                     and facts["added"] in row["experts"] and len(row["experts"]) == PER_ITEM)
        if not facts["ok"]:
            self.problem("shortfall", f"after the results {row['nomination_id']}: {row['experts']}, {row['prelim']}")

    # --- re-review (复评) -----------------------------------------------------------------------------------

    def plan_terms(self, t) -> dict:
        """The re-review target's plan declares its divergence measure and threshold."""
        return {"divergence_measure": MEASURE} if t.key == self.re_review_key else {}

    def pick_divergent(self, t) -> None:
        if t.key != self.re_review_key:
            return
        plan = t.plan
        low, high = Decimal(str(plan["score_min"])), float(plan["score_max"])
        weights = {c["code"]: int(c["weight"]) for c in plan["criteria"]}
        self.divergent = divergent_pick(
            t.panel(), lambda n, e: scores(plan["criteria"], float(low), high, n, e, self.rd.seed), weights,
            Decimal(str(plan["divergence_threshold"])), low, self.rd.seed)
        if self.divergent is None:
            self.problem("re-review", f"{t.key}: no nomination whose other experts agree")

    def sheet(self, t, nid: str, expert: str) -> dict[str, str]:
        if t.key == self.re_review_key and self.divergent and self.divergent[:2] == (nid, expert):
            return self.divergent[2]
        plan = t.plan
        return scores(plan["criteria"], float(plan["score_min"]), float(plan["score_max"]), nid, expert, self.rd.seed)

    async def re_review(self, t) -> None:
        """The body opens a re-review on the divergent nomination naming its outlier; the outlier revises with a
        reason; it closes under the threshold. Each figure against the reference (reference.spread_of)."""
        if t.key != self.re_review_key or self.divergent is None:
            return
        rd, (nid, expert, _, revised) = self.rd, self.divergent
        facts = self.facts["re_review"] = {"target": t.key, "nomination_id": nid, "expert_id": expert, "ok": False}
        threshold, measure = Decimal(str(t.plan["divergence_threshold"])), t.plan["divergence_measure"]
        experts = t.panel()[nid]
        before = spread_of([rd.posted[(nid, e)] for e in experts], measure)
        url, body = f"{t.url}/nominations/{nid}/re-review", rd.auth("review_body", t.filer)
        r = await self.d.call("POST", url, json={"revisit": [expert], "reason": RE_REVIEW_REASON}, headers=body)
        facts.update(measure=measure, threshold=str(threshold), spread_before=str(before),
                     outlier_total=str(rd.posted[(nid, expert)]))
        if before <= threshold or r.status_code != 201 or (Decimal(r.json()["spread"]), Decimal(r.json()["threshold"]),
                                                          r.json()["revisit"], r.json()["added"]) != (
                before, threshold, [expert], []):
            self.problem("re-review", f"opening on {nid} (spread {before}, threshold {threshold}): "
                                      f"{r.status_code} {r.text[:300]}")
            return
        r = await self.d.call("PUT", f"{url.rsplit('/', 1)[0]}/scores", headers=rd.auth("expert", t.filer, expert),
                              json={"scores": revised, "reason": REVISION_REASON})
        ours = weighted_total_of(revised, {c["code"]: int(c["weight"]) for c in t.plan["criteria"]})
        if r.status_code != 200 or Decimal(r.json()["total"]) != ours:
            self.problem("re-review", f"the revision: {r.status_code} {r.text[:300]} (we computed {ours})")
            return
        rd.posted[(nid, expert)] = ours
        after = spread_of([rd.posted[(nid, e)] for e in experts], measure)
        r = await self.d.call("POST", url + "/close", json={}, headers=body)
        facts.update(revised_total=str(ours), spread_after=str(after))
        if after > threshold or r.status_code != 201 or (r.json()["cleared"], Decimal(r.json()["spread"])) != (True,
                                                                                                               after):
            self.problem("re-review", f"closing on {nid} (spread {after}): {r.status_code} {r.text[:300]}")
            return
        facts["closed"] = True

    async def re_review_after(self, t) -> None:
        """After the results: the view shows the re-review closed and cleared and the nomination not divergent;
        the log keeps the outlier's first score beside the revision that names it, with its reason."""
        facts = self.facts.get("re_review", {})
        if facts.get("target") != t.key or not facts.get("closed"):
            return
        nid, expert = facts["nomination_id"], facts["expert_id"]
        row = next(r for r in t.rows if r["nomination_id"] == nid)
        shown = (row["re_review"] or {}).get("open"), (row["re_review"] or {}).get("cleared"), row["prelim"]["divergent"]
        recorded = [e for e in await events_on(REVIEW, nid)
                    if e.type == "ExpertScoreRecorded" and e.expert_id == expert]
        on_log = [(str(e.total), e.reason, e.revises) for e in recorded]
        facts.update(view=list(shown), on_log=[(total, reason) for total, reason, _ in on_log])
        want = [(facts["outlier_total"], "", None), (facts["revised_total"], REVISION_REASON,
                                                     recorded[0].event_id if recorded else None)]
        if shown != (False, True, False) or [(Decimal(a), b, c) for a, b, c in on_log] != [
                (Decimal(a), b, c) for a, b, c in want]:
            self.problem("re-review", f"after the results the view shows {shown}, the log {on_log}")
            return
        facts["ok"] = True


async def events_on(topic: Topic, nomination_id: str) -> list:
    """The events of `topic` naming `nomination_id`, from the beginning to its end now (bytes filtered before
    decoding: the review topic holds every seat and score of the campaign)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        needle, found = nomination_id.encode(), []
        while any([await consumer.position(tp) < ends[tp] for tp in tps]):
            for tp, batch in (await consumer.getmany(timeout_ms=500, max_records=10_000)).items():
                found += [r for r in batch if r.offset < ends[tp] and needle in r.value]
        found.sort(key=lambda r: (r.partition, r.offset))
        return [decode_event(r.value) for r in found]
    finally:
        await consumer.stop()
