"""`kczg simulate --scale N`: a 2022-sized campaign (2,281 nominations) times N through the real HTTP APIs.

Registers the units through the quota service's registry API, loads the campaign if it is not open,
then drives the intake as units, review bodies and applicants would (some late — through the
X-Kczg-Clock header the intake accepts in demos —, invalid, over quota and withdrawn), waits for the
quota decisions, and prints what happened next to what the intake's views show. Then, given the review
service's URL, it goes on through the review (kczg/simulate_review.py): screening, plans, assignment,
conflicts, scores and every target's results, checked against its own recomputation. Given the publish
service's URL too, it goes on to the end (kczg/simulate_release.py): final review with votes, each list's
public notice with named objections, the release and one correction, and checks that the release files,
the public page and the views agree (release_consistent).
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import typer
from rich.console import Console
from rich.progress import Progress

from contracts.campaign import CAMPAIGNS_DIR
from contracts.events import Actor
from eventlog.auth import DEV_KEYS_DIR
from kczg.simulate_phases import PhaseClock
from kczg.simulate_plan import Intent, Unit, plan, title_of
from kczg.simulate_report import report
from kczg.simulate_release import ReleaseDriver
from kczg.http_pool import HttpPool
from kczg.retry_policy import RETRY_FOR_S, delay_s, reason, should_retry
from kczg.simulate_release_report import release_report
from kczg.simulate_review import ReviewDriver
from kczg.simulate_review_report import review_report
from kczg.token_cli import ensure_key_pair, mint
from services.intake.examples import example_form

IN_WINDOW, LATE = "2022-10-20T10:00:00+08:00", "2022-11-01T09:00:00+08:00"
console = Console(stderr=True)


class Driver:
    def __init__(self, intake: str, quota: str, campaign: str, private_pem: bytes, tag: str, concurrency: int):
        self.http = HttpPool(concurrency)
        self.intake, self.quota, self.campaign, self.tag = intake, quota, campaign, tag
        self._pem, self._tokens, self.clock_header = private_pem, {}, False
        self.gate = asyncio.Semaphore(concurrency)
        self.outcomes: collections.Counter = collections.Counter()
        self.retries: collections.Counter = collections.Counter()  # attempts sent again, by what caused them
        self.latencies: dict[str, list[float]] = collections.defaultdict(list)  # seconds per attempt, by route
        self.accepted: dict[str, Intent] = {}

    def auth(self, role: str, org: str, late: bool = False) -> dict[str, str]:
        if (role, org) not in self._tokens:
            self._tokens[(role, org)] = mint(self._pem, role=role, org=org, ttl_s=24 * 3600)
        headers = {"Authorization": f"Bearer {self._tokens[(role, org)]}"}
        if self.clock_header:
            headers["X-Kczg-Clock"] = LATE if late else IN_WINDOW
        return headers

    async def call(self, method: str, url: str, **kw) -> httpx.Response:
        """One user action: a write carries one Idempotency-Key, sent again on every retry (retry_policy.py)."""
        if method != "GET":
            kw["headers"] = {**kw.get("headers", {}), "Idempotency-Key": uuid.uuid4().hex}
        loop, deadline = asyncio.get_running_loop(), None
        for attempt in itertools.count():
            response, error = None, None
            async with self.gate:  # the retry window opens at the first attempt sent, not while queued here
                deadline = deadline or loop.time() + RETRY_FOR_S
                sent_at = loop.time()
                try:
                    response = await self.http.request(method, url, **kw)
                except httpx.TransportError as exc:  # no answer: timeout, reset, refused
                    error = exc
                self.latencies[f"{method} {route_of(url)}"].append(loop.time() - sent_at)
            if error is None and not should_retry(response):
                return response
            self.retries[reason(response, error)] += 1
            if loop.time() > deadline:
                if error is not None:
                    raise error
                return response
            await asyncio.sleep(delay_s(attempt, response))
        raise AssertionError("unreachable")

    async def ensure_campaign(self) -> None:
        self.clock_header = (await self.http.get(f"{self.intake}/v1/clock")).json().get("header_override", False)
        if (await self.http.get(f"{self.intake}/v1/campaigns/{self.campaign}")).status_code == 404:
            from kczg.campaign_cli import load_file

            path = str(CAMPAIGNS_DIR / f"{self.campaign}.yaml")
            await load_file(path, Actor(role="secretariat", id="simulator"), datetime.now(UTC))
            console.print(f"loaded campaign {self.campaign} from {path}")
        await self._until(lambda body: True)

    async def move_release(self, day: date) -> None:
        """Plan the campaign's release for `day` (2022's really moved to 2023-02-20), unless it is so already."""
        from contracts.campaign.decisions import release_move
        from kczg.campaign_cli import change_timeline

        events = await change_timeline(self.campaign, lambda c: release_move(c, day), "年度会议发布日期调整",
                                       Actor(role="secretariat", id="simulator"), datetime.now(UTC))
        if events:
            console.print(f"release of {self.campaign} moved to {day}")

    async def _until(self, ok, timeout_s: float = 120) -> dict:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            r = await self.http.get(f"{self.intake}/v1/campaigns/{self.campaign}")
            if r.status_code == 200 and ok(r.json()):
                return r.json()
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"intake never showed the campaign state wanted: {r.text[:300]}")
            await asyncio.sleep(0.2)

    async def register(self, units: list[Unit], progress: Progress) -> None:
        task = progress.add_task("registering units", total=len(units))
        before = (await self._until(lambda body: True))["registered_units"]
        secretariat = self.auth("secretariat", "kczg_secretariat")

        async def one(unit: Unit) -> None:
            r = await self.call("POST", f"{self.quota}/v1/campaigns/{self.campaign}/units", headers=secretariat,
                                json={"unit_id": unit.unit_id, "name": unit.name, "channels": list(unit.channels)})
            if r.status_code not in (200, 201, 409):
                raise RuntimeError(f"registering {unit.unit_id} failed: {r.status_code} {r.text[:300]}")
            progress.advance(task)

        await asyncio.gather(*(one(u) for u in units))
        await self._until(lambda body: body["registered_units"] >= before + len(units))

    def _body(self, intent: Intent) -> dict:
        form = example_form(intent.list_code)
        title = title_of(intent)
        for name in ("technology_name", "enterprise_name", "organisation_name", "nominee_name", "person_name",
                     "project_name"):
            if name in form:
                form[name] = title
        if intent.domain:
            form["domain"] = intent.domain
        if intent.kind == "invalid":
            form.pop(next(k for k in form if k not in ("list_code", "domain")))  # a required field left out
        body = {"campaign": self.campaign, "list_code": intent.list_code, "form": form}
        if intent.domain:
            body["domain"] = intent.domain
        if intent.role == "unit":
            body["opinion"] = "经本单位评审，同意推荐。"
        return body

    async def submit(self, intent: Intent) -> None:
        body, late = self._body(intent), intent.kind == "late"
        if intent.via_application:
            r = await self._via_application(intent, body)
        else:
            r = await self.call("POST", f"{self.intake}/v1/nominations", json=body,
                                headers=self.auth(intent.role, intent.org, late))
        if r.status_code == 202:
            self.outcomes["accepted"] += 1
            self.accepted[r.json()["nomination_id"]] = intent
        else:
            self.outcomes[f"refused:{r.json().get('code', r.status_code)}"] += 1

    async def _via_application(self, intent: Intent, body: dict) -> httpx.Response:
        applicant = self.auth("applicant", f"sim-{self.tag}-a{intent.seq:06d}")
        opinion = body.pop("opinion")
        body["form"].pop("recommending_opinion", None)
        r = await self.call("POST", f"{self.intake}/v1/applications", json={**body, "unit_id": intent.org},
                            headers=applicant)
        if r.status_code != 201:
            return r
        url = f"{self.intake}/v1/applications/{r.json()['application_id']}"
        r = await self.call("POST", f"{url}/send", headers=applicant)
        if r.status_code != 200:
            return r
        return await self.call("POST", f"{url}/recommend", json={"opinion": opinion},
                               headers=self.auth("unit", intent.org))

    async def withdraw(self, nomination_id: str, intent: Intent) -> None:
        r = await self.call("POST", f"{self.intake}/v1/nominations/{nomination_id}/withdraw",
                            json={"reason": "推荐单位复核后撤回"}, headers=self.auth(intent.role, intent.org))
        self.outcomes["withdrawn" if r.status_code == 200 else f"withdraw_refused:{r.json().get('code')}"] += 1

    async def views(self, orgs: dict[str, str], timeout_s: float = 300) -> dict[str, dict]:
        """Every nomination as the intake's views show it, once none awaits a quota decision."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            shown = {}
            for rows in await asyncio.gather(*(self._listing(org, role) for org, role in orgs.items())):
                shown.update(rows)
            pending = [n for n in shown.values() if n["status"] == "submitted"]
            if (not pending and len(shown) >= len(self.accepted)) or asyncio.get_running_loop().time() > deadline:
                return shown
            await asyncio.sleep(1)

    async def _listing(self, org: str, role: str) -> dict[str, dict]:
        rows, page = {}, 1
        while True:
            r = await self.call("GET", f"{self.intake}/v1/nominations", headers=self.auth(role, org),
                                params={"campaign": self.campaign, "page": page, "page_size": 100})
            body = r.json()
            rows.update({n["nomination_id"]: n for n in body["items"]})
            if page * 100 >= body["total"]:
                return rows
            page += 1


