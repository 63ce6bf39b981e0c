"""The simulator's review phase, through the review service's HTTP API: the secretariat screens (one nomination
returned for correction first, resubmitted and passed), every body files its plans (the joint 绿色低碳 one
confirmed by the other body), assigns (one hand seat the conflict rule bars refused), its experts declare a few
conflicts (one with no replacement, filled by extending the roster) and score (one divergence re-reviewed), and
every target's results go in — one body's past the deadline. The views are eventually consistent: each step
waits until they show the last one done. The corrective steps are scenarios.py's.
"""

from __future__ import annotations

import asyncio
import collections
from dataclasses import dataclass, field
from decimal import Decimal

import httpx

from contracts.campaign import load_builtin_campaign
from contracts.events import target_key
from kczg.simulator.review.check import compare, expected_results, total_of
from kczg.simulator.review.plan import (PER_ITEM, ZSCORE_PLAN, declarations, late_body, roster, screening_failures,
                                       zscore_target)
from kczg.simulator.review import re_review_step, returns, seating_steps
from kczg.simulator.review.scenarios import ReviewScenarios
from kczg.token_cli import mint

IN_REVIEW, LATE_RESULTS = "2022-11-10T10:00:00+08:00", "2022-12-01T09:00:00+08:00"
SECRETARIAT = ("secretariat", "kczg_secretariat")


@dataclass
class TargetRun:
    index: int
    key: str
    url: str
    bodies: list[str]
    plan: dict = field(default_factory=dict)        # the terms filed: the defaults with ours on top
    terms: dict = field(default_factory=dict)       # ours alone, as sent
    stats: collections.Counter = field(default_factory=collections.Counter)
    rows: list[dict] = field(default_factory=list)  # the view's nominations, as last read

    @property
    def filer(self) -> str:
        return self.bodies[0]

    @property
    def assigner(self) -> str:  # a joint target is assigned by the body that confirmed its plan
        return self.bodies[-1]

    def panel(self) -> dict[str, list[str]]:
        return {r["nomination_id"]: r["experts"] for r in self.rows if r["in_review"]}


