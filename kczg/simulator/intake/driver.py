"""The intake phase's driver: registers the units through the quota service's registry API, loads the campaign
if it is not open, then drives the intake as units, review bodies and applicants would (some late — through the
X-Kczg-Clock header the intake accepts in demos —, invalid, over quota and withdrawn) and reads back what the
intake's views show. Its `call` and `auth` are every later phase's client too."""

from __future__ import annotations

import asyncio
import collections
import itertools
import uuid
from datetime import UTC, date, datetime

import httpx
from rich.console import Console
from rich.progress import Progress

from contracts.campaign import CAMPAIGNS_DIR
from contracts.events import Actor
from kczg.simulator.http_pool import HttpPool
from kczg.simulator.intake.plan import Intent, Unit, title_of
from kczg.simulator.latencies import route_of
from kczg.simulator.mail import applicant_email, unit_email
from kczg.simulator.retry_policy import RETRY_FOR_S, delay_s, reason, should_retry
from kczg.token_cli import mint
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
                                json={"unit_id": unit.unit_id, "name": unit.name, "channels": list(unit.channels),
                                      "contact_email": unit_email(unit.unit_id)})
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
        applicant_id = f"sim-{self.tag}-a{intent.seq:06d}"
        applicant = self.auth("applicant", applicant_id)
        opinion = body.pop("opinion")
        body["form"].pop("recommending_opinion", None)
        r = await self.call("POST", f"{self.intake}/v1/applications", json={**body, "unit_id": intent.org, "contact_email": applicant_email(applicant_id)},
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