async def simulate_async(scale: float, intake: str, quota: str, campaign: str, seed: int, concurrency: int,
                         keys_dir: Path, review: str | None = None, publish: str | None = None,
                         release_on: date | None = None, rebuild: bool = True, cpu_probe=None) -> dict:
    """The intake phase, then (given `review`, the review service's base URL) the review phase, then (given
    `publish` too) the final review, notice and release; `release_on` moves the campaign's release day first,
    `rebuild` compares the served files with `kczg release build`'s."""
    tag = uuid.uuid4().hex[:6]
    units, intents = plan(scale, seed, tag)
    private, _ = ensure_key_pair(keys_dir)
    driver = Driver(intake.rstrip("/"), quota.rstrip("/"), campaign, private.read_bytes(), tag, concurrency)
    started = asyncio.get_running_loop().time()
    phases = PhaseClock(cpu_probe)
    try:
        await driver.ensure_campaign()
        reviewer = None
        if review:  # the review service knows the campaign and has no results yet: else stop before any intake
            reviewer = ReviewDriver(driver, review.rstrip("/"), seed, {u.unit_id: u.name for u in units})
            await reviewer.preflight()
        releaser = None
        if reviewer and publish:  # the notice's close is passed through X-Kczg-Clock: the services must honour it
            if not driver.clock_header:
                raise RuntimeError("the release phase needs the services' KCZG_CLOCK_HEADER=1")
            releaser = ReleaseDriver(reviewer, publish.rstrip("/"), scale, rebuild)
            await releaser.preflight()
            if release_on:
                await driver.move_release(release_on)
        await phases.start()
        with Progress(console=console) as progress:
            async with phases.phase("intake"):
                await driver.register(units, progress)
                task = progress.add_task("submitting", total=len(intents))

                async def one(intent: Intent) -> None:
                    await driver.submit(intent)
                    progress.advance(task)

                await asyncio.gather(*(one(i) for i in intents))
                withdrawals = [(nid, i) for nid, i in driver.accepted.items() if i.kind == "withdrawn"]
                await asyncio.gather(*(driver.withdraw(nid, i) for nid, i in withdrawals))
        orgs = {u.unit_id: "unit" for u in units} | {i.org: "review_body" for i in intents if i.role == "review_body"}
        async with phases.phase("quota"):  # every decision taken and shown
            shown = await driver.views(orgs)
        summary = report(driver, shown, len(intents), asyncio.get_running_loop().time() - started)
        if reviewer:
            holding = [n for n in sorted(driver.accepted, key=lambda n: driver.accepted[n].seq)
                       if shown.get(n, {}).get("status") == "reserved"]
            with Progress(console=console) as progress:
                await reviewer.run(holding, progress, phases)
            summary["review"] = review_report(reviewer)
            summary["review_consistent"] = summary["review"]["review_consistent"]
        if releaser:
            with Progress(console=console) as progress:
                await releaser.run(progress, phases)
            summary["release"] = release_report(releaser)
            summary["release_consistent"] = summary["release"]["release_consistent"]
        if reviewer:
            summary["seconds"] = round(asyncio.get_running_loop().time() - started, 1)
        summary["phases"] = phases.summary()
        summary["retries"] = dict(sorted(driver.retries.items()))
        summary["slowest_routes"] = slowest_routes(driver.latencies)
        return summary
    finally:
        await phases.stop()
        await driver.http.aclose()


