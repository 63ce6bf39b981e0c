"""All four services in-process on the test's database and topics, and one 2022 campaign driven through
their APIs to the point where every kind of caller means something: units with their own nominations,
an applicant's drafts and sent applications, a screened target with a filed plan and assigned experts
(one of them conflicted), a target with submitted results, public notices open and closed, an objection,
a published list. Used by the authorization matrix and the bad-input corpus."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import httpx

from eventlog.clock import FixedClock
from eventlog.settings import database_url
from tests.support.events import nomination_chain, open_campaign, publish, results_submitted
from tests.support.intake import IN_COLLECTION, Keys, application_body, nomination_body, wait_for
from tests.support.publish import facts_caught_up, objection
from tests.support.review import IN_REVIEW, plan_body
from tests.support.unchanged import settled

C = "kczg-2022"
MATERIALS, ECO, CLEAN = "cast_advanced_materials_consortium", "cast_eco_env_consortium", "cast_clean_energy_consortium"
INFO = "cast_info_tech_consortium"
UNITS = {"unit-a": ("provincial_cast",), "unit-b": ("national_society", "provincial_cast"), "unit-c": ("provincial_cast",)}
UNIT_A_NAME = "测试推荐单位unit-a"
T1 = f"/v1/review/campaigns/{C}/targets/leading_tech/advanced_materials"   # one body: MATERIALS
T2 = f"/v1/review/campaigns/{C}/targets/leading_tech/electronic_info"      # one body: INFO; results submitted
GREEN = f"/v1/review/campaigns/{C}/targets/leading_tech/green_low_carbon"  # joint: ECO files, CLEAN confirms
NOTICE_P_AT = datetime.fromisoformat("2022-12-18T10:00:00+08:00")  # closes 12-27 (the campaign's planned close)
NOTICE_O_AT = datetime.fromisoformat("2022-12-26T10:00:00+08:00")  # closes 2023-01-02 (seven days)
PUBLISH_AT = datetime.fromisoformat("2022-12-28T10:00:00+08:00")   # P's notice closed, O's open
# Decided in final review (put on the log): O's notice open, with an objection; P noticed, closed and published;
# N not noticed yet.
LIST_O, LIST_P, LIST_N = "emerging_enterprise", "integrated_innovation_org", "entrepreneurship_pioneer"
SCORES = {"innovation": "90", "advancement": "80", "industrial_value": "85", "social_benefit": "70"}
# T1's experts: e00 works at unit-a, so the conflict rule finds e00's conflict with unit-a's nominations itself.
ROSTER = [{"expert_id": f"e0{i}", "name": f"专家{i}", "affiliation": UNIT_A_NAME if i == 0 else f"某某大学{i}"}
          for i in range(5)]


@dataclass
class Services:
    keys: Keys
    clocks: dict[str, FixedClock]
    clients: dict[str, httpx.AsyncClient]

    def __getattr__(self, name: str) -> httpx.AsyncClient:
        try:
            return self.__dict__["clients"][name]
        except KeyError:
            raise AttributeError(name) from None


@asynccontextmanager
async def all_in_process(keys: Keys):
    """intake, quota, review, publish and notify (following, not sending) with their lifespans, over ASGI; each
    with its own fixed clock."""
    from services.intake.app import create_app as intake_app
    from services.notify.api import create_app as notify_app
    from services.publish.api import create_app as publish_app
    from services.quota.api import app as quota_app
    from services.review.api import create_app as review_app

    clocks = {"intake": FixedClock(IN_COLLECTION), "quota": FixedClock(IN_COLLECTION),
              "review": FixedClock(IN_REVIEW), "publish": FixedClock(NOTICE_P_AT)}
    apps = {"intake": intake_app(clock=clocks["intake"], verifier=keys.verifier()), "quota": quota_app,
            "review": review_app(clock=clocks["review"], verifier=keys.verifier()),
            "publish": publish_app(clock=clocks["publish"], verifier=keys.verifier()),
            "notify": notify_app(verifier=keys.verifier(), send=False)}
    async with AsyncExitStack() as stack:
        clients = {}
        for name, app in apps.items():
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}", timeout=60)
            client.app = app
            clients[name] = await stack.enter_async_context(client)
        # The quota app is a module-level object: its clock and verifier come from here, not the environment,
        # and the verifier is taken away again (it would outlive this test's keys).
        quota_app.state.service.clock, quota_app.state.service.verifier = clocks["quota"], keys.verifier()
        try:
            yield Services(keys, clocks, clients)
        finally:
            quota_app.state.service.verifier = None


@dataclass
class World:
    """The ids the scenario made, by what they are to the callers of the matrix."""

    nomination_a: str = ""        # unit-a's, in T1, screened, experts assigned (e00 conflicted), a PDF attached
    attachment: str = ""          # the SHA-256 of nomination_a's PDF
    nomination_b: str = ""        # unit-b's, in T1, screened, experts assigned
    nomination_c: str = ""        # unit-a's, in T2, scored and in submitted results
    nomination_s: str = ""        # unit-b's, holds a slot, not screened yet
    nomination_w: str = ""        # unit-a's, to withdraw
    nomination_r: str = ""        # unit-a's, returned for correction (退回补正), to resubmit
    nomination_t: str = ""        # unit-b's, holds a slot, not screened yet, to return for correction
    draft: str = ""               # acme's draft to unit-a
    sent: dict[str, str] = field(default_factory=dict)  # acme's applications sent to unit-a: return/decline/recommend
    experts: dict[str, str] = field(default_factory=dict)  # assigned / unassigned / conflicted (on nomination_a)
    free_on_b: str = ""           # a roster expert not seated on nomination_b (to assign by hand)
    seated_on_b: str = ""         # an expert seated on nomination_b (to unassign)
    green_plan: str = ""          # ECO's plan event on the joint target, for CLEAN to confirm
    t1_plan: str = ""             # MATERIALS' plan event on T1, for the secretariat's receipt
    t1_document: str = ""         # the SHA-256 of T1's plan's 方案 document (a PDF MATERIALS uploaded)
    notice_open: str = ""         # the notice of LIST_O, open
    notice_closed: str = ""       # the notice of LIST_P, closed, the list published
    objection: str = ""           # on the open notice, unresolved
    resolved: str = ""            # an objection already resolved (made by the cases that need one)
    chains: dict[str, Any] = field(default_factory=dict)  # list code -> the decided nomination put on the log
    login_token: str = ""         # an assigned expert's token, for the workbench's login exchange
    matching: dict[str, str] = field(default_factory=dict)  # 资源对接 on LIST_P's entry: accepted, new; a package


def headers(s: Services, role: str, org: str, sub: str | None = None) -> dict[str, str]:
    return s.keys.headers(role, org, **({"sub": sub} if sub else {}))


def secretariat(s: Services) -> dict[str, str]:
    return headers(s, "secretariat", "kczg_secretariat")


def ok(response: httpx.Response, *statuses: int) -> dict:
    assert response.status_code in (statuses or (200, 201, 202)), f"{response.request.url}: {response.text}"
    return response.json()


async def fetch(sql: str, *args) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url())
    try:
        return await conn.fetch(sql, *args)
    except asyncpg.UndefinedTableError:
        return []
    finally:
        await conn.close()


async def rows_are(sql: str, wanted, *args, timeout_s: float = 90) -> None:
    async def seen():
        rows = await fetch(sql, *args)
        return rows and rows[0][0] == wanted
    await wait_for(seen, timeout_s=timeout_s, interval_s=0.1)


MATCH_ASK = {"organisation": "某产业园", "kind": "landing", "need": "拟在园区落地。", "region": "安徽省",
             "contact": "招商处 0551-00000000"}


async def _matching(s: Services, w: World) -> dict[str, str]:
    """park-a's request on LIST_P's entry, accepted by the secretariat; another, untriaged; a package sent."""
    park, base, out = headers(s, "requester", "park-a"), f"/v1/publish/campaigns/{C}", {}
    for name in ("accepted", "new"):
        r = await s.publish.post(f"{base}/entries/{w.chains[LIST_P].nomination_id}/match-requests", json=MATCH_ASK,
                                 headers=park)
        out[name] = ok(r)["match_id"]
    ok(await s.publish.post(f"{base}/match-requests/{out['accepted']}/triage", json={"accepted": True},
                            headers=secretariat(s)))
    out["package"] = ok(await s.publish.post(f"{base}/packages", json={"audience": "各试点园区"},
                                             headers=secretariat(s)))["package_id"]
    return out


async def build_world(s: Services) -> World:
    w = World()
    await open_campaign()
    for unit, channels in UNITS.items():  # the secretariat registers the units with the quota service
        body = {"unit_id": unit, "name": f"测试推荐单位{unit}", "channels": list(channels)}
        ok(await s.quota.post(f"/v1/campaigns/{C}/units", json=body, headers=secretariat(s)))
    await rows_are("SELECT count(*) FROM intake.units", len(UNITS))
    await _nominations(s, w)
    await _applications(s, w)
    await _review(s, w)
    await _publish_facts(w)
    await _notices(s, w)
    w.matching = await _matching(s, w)
    await settled()
    return w


async def _nominations(s: Services, w: World) -> None:
    unit = {u: headers(s, "unit", u) for u in UNITS}

    async def nominate(u: str, domain: str, attachments: tuple[str, ...] = ()) -> str:
        body = {**nomination_body(domain=domain, technology_name=f"{u}的{domain}技术"), "attachments": list(attachments)}
        return ok(await s.intake.post("/v1/nominations", json=body, headers=unit[u]))["nomination_id"]

    pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    r = await s.intake.post("/v1/attachments", files={"file": ("检测报告.pdf", pdf, "application/pdf")}, headers=unit["unit-a"])
    w.attachment = ok(r)["sha256"]
    w.nomination_a = await nominate("unit-a", "advanced_materials", (w.attachment,))
    w.nomination_b = await nominate("unit-b", "advanced_materials")
    w.nomination_c = await nominate("unit-a", "electronic_info")
    w.nomination_s = await nominate("unit-b", "biomedicine")
    w.nomination_w = await nominate("unit-a", "biomedicine")
    w.nomination_r = await nominate("unit-a", "equipment_manufacturing")
    w.nomination_t = await nominate("unit-b", "equipment_manufacturing")
    # The quota decider reserves a slot for each; the review's view of them follows.
    await rows_are("SELECT count(*) FROM review_views.nominations WHERE quota_outcome = 'reserved'", 7)


async def _applications(s: Services, w: World) -> None:
    acme = headers(s, "applicant", "acme")

    async def draft() -> str:
        r = await s.intake.post("/v1/applications", json=application_body(unit_id="unit-a"), headers=acme)
        return ok(r)["application_id"]

    w.draft = await draft()
    for answer in ("return", "decline", "recommend"):
        app_id = await draft()
        ok(await s.intake.post(f"/v1/applications/{app_id}/send", headers=acme))
        w.sent[answer] = app_id
    await rows_are("SELECT count(*) FROM intake.applications WHERE ever_sent", 3)


async def _publish_facts(w: World) -> None:
    """Three more lists decided in final review, put on the log as intake, quota and review would have."""
    forms = {LIST_O: {"enterprise_name": "示例科技有限公司"}, LIST_P: {"organisation_name": "示例创新联合体"},
             LIST_N: {"organisation": "示例孵化器"}}
    for list_code, form in forms.items():
        w.chains[list_code] = nomination_chain("unit-b", list_code, None, next(iter(form.values())), form)
    await publish(*(e for chain in w.chains.values() for e in chain.events), *results_submitted(*w.chains.values()))


async def _review(s: Services, w: World) -> None:
    for nid in (w.nomination_a, w.nomination_b, w.nomination_c):
        ok(await s.review.post(f"/v1/review/nominations/{nid}/screening", json={"passed": True}, headers=secretariat(s)))
    await rows_are("SELECT count(*) FROM review_views.nominations WHERE screening_passed", 3)
    ok(await s.review.post(f"/v1/review/nominations/{w.nomination_r}/return", headers=secretariat(s),
                           json={"reasons": ["推荐表缺少推荐单位盖章页。"], "correction_due": "2022-11-30"}))
    await rows_are("SELECT count(*) FROM intake.nomination_status WHERE screening = 'returned'", 1)
    materials, info = headers(s, "review_body", MATERIALS), headers(s, "review_body", INFO)
    # T1: five experts, two per nomination (two may declare a conflict on one and still be replaced).
    w.t1_document = ok(await s.review.post("/v1/review/plan-documents", headers=materials, files={
        "file": ("评审工作方案.pdf", b"%PDF-1.7\n% T1 plan\n%%EOF\n", "application/pdf")}))["sha256"]
    w.t1_plan = ok(await s.review.put(T1 + "/plan", json=plan_body(ROSTER, per_item=2, document=w.t1_document),
                                      headers=materials))["plan_event_id"]
    ok(await s.review.post(T1 + "/assignments/auto", json={}, headers=materials))
    seats = await fetch("SELECT nomination_id::text, expert_id, active, conflict FROM review.seats")
    active = lambda nid: sorted(r["expert_id"] for r in seats if r["nomination_id"] == nid and r["active"])  # noqa: E731
    on_a, on_b = active(w.nomination_a), active(w.nomination_b)
    conflicted = [r["expert_id"] for r in seats if r["nomination_id"] == w.nomination_a and r["conflict"]]
    assert len(on_a) == 2 and conflicted == ["e00"], seats
    w.experts = {"assigned": on_a[0], "conflicted": "e00",
                 "unassigned": next(e["expert_id"] for e in ROSTER[1:] if e["expert_id"] not in on_a)}
    w.seated_on_b = on_b[0]
    w.free_on_b = next(e["expert_id"] for e in ROSTER if e["expert_id"] not in on_b)
    # T2: one expert scores the one nomination; the body submits its results: the final review may decide.
    alone = [{"expert_id": "x01", "name": "专家甲", "affiliation": "某某研究院"}]
    ok(await s.review.put(T2 + "/plan", json=plan_body(alone, per_item=1), headers=info))
    ok(await s.review.post(T2 + "/assignments/auto", json={}, headers=info))
    ok(await s.review.put(f"{T2}/nominations/{w.nomination_c}/scores", json={"scores": SCORES},
                          headers=headers(s, "expert", INFO, sub="x01")))
    ok(await s.review.post(T2 + "/results", json={}, headers=info))
    # The joint target: ECO files, CLEAN is to confirm.
    r = await s.review.put(GREEN + "/plan", json=plan_body(ROSTER, per_item=2), headers=headers(s, "review_body", ECO))
    w.green_plan = ok(r)["plan_event_id"]


async def _notices(s: Services, w: World) -> None:
    """LIST_P: noticed on 12-18, closed on 12-27, published; LIST_O: noticed on 12-26, open, one objection."""
    await facts_caught_up()
    clock = s.clocks["publish"]
    base = f"/v1/publish/campaigns/{C}"
    clock.at = NOTICE_P_AT
    w.notice_closed = ok(await s.publish.post(f"{base}/lists/{LIST_P}/notice", headers=secretariat(s)))["notice_id"]
    clock.at = NOTICE_O_AT
    w.notice_open = ok(await s.publish.post(f"{base}/lists/{LIST_O}/notice", headers=secretariat(s)))["notice_id"]
    clock.at = PUBLISH_AT
    ok(await s.publish.post(f"{base}/lists/{LIST_P}/release", headers=secretariat(s)))
    r = await s.publish.post(f"{base}/notices/{w.notice_open}/objections",
                             json=objection(w.chains[LIST_O].nomination_id))
    w.objection = ok(r)["objection_id"]
