"""The simulator's release phase, through the review and publish services' HTTP APIs: the secretariat's final
review (a seeded committee vote per nomination; one vote short of its quorum refused, then carried; one 先导技术
domain decided last, 先导技术榜's notice refused until then; a few decisions revised), each list's public notice
(a decision after it opens refused), named objections from the public (one upheld, the rest dismissed; one after
the close refused), the release of every list embargoed until the annual meeting, and one correction that
renames one entry and revokes another (the guarded, embargoed and corrective steps: scenarios.py). The services' clock moves through X-Kczg-Clock; kczg/simulator/release/verify.py then reads
what was published. The campaign (its domains' order, the release day) comes from the log.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
from datetime import datetime, timedelta

from kczg.simulator.intake.plan import title_of
from kczg.simulator.release.check import Item, declared_order
from kczg.simulator.release.plan import (FINAL_AT, NOTES, NOTICE_AT, OBJECTED_AT, RESOLVED_AT,
                                        REVISED_AT, REVISION_NOTE, ObjectionPlan, Rule, objections, revisions,
                                        selection, short_vote, vote)
from kczg.simulator.release.scenarios import HELD_AT, correction, embargo, held_target, meeting, refused_until_named
from kczg.simulator.review.driver import SECRETARIAT, ReviewDriver

SITTING = 2000  # decisions a sitting records at most here (the service takes up to 3,000 in one request)


class ReleaseDriver:
    def __init__(self, reviewer: ReviewDriver, base: str, scale: float, rebuild: bool = True) -> None:
        self.rd, self.d, self.base, self.scale, self.rebuild = reviewer, reviewer.d, base, scale, rebuild
        self.campaign, self.seed = reviewer.campaign, reviewer.seed
        self.pub = f"{base}/v1/publish/campaigns/{self.campaign}"
        self.book = None                                  # the campaign as the log has it
        self.items: dict[str, Item] = {}                  # every nomination decided
        self.selected: dict[str, bool] = {}               # its latest decision
        self.sent: dict[str, dict] = {}                   # the body of that decision
        self.targets: dict[str, collections.Counter] = {}
        self.refusals: collections.Counter = collections.Counter()   # the refusals the simulator provokes
        self.unexpected: collections.Counter = collections.Counter()
        self.problems: list[str] = []
        self.notices: dict[str, dict] = {}                # list code -> the notice as opened
        self.objections: list[tuple[ObjectionPlan, str]] = []
        self.versions: dict[str, int] = {}
        self.reasons: dict[str, str] = {}
        self.checks: dict[str, bool] = {}
        self.files: dict[str, int] = {}                   # release file -> bytes served
        self.rule: Rule | None = None
        self.target_of: dict[str, str] = {}
        self.planned: collections.Counter = collections.Counter()   # what the plan says should happen
        self.released_on: str | None = None
        self.published: set[str] = set()                  # the nominations release.json lists
        self.seconds = 0.0
        self.scenario: dict[str, dict] = {}               # the guarded notice and the embargo (scenarios.py)
        self.meeting: datetime | None = None              # every list's release is public from then
        self.scheduled: dict[str, str] = {}               # list code -> public_at as the release answered
        # The correction after the release (scenarios.correction): the entries before it, the new titles, the
        # revoked, and the corrections as the list's version 2 must carry them.
        self.before_correction: dict[str, list[Item]] = {}
        self.retitled: dict[str, str] = {}
        self.revoked: set[str] = set()
        self.corrections: dict[str, list[dict]] = {}

    def sec(self, clock: str) -> dict[str, str]:
        return self.rd.auth(*SECRETARIAT, clock=clock)

    async def post(self, url: str, what: str, clock: str, json: dict, *wanted: int, auth: bool = True):
        """A command (retried by the driver under one key); an unwanted answer is tallied and returned."""
        headers = self.sec(clock) if auth else {"X-Kczg-Clock": clock}
        r = await self.d.call("POST", url, json=json, headers=headers)
        if r.status_code not in wanted:
            self.unexpected[f"{what}:{r.json().get('code', r.status_code)}"] += 1
        return r

    async def preflight(self) -> None:
        """Before the intake: the publish service knows the campaign, and nothing of it is noticed or published."""
        async def read():
            r = await self.d.call("GET", f"{self.pub}/notices", headers=self.sec(NOTICE_AT))
            return r.json() if r.status_code == 200 else None
        notices = await self.rd.until(read, lambda n: n is not None, "the campaign (publish)", timeout_s=120)
        lists = (await self.rd.ok("GET", f"{self.pub}/lists", "published lists")).json()["lists"]
        if notices["notices"] or lists:
            raise RuntimeError("notices or published lists exist already: simulate the release on a fresh stack")

    def item(self, nid: str) -> Item:
        intent = self.d.accepted[nid]
        return Item(nid, intent.list_code, intent.domain, intent.org, self.rd.unit_names.get(intent.org),
                    title_of(intent))

    async def decide(self, nid: str, selected: bool, clock: str, salt: str = "", note: str | None = None) -> None:
        body = {"selected": selected, "vote": vote(nid, selected, self.rule, self.seed, salt),
                "note": note or NOTES[selected]}
        r = await self.post(f"{self.rd.base}/v1/review/campaigns/{self.campaign}/nominations/{nid}/decision",
                            "decision", clock, body, 201)
        if r.status_code == 201:
            revision = r.json()["revision"]
            if revision != (2 if salt else 1):
                self.problems.append(f"decision on {nid}: revision {revision}, expected {2 if salt else 1}")
            self.selected[nid], self.sent[nid] = selected, body
            self.targets[self.target_of[nid]]["revised" if revision > 1 else "decided"] += 1

    async def sit(self, decisions: dict[str, bool], clock: str) -> None:
        """One sitting of the final-review committee: a decision with its vote on each of `decisions`."""
        bodies = {nid: {"nomination_id": nid, "selected": sel, "vote": vote(nid, sel, self.rule, self.seed, ""),
                        "note": NOTES[sel]} for nid, sel in decisions.items()}
        r = await self.post(f"{self.rd.base}/v1/review/campaigns/{self.campaign}/final/sittings", "sitting", clock,
                            {"decisions": list(bodies.values())}, 201)
        if r.status_code != 201:
            return
        for row in r.json()["decisions"]:
            nid = row["nomination_id"]
            if (row["revision"], row["selected"], row["recorded"]) != (1, decisions[nid], True):
                self.problems.append(f"sitting decided {nid}: {row}")
                continue
            self.selected[nid], self.sent[nid] = decisions[nid], {k: v for k, v in bodies[nid].items()
                                                                  if k != "nomination_id"}
            self.targets[self.target_of[nid]]["decided"] += 1

    async def final_review(self) -> None:
        """A decision on every nomination in submitted results; the top of each target selected."""
        url = f"{self.rd.base}/v1/review/campaigns/{self.campaign}/final"
        final = (await self.rd.ok("GET", url, "final review", headers=self.sec(FINAL_AT))).json()
        self.rule = Rule.parse(final["vote_rule"])
        ranked = {t["target_key"]: [n["nomination_id"] for n in sorted(t["nominations"],
                                                                       key=lambda n: n["prelim"]["rank"])]
                  for t in final["targets"]}
        list_of = {t["target_key"]: t["list_code"] for t in final["targets"]}
        self.target_of = {nid: key for key, ids in ranked.items() for nid in ids}
        for t in final["targets"]:
            for n in t["nominations"]:
                self.items[n["nomination_id"]] = item = self.item(n["nomination_id"])
                if (n["title"], n["unit_id"]) != (item.title, item.unit_id):
                    self.problems.append(f"final review shows {n['nomination_id']} as {n['title']} of {n['unit_id']}")
        if sorted(ranked) != sorted(t.key for t in self.rd.targets):
            self.problems.append(f"final review shows targets {sorted(ranked)}")
        chosen = selection({k: len(v) for k, v in ranked.items()}, list_of, self.scale)
        self.targets = {k: collections.Counter(ranked=len(ids), chosen=chosen[k]) for k, ids in ranked.items()}
        plan = {nid: i < chosen[k] for k, ids in ranked.items() for i, nid in enumerate(ids)}
        first = next(ids[0] for ids in ranked.values() if ids)
        short = short_vote(self.rule)
        r = await self.post(f"{self.rd.base}/v1/review/campaigns/{self.campaign}/nominations/{first}/decision",
                            "decision", FINAL_AT, {"selected": True, "vote": short, "note": NOTES[True]}, 422)
        figures = f"应到 {short['eligible']} 人，实到 {short['present']} 人"
        if r.status_code == 422 and r.json().get("code") == "no_quorum" and figures in r.json()["detail"]:
            self.refusals["no_quorum"] += 1
        else:
            self.problems.append(f"a vote short of its quorum: {r.status_code} {r.text[:200]}")
        by_list: dict[str, list[str]] = {}
        for nid in plan:
            by_list.setdefault(list_of[self.target_of[nid]], []).append(nid)
        # A committee decides a list in one sitting (a very large list in a few): one request, one event each.
        # 先导技术榜's held domain sits last: until then its notice is refused, naming that domain.
        held = held_target(ranked, "leading_tech", self.seed)
        later = set(ranked[held]) if held else set()
        first = [[n for n in nids if n not in later] for nids in by_list.values()]
        await asyncio.gather(*(self.sit({nid: plan[nid] for nid in nids[at:at + SITTING]}, FINAL_AT)
                               for nids in first for at in range(0, len(nids), SITTING)))
        if held:
            await refused_until_named(self, "leading_tech", held, later)
            await self.sit({nid: plan[nid] for nid in ranked[held]}, HELD_AT)
        changes = revisions(ranked, chosen, self.seed)
        self.planned.update(revised=len(changes), decided=len(plan))
        for nid, sel in changes:
            await self.decide(nid, sel, REVISED_AT, "revised", REVISION_NOTE)

    def expected(self, list_code: str, leaving: set[str] = frozenset()) -> list[Item]:
        """The list's entries in the declared order, as corrected: a revoked one gone, a renamed one in its place."""
        domains = [d.code for d in self.book.ranking_list(list_code).domains]
        ordered = declared_order(domains, [i for n, i in self.items.items() if i.list_code == list_code
                                           and self.selected.get(n) and n not in leaving and n not in self.revoked])
        return [dataclasses.replace(i, title=self.retitled[i.nomination_id]) if i.nomination_id in self.retitled
                else i for i in ordered]

    async def open_notices(self) -> None:
        for lst in self.book.lists:
            if not any(i.list_code == lst.code for i in self.items.values()):
                continue  # nothing of ours reached its final review
            r = await self.open_notice(lst.code)
            if r.status_code != 201:
                continue
            self.notices[lst.code] = notice = r.json()
            want = [i.nomination_id for i in self.expected(lst.code)]
            if notice["nominations"] != want:
                self.problems.append(f"notice of {lst.code}: {len(notice['nominations'])} nominations, expected "
                                     f"{len(want)} in the declared order")

    async def open_notice(self, code: str):
        """The list's notice, once the publish service has read every decision (until then it is refused
        review_outstanding, naming what it has not yet read)."""
        deadline = asyncio.get_running_loop().time() + 120
        while True:
            r = await self.d.call("POST", f"{self.pub}/lists/{code}/notice", json={}, headers=self.sec(NOTICE_AT))
            waiting = r.status_code == 409 and r.json().get("code") == "review_outstanding"
            if not waiting or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.5)
        if r.status_code != 201:
            self.unexpected[f"notice:{r.json().get('code', r.status_code)}"] += 1
        elif code == self.scenario.get("notice_outstanding", {}).get("list"):
            facts = self.scenario["notice_outstanding"]
            facts.update(opened=True, ok=bool(facts.get("refused")))
        return r

    async def decision_after_notice(self) -> None:
        """The last decision on a noticed nomination again: refused once the review service has read the notice
        (until then it is recorded so already, and changes nothing)."""
        nid = next(n for notice in self.notices.values() for n in notice["nominations"])
        url = f"{self.rd.base}/v1/review/campaigns/{self.campaign}/nominations/{nid}/decision"
        deadline = asyncio.get_running_loop().time() + 120
        while asyncio.get_running_loop().time() < deadline:
            r = await self.d.call("POST", url, json=self.sent[nid], headers=self.sec(NOTICE_AT))
            if r.status_code == 409 and r.json().get("code") == "notice_open":
                self.refusals["notice_open"] += 1
                return
            if r.status_code != 200:
                break
            await asyncio.sleep(0.5)
        self.problems.append(f"a decision after the notice opened: {r.status_code} {r.text[:200]}")

    async def object(self) -> None:
        """Named objections from the public, the secretariat's list (with contacts) and its resolutions."""
        plans = objections({code: n["nominations"] for code, n in self.notices.items()}, self.seed, self.d.tag)
        self.planned["objections"] = len(plans)
        for plan in plans:
            notice = self.notices[plan.list_code]["notice_id"]
            r = await self.post(f"{self.pub}/notices/{notice}/objections", "objection", OBJECTED_AT, plan.body(), 201,
                                auth=False)
            if r.status_code == 201:
                self.objections.append((plan, r.json()["objection_id"]))
        listed = (await self.rd.ok("GET", f"{self.pub}/objections", "objections", headers=self.sec(RESOLVED_AT))).json()
        contacts = {o["objection_id"]: o["contact"] for o in listed["objections"]}
        if {oid: p.contact for p, oid in self.objections} != contacts:
            self.problems.append(f"the secretariat's objection list: {contacts}")
        for plan, oid in self.objections:
            await self.post(f"{self.pub}/objections/{oid}/resolution", "resolution", RESOLVED_AT,
                            {"upheld": plan.upheld, "note": plan.note}, 200)

    def after_close(self, days: int = 0) -> str:
        closes = max(datetime.fromisoformat(n["closes_at"]) for n in self.notices.values())
        return (closes + timedelta(hours=1, days=days)).isoformat()

    async def release(self) -> None:
        """An objection after the close (refused), then every list; one corrected: an entry renamed, one revoked."""
        if self.objections:
            plan, _ = self.objections[-1]
            r = await self.post(f"{self.pub}/notices/{self.notices[plan.list_code]['notice_id']}/objections",
                                "late_objection", self.after_close(), plan.body(), 409, auth=False)
            if r.status_code == 409 and r.json().get("code") == "notice_closed":
                self.refusals["notice_closed"] += 1
        upheld = {p.nomination_id for p, _ in self.objections if p.upheld}
        self.meeting = meeting(self.book)  # scheduled for the annual meeting: public then, not before
        if self.meeting <= datetime.fromisoformat(self.after_close(2)):
            self.problems.append(f"the meeting {self.meeting} is not after the release and its correction")
        for code in self.notices:
            r = await self.post(f"{self.pub}/lists/{code}/release", "release", self.after_close(1),
                                {"public_at": self.meeting.isoformat()}, 201)
            if r.status_code == 201:
                self.versions[code] = r.json()["version"]
                self.scheduled[code] = r.json()["public_at"]
                if r.json()["entries"] != len(self.expected(code, upheld)):
                    self.problems.append(f"release of {code}: {r.json()['entries']} entries, "
                                         f"expected {len(self.expected(code, upheld))}")
        corrected = "leading_tech" if "leading_tech" in self.versions else next(iter(self.versions), None)
        if corrected:
            await correction(self, corrected, upheld)
        await embargo(self)

    def public(self) -> dict[str, str]:
        """The public's reads once the release is public (the services' clock at the meeting)."""
        return {"X-Kczg-Clock": self.meeting.isoformat()} if self.meeting else {}

    async def run(self, progress, phases) -> None:
        from eventlog.consume.campaign_follower import read_campaign_book
        from kczg.simulator.release.verify import verify

        started = asyncio.get_running_loop().time()
        self.book = (await read_campaign_book()).as_of(self.campaign)
        task = progress.add_task("final review, notice, release", total=6)
        steps = (("final_review", self.final_review), ("notice", self.open_notices), ("notice", self.decision_after_notice),
                 ("notice", self.object), ("release", self.release), ("verify", lambda: verify(self)))
        for phase in ("final_review", "notice", "release", "verify"):
            async with phases.phase(phase):
                for step in (step for name, step in steps if name == phase):
                    await step()
                    progress.advance(task)
        self.seconds = round(asyncio.get_running_loop().time() - started, 1)