class ReviewDriver:
    def __init__(self, driver, base: str, seed: int, unit_names: dict[str, str]) -> None:
        self.d, self.base, self.seed, self.unit_names = driver, base, seed, unit_names
        self.campaign, self._tokens = driver.campaign, {}
        bodies: dict[tuple, list[str]] = {}
        for body in load_builtin_campaign(self.campaign).bodies:
            for a in body.lists:
                bodies.setdefault((a.list_code, a.domain), []).append(body.code)
        self.targets = [TargetRun(i, target_key(self.campaign, lst, dom),
                                  f"{base}/v1/review/campaigns/{self.campaign}/targets/{lst}/{dom or '-'}", codes)
                        for i, ((lst, dom), codes) in enumerate(bodies.items())]
        self.late_body = late_body([t.filer for t in self.targets if len(t.bodies) == 1], seed)
        self.zscore_target = zscore_target([t.key for t in self.targets if len(t.bodies) == 1
                                            and t.key.split(":")[1] == "leading_tech"], seed)
        self.posted: dict[tuple[str, str], Decimal] = {}   # (nomination, expert) -> the total we computed
        self.outcomes: collections.Counter = collections.Counter()
        self.problems: list[str] = []
        self.screening: dict = {}
        self.progress: dict = {}
        self.sc = ReviewScenarios(self)   # the corrective steps taken once each (scenarios.py)

    def auth(self, role: str, org: str, sub: str | None = None, clock: str = IN_REVIEW) -> dict[str, str]:
        if (role, org, sub) not in self._tokens:
            self._tokens[(role, org, sub)] = mint(self.d._pem, role=role, org=org, sub=sub, ttl_s=24 * 3600)
        headers = {"Authorization": f"Bearer {self._tokens[(role, org, sub)]}"}
        if self.d.clock_header:
            headers["X-Kczg-Clock"] = clock
        return headers

    async def ok(self, method: str, url: str, what: str, *statuses: int, **kw) -> httpx.Response:
        r = await self.d.call(method, url, **kw)
        if r.status_code not in (statuses or (200, 201)):
            raise RuntimeError(f"{what}: {r.status_code} {r.text[:400]}")
        return r

    async def until(self, read, done, what: str, timeout_s: float = 300, differs=None):
        """`read()` until `done` of it; `differs(value)` says what still differed when it never was."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            value = await read()
            if done(value):
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"the review views never showed {what}"
                                   + (f": {differs(value)}" if differs else ""))
            await asyncio.sleep(0.5)

    async def read_progress(self) -> dict:
        url = f"{self.base}/v1/review/campaigns/{self.campaign}/progress"
        return (await self.ok("GET", url, "campaign progress", headers=self.auth(*SECRETARIAT))).json()

    async def preflight(self) -> None:
        """Before the intake: the review service knows the campaign and no target's results are in yet."""
        async def read():
            r = await self.d.call("GET", f"{self.base}/v1/review/campaigns/{self.campaign}/progress",
                                  headers=self.auth(*SECRETARIAT))
            return r.json() if r.status_code == 200 else None
        progress = await self.until(read, lambda p: p is not None, "the campaign", timeout_s=120)
        done = [t["target_key"] for t in progress["targets"] if t["results_submitted"]]
        if done:
            raise RuntimeError(f"results already submitted for {done}: simulate the review on a fresh stack")

    async def pending(self) -> set[str]:
        ids, page = set(), 1
        while True:
            r = await self.ok("GET", f"{self.base}/v1/review/campaigns/{self.campaign}/screening", "screening queue",
                              headers=self.auth(*SECRETARIAT), params={"status": "pending", "page": page,
                                                                       "page_size": 100})
            body = r.json()
            ids |= {i["nomination_id"] for i in body["items"]}
            if page * 100 >= body["total"]:
                return ids
            page += 1

    async def screen(self, holding_slot: list[str]) -> None:
        """Every nomination of ours holding a slot, in submission order; about 2 % fail with a reason."""
        failures = screening_failures(holding_slot, self.seed)
        back = returns.returned_nomination(self.sc, holding_slot, set(failures))  # returned, corrected, passed
        await self.until(self.pending, lambda ids: set(holding_slot) <= ids, "every slot-holder pending")
        answers: collections.Counter = collections.Counter()

        async def one(nid: str) -> None:
            body = {"passed": nid not in failures, "reasons": failures.get(nid, [])}
            r = await self.d.call("POST", f"{self.base}/v1/review/nominations/{nid}/screening", json=body,
                                  headers=self.auth(*SECRETARIAT))
            answers[("passed" if r.json().get("passed") else "failed") if r.status_code == 201
                    else f"refused:{r.json().get('code', r.status_code)}"] += 1

        async def corrected(nid: str) -> None:
            if await returns.return_and_resubmit(self.sc, nid):
                answers["passed"] += 1
                answers["returned"] += 1

        await asyncio.gather(*(one(n) for n in holding_slot if n != back), *([corrected(back)] if back else []))
        await self.until(self.pending, lambda ids: not ids & set(holding_slot), "every screening")
        self.screening = {"holding_slot": len(holding_slot), "passed": answers["passed"], "failed": answers["failed"],
                          "failed_planned": len(failures), "returned": answers["returned"],
                          **{k: v for k, v in answers.items() if ":" in k}}

    async def rows(self, t: TargetRun, headers: dict | None = None) -> list[dict]:
        """The target's nominations as its body (or, given its headers, another reader) sees them."""
        items, page = [], 1
        while True:
            r = await self.ok("GET", t.url, f"target {t.key}", headers=headers or self.auth("review_body", t.filer),
                              params={"page": page, "page_size": 100})
            body = r.json()["nominations"]
            items += body["items"]
            if page * 100 >= body["total"]:
                if headers is None:
                    t.rows = items
                return items
            page += 1

    async def file_plan(self, t: TargetRun) -> None:
        rows = await self.rows(t)
        names = [self.unit_names[r["unit_id"]] for r in rows if r["in_review"] and r["unit_id"] in self.unit_names]
        experts = roster(self.d.tag, t.index, sum(r["in_review"] for r in rows), names, self.seed)
        body = self.auth("review_body", t.filer)
        defaults = (await self.ok("GET", t.url + "/plan/defaults", "plan defaults", headers=body)).json()
        terms = {"plan": "初评采用专家个人独立评分，每项由7位专家评审，去掉一个最高分和一个最低分后取平均。",
                 "expert_composition": "高校、企业与投资机构专家；推荐单位的专家回避本单位推荐的对象。",
                 "roster": [e.entry() for e in experts], "experts_per_item": PER_ITEM,
                 "criteria": defaults["criteria"]}
        if t.key == self.zscore_target:  # one body files z-score normalisation per expert instead
            terms.update(plan=ZSCORE_PLAN, aggregation="zscore_mean")
        terms.update(re_review_step.plan_terms(self.sc, t))
        t.terms = terms
        r = await self.ok("PUT", t.url + "/plan", f"plan of {t.key}", 201, json=terms, headers=body)
        t.plan = {**defaults, **terms}
        t.stats.update(roster=len(experts), unit_experts=sum(e.affiliation in set(names) for e in experts))
        for other in t.bodies[1:]:
            await self.ok("POST", t.url + "/plan/confirmation", f"confirming {t.key}", 201,
                          json={"plan_event_id": r.json()["plan_event_id"]}, headers=self.auth("review_body", other))
            t.stats["confirmed"] += 1

    async def assign(self, t: TargetRun) -> None:
        r = await self.ok("POST", t.url + "/assignments/auto", f"assigning {t.key}", 200, json={},
                          headers=self.auth("review_body", t.assigner))
        t.stats.update(assigned=r.json()["assigned"], automatic_conflicts=r.json()["conflicts"])

    async def panels_full(self, t: TargetRun, without: set[tuple[str, str]] = frozenset()) -> None:
        await self.until(lambda: self.rows(t), lambda rows: all(
            len(r["experts"]) >= PER_ITEM and not {(r["nomination_id"], e) for e in r["experts"]} & without
            for r in rows if r["in_review"]), f"{t.key} fully assigned")

    async def declare(self, t: TargetRun) -> None:
        """A few seated experts declare a conflict; the service seats another in their place."""
        gone = set()
        for nid, expert, code, reason in declarations(t.panel(), self.seed, t.key):
            r = await self.ok("POST", f"{t.url}/nominations/{nid}/conflict", f"conflict on {nid}", 201,
                              json={"reason_code": code, "reason": reason},
                              headers=self.auth("expert", t.filer, expert))
            t.stats.update(declared_conflicts=1, topped_up=r.json()["replaced_by"])
            gone.add((nid, expert))
        await self.panels_full(t, gone)
        if t.key == self.sc.shortfall_key:
            await seating_steps.shortfall(self.sc, t, {nid for nid, _ in gone})

    async def score(self, t: TargetRun) -> None:
        async def one(nid: str, expert: str) -> None:
            sent = re_review_step.sheet(self.sc, t, nid, expert)
            r = await self.d.call("PUT", f"{t.url}/nominations/{nid}/scores", json={"scores": sent},
                                  headers=self.auth("expert", t.filer, expert))
            if r.status_code != 200:
                self.outcomes[f"score_refused:{r.json().get('code', r.status_code)}"] += 1
                return
            ours = self.posted[(nid, expert)] = total_of(sent, t.plan)
            t.stats["scores"] += 1
            if Decimal(r.json()["total"]) != ours:
                self.problems.append(f"{t.key} {nid} {expert}: total {r.json()['total']}, we computed {ours}")

        re_review_step.pick_divergent(self.sc, t)
        await asyncio.gather(*(one(nid, e) for nid, experts in t.panel().items() for e in experts))
        await re_review_step.re_review(self.sc, t)
        # A score answers on the broker's ack, before the views apply it (README, "Read your writes"): wait
        # until they show every total posted, a re-review's revision included, not only as many scores.
        await self.until(lambda: self.rows(t), lambda rows: all(
            r["scores_received"] >= r["scores_expected"] and self.shows_posted(r) for r in rows if r["in_review"]),
            f"{t.key} scored", differs=lambda rows: [
                (r["nomination_id"], r["scores_received"], r["scores_expected"], r["totals"],
                 {e: str(v) for (n, e), v in self.posted.items() if n == r["nomination_id"]})
                for r in rows if r["in_review"] and not (r["scores_received"] >= r["scores_expected"]
                                                         and self.shows_posted(r))][:3])
        compare(t.key, expected_results(t.plan, t.rows, self.posted, self.problems), t.rows, "live", self.problems)

    def shows_posted(self, row: dict) -> bool:
        """The view's total of each expert of `row` is the last one this run posted for them."""
        nid = row["nomination_id"]
        return all(Decimal(str(total)) == self.posted[(nid, e)]
                   for e, total in row["totals"].items() if (nid, e) in self.posted)

    async def submit(self, t: TargetRun) -> None:
        late = t.filer == self.late_body
        r = await self.ok("POST", t.url + "/results", f"results of {t.key}", 201, json={},
                          headers=self.auth("review_body", t.filer, clock=LATE_RESULTS if late else IN_REVIEW))
        t.stats.update(ranked=r.json()["ranked"], late=int(r.json()["late"]), gaps=len(r.json()["gaps"]))
        if r.json()["late"] != late:
            self.problems.append(f"{t.key}: results late={r.json()['late']}, sent {'after' if late else 'before'} "
                                 "the deadline")

    async def check_submitted(self) -> None:
        """After the results: the views' preliminary aggregates and ranks, the counts the results ranked."""
        self.progress = await self.until(self.read_progress, lambda p: not p["missing"], "every result submitted")
        for t in self.targets:
            await self.until(lambda t=t: self.rows(t), lambda rows: all(r["prelim"] for r in rows if r["in_review"]),
                             f"{t.key} prelim scores")
            expected = expected_results(t.plan, t.rows, self.posted, self.problems)
            compare(t.key, expected, t.rows, "prelim", self.problems)
            if t.stats["ranked"] != len(expected):
                self.problems.append(f"{t.key}: results ranked {t.stats['ranked']}, we expected {len(expected)}")
            t.stats["in_review"] = sum(r["in_review"] for r in t.rows)
            if t.key == self.sc.shortfall_key:
                seating_steps.shortfall_after(self.sc, t.rows, self.posted)
            await re_review_step.re_review_after(self.sc, t)

    async def run(self, holding_slot: list[str], progress, phases) -> None:
        task = progress.add_task("review", total=8)
        async with phases.phase("screening"):
            await self.screen(holding_slot)
        progress.advance(task)
        async with phases.phase("assignment"):
            await asyncio.gather(*(self.file_plan(t) for t in self.targets))
            # plans in force (a joint one confirmed) before anything is assigned
            await self.until(self.read_progress, lambda p: all(r["plan_in_force"] for r in p["targets"]),
                             "every plan in force")
            seating_steps.choose_shortfall(self.sc)
            await asyncio.gather(*(seating_steps.hand_conflict(self.sc, t) for t in self.targets
                                   if t.key == self.sc.re_review_key))  # before any automatic assignment
            for step in (self.assign, self.panels_full, self.declare):
                await asyncio.gather(*(step(t) for t in self.targets))
                if step == self.panels_full:
                    for t in self.targets:
                        seating_steps.hand_conflict_after(self.sc, t)
                progress.advance(task)
        async with phases.phase("scoring"):
            await asyncio.gather(*(self.score(t) for t in self.targets))
        progress.advance(task)
        async with phases.phase("results"):
            await asyncio.gather(*(self.submit(t) for t in self.targets))
            await self.check_submitted()
        progress.advance(task)
