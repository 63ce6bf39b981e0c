"""The simulator after the release (资源对接, 定向推介), through the publish service's HTTP API: a day after the
annual meeting, organisations (role requester) file requests on listed entries — a few from one targeted package
the secretariat sends first, one on a revoked entry (refused `entry_not_listed`) — and each goes its seeded way:
declined at triage with a coded reason, or accepted and then declined by its holder, or introduced and followed
by outcomes (洽谈中, then 签约, 落地 or 未成). One outcome before an introduction is refused `not_introduced`. The
check (`matching_consistent`): the public statistics route counts exactly what the simulator did, by kind, status
and outcome, and the package its requests."""

from __future__ import annotations

import asyncio
import collections
import random
from datetime import timedelta

from kczg.simulator.mail import audience_email

KINDS = ("tech_cooperation", "investment", "procurement", "landing", "talent")
REASONS = ("not_a_fit", "too_early", "incomplete")
SECRETARIAT = ("secretariat", "kczg_secretariat")


class MatchingDriver:
    def __init__(self, releaser) -> None:
        self.r, self.d = releaser, releaser.d
        self.pub, self.rng = releaser.pub, random.Random(f"matching:{releaser.seed}")
        self.clock = (releaser.meeting + timedelta(days=1)).isoformat()
        self.expected: dict[str, collections.Counter] = {k: collections.Counter() for k in ("kind", "status", "outcome")}
        self.package_requests = 0
        self.addresses = [audience_email(self.d.tag, n) for n in (1, 2)]  # the package's audience: two parks
        self.package_addresses = 0
        self.refusals: collections.Counter = collections.Counter()
        self.unexpected: collections.Counter = collections.Counter()
        self.problems: list[str] = []
        self.statistics: dict | None = None

    def auth(self, role: str, org: str) -> dict[str, str]:
        return self.r.rd.auth(role, org, clock=self.clock)

    async def post(self, path: str, what: str, body: dict, who: tuple[str, str], *wanted: int):
        r = await self.d.call("POST", f"{self.pub}{path}", json=body, headers=self.auth(*who))
        if r.status_code not in wanted:
            self.unexpected[f"{what}:{r.json().get('code', r.status_code)}"] += 1
        return r

    async def run(self) -> None:
        lists = (await self.r.rd.ok("GET", f"{self.pub}/lists", "lists", headers=self.auth(*SECRETARIAT))).json()["lists"]
        entries = [e for lst in lists for e in lst["entries"]]
        n = min(len(entries), max(12, round(30 * self.r.scale)))
        chosen = self.rng.sample(entries, n)
        # One package: the first list's entries, for an audience of parks.
        r = await self.post("/packages", "package", {"audience": "各试点城市（园区）", "list_code": lists[0]["list_code"],
                                                     "addresses": self.addresses}, SECRETARIAT, 201)
        self.package_addresses = len(self.addresses) if r.status_code == 201 else 0
        package = r.json() if r.status_code == 201 else {"package_id": None, "entries": []}
        in_package = [e for e in chosen if e["nomination_id"] in set(package["entries"])][:3]
        for revoked in sorted(self.r.revoked)[:1]:  # an entry revoked by the correction: no request on it
            r = await self.post(f"/entries/{revoked}/match-requests", "revoked", self.ask(0, None),
                                ("requester", "park-0"), 404)
            if r.status_code == 404 and r.json().get("code") == "entry_not_listed":
                self.refusals["entry_not_listed"] += 1
        # each request's way drawn here, in order: the same seed, the same ways, whatever the interleaving
        plans = [(i, e, package["package_id"] if e in in_package else None, self.rng.random(),
                  self.rng.choice(("signed", "landed", "landed", "failed"))) for i, e in enumerate(chosen)]
        await asyncio.gather(*(self.one(*plan) for plan in plans))
        self.statistics = (await self.r.rd.ok("GET", f"{self.pub}/match-statistics", "statistics",
                                              headers={"X-Kczg-Clock": self.clock})).json()
        self.check(package["package_id"])

    def ask(self, i: int, package_id: str | None) -> dict:
        return {"organisation": f"模拟需求方 {i % 7}", "kind": KINDS[i % len(KINDS)], "need": f"模拟对接需求 {i}。",
                "region": "安徽省", "contact": f"联系人{i} 0551-{10000000 + i}", "package_id": package_id}

    async def one(self, i: int, entry: dict, package_id: str | None, draw: float, last: str) -> None:
        requester = ("requester", f"park-{i % 5}")
        r = await self.post(f"/entries/{entry['nomination_id']}/match-requests", "request", self.ask(i, package_id),
                            requester, 201)
        if r.status_code != 201:
            return
        match, kind = r.json()["match_id"], KINDS[i % len(KINDS)]
        self.expected["kind"][kind] += 1
        self.package_requests += package_id is not None
        path, holder = f"/match-requests/{match}", ("unit", entry["unit_id"])
        if draw < 0.25:  # declined at triage, with a coded reason
            await self.post(f"{path}/triage", "triage", {"accepted": False, "reason": REASONS[i % 3]}, SECRETARIAT, 200)
            self.expected["status"]["declined"] += 1
            if i % 4 == 0:  # an outcome before any introduction is refused
                r = await self.post(f"{path}/outcomes", "early_outcome", {"outcome": "signed"}, requester, 409)
                self.refusals[r.json().get("code", "")] += r.status_code == 409
            return
        await self.post(f"{path}/triage", "triage", {"accepted": True}, SECRETARIAT, 200)
        if draw < 0.35:  # the holder declines
            await self.post(f"{path}/consent", "decline", {"consent": False}, holder, 200)
            self.expected["status"]["holder_declined"] += 1
            return
        await self.post(f"{path}/consent", "consent", {"consent": True, "contact": f"成果转化处 010-{20000000 + i}"},
                        holder, 200)
        if draw < 0.5:
            self.expected["status"]["introduced"] += 1
            return
        outcomes = ["negotiating"] + ([last] if draw >= 0.65 else [])
        for who, outcome in zip((requester, holder), outcomes):
            await self.post(f"{path}/outcomes", "outcome", {"outcome": outcome}, who, 200)
        self.expected["status"][f"outcome_{outcomes[-1]}"] += 1
        self.expected["outcome"][outcomes[-1]] += 1

    def check(self, package_id: str | None) -> None:
        s = self.statistics or {}
        for key, got in (("kind", s.get("by_kind", {})), ("status", s.get("by_status", {})),
                         ("outcome", s.get("by_outcome", {}))):
            if {k: v for k, v in got.items() if v} != dict(self.expected[key]):
                self.problems.append(f"statistics by {key}: {got} != the simulator's {dict(self.expected[key])}")
        counted = next((p["requests"] for p in s.get("packages", []) if p["package_id"] == package_id), None)
        if counted != self.package_requests:
            self.problems.append(f"package requests: {counted} != {self.package_requests}")
        if not self.expected["outcome"].get("landed"):
            self.problems.append("no request reached 落地")

    def report(self) -> dict:
        consistent = not self.problems and not self.unexpected
        return {"requests": sum(self.expected["kind"].values()), "by_status": dict(self.expected["status"]),
                "by_outcome": dict(self.expected["outcome"]), "package_requests": self.package_requests,
                "package_addresses": self.package_addresses,
                "refusals": dict(self.refusals), "unexpected": dict(self.unexpected), "problems": self.problems,
                "matching_consistent": consistent}