_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def route_of(url: str) -> str:
    """A URL's route, ids left out: what the latencies are grouped by."""
    return _ID.sub("{id}", urlsplit(url).path)


def slowest_routes(latencies: dict[str, list[float]], top: int = 6) -> dict[str, dict]:
    """The routes whose slowest attempt took longest: attempts, p50, p99 and max in ms."""
    def row(values: list[float]) -> dict:
        values = sorted(values)
        return {"attempts": len(values), "p50_ms": round(1000 * values[len(values) // 2]),
                "p99_ms": round(1000 * values[min(len(values) - 1, int(len(values) * 0.99))]),
                "max_ms": round(1000 * values[-1])}
    ranked = sorted(latencies.items(), key=lambda kv: -max(kv[1]))[:top]
    return {route: row(values) for route, values in ranked}


def simulate(scale: float = typer.Option(1.0, min=0.001, help="times the 2022 campaign (2,281 nominations)"),
             intake: str = typer.Option("http://127.0.0.1:8000", help="intake base URL"),
             quota: str = typer.Option("http://127.0.0.1:8001", help="quota service base URL"),
             campaign: str = typer.Option("kczg-2022"), seed: int = typer.Option(20221031),
             concurrency: int = typer.Option(32), keys_dir: Path = typer.Option(DEV_KEYS_DIR),
             review: str = typer.Option("http://127.0.0.1:8003",
                                        help="review service base URL; empty: stop after the intake"),
             publish: str = typer.Option("http://127.0.0.1:8002",
                                         help="publish service base URL; empty: stop after the review"),
             release_on: str = typer.Option(None, help="move the campaign's release to this ISO day first "
                                                       "(kczg campaign move-release), e.g. 2023-02-20"),
             rebuild: bool = typer.Option(True, help="compare the served release files with `kczg release build`'s "
                                                     "(reads the log: the services' KAFKA_BOOTSTRAP_SERVERS and "
                                                     "KCZG_TOPIC_PREFIX)")) -> None:
    """Simulate a whole campaign against running services and print what happened."""
    try:
        day = date.fromisoformat(release_on) if release_on else None
    except ValueError:
        raise typer.BadParameter(f"不是 ISO 日期：{release_on}（e.g. 2023-02-20）") from None
    summary = asyncio.run(simulate_async(scale, intake, quota, campaign, seed, concurrency, keys_dir, review or None,
                                         publish or None, day, rebuild))
    typer.echo(json.dumps({"simulate": summary}, ensure_ascii=False, default=str))
    if not summary["consistent"] or False in (summary.get("review_consistent"), summary.get("release_consistent")):
        raise typer.Exit(1)
