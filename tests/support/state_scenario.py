"""A small kczg-2022 run through all four services in-process (real Kafka and PostgreSQL, one clock the
scenario moves): registry, nominations with every quota outcome, an applicant's stage, screening, a
plan with conflicts, scores, results, final decisions, a refused request to withdraw, a notice with objections,
a correction before the release, the release and a correction after it.
What each service keeps afterwards is in `EXPECTED_ROWS`."""

from __future__ import annotations

from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
import httpx

from eventlog.clock import FixedClock
from services.intake.examples import example_form
from tests.support.events import open_campaign
from tests.support.intake import IN_COLLECTION, Keys, wait_for
from tests.support.publish import AFTER_NOTICE, NOTICE_TIME, facts_caught_up, objection
from tests.support.review import IN_REVIEW, plan_body, roster, views_show

C = "kczg-2022"
BIO = f"/v1/review/campaigns/{C}/targets/leading_tech/biomedicine"
LIFE = "cast_life_science_consortium"  # reviews 先导技术榜 · 生物医药 alone
UNITS = {"unit-a": ("安徽省科学技术协会", ["provincial_cast"]), "unit-b": ("北京市科学技术协会", ["national_society"])}
SCORES = ("innovation", "advancement", "industrial_value", "social_benefit")
VOTE = {"eligible": 15, "present": 12, "recused": 1, "yes": 10, "no": 1, "abstain": 1}

# Rows each table holds once the run is over (the test asserts both sides hold exactly these).
EXPECTED_ROWS = {
    # a1..a4, b1, b2 direct; e1 through the applicant's stage
    "intake.nomination_status": 7, "intake.applications": 2, "intake.units": 2,
    "intake.published_lists": 1, "intake.listings": 1, "intake.notices": 1,
    # later states: the two nominations of the reviewed target (experts, results, decisions; a1 released)
    "intake.review_states": 2,
    # holders: a1, a3, a4 (moved into 电子信息 when amended), b2 (moved to 先进材料), e1; a2 withdrawn, b1 screened out
    "quota.units": 2, "quota.nominations": 7, "quota.holders": 5, "quota.registry": 2,
    # seats: e00's two automatic conflicts, four assigned, the declared conflict's replacement
    # returns: b2's, answered by unit-b's correction and resubmission
    "review.screenings": 3, "review.returns": 1, "review.targets": 1, "review.seats": 7, "review.shortfalls": 0,
    "review.re_reviews": 0, "review.scores": 4, "review.ranked": 2,
    "review.decisions": 2,
    # a1's request to withdraw, refused
    "review.withdrawals": 1,
    # a1 corrected before the release (carried by version 1: nothing pending) and after it (version 2)
    "publish.notices": 1, "publish.objections": 2, "publish.releases": 2, "publish.pending_corrections": 0,
    # a package, and one request from it introduced and landed
    "publish.matches": 1, "publish.packages": 1,
}


class Run:
    """The four services' clients and what the run made (nomination ids by name)."""

    def __init__(self, keys: Keys, clock: FixedClock, db: str, clients: dict[str, httpx.AsyncClient]) -> None:
        self.keys, self.clock, self.db, self.c = keys, clock, db, clients
        self.ids: dict[str, str] = {}

    def later(self) -> None:
        """A minute on: the review views order one seat's events by their time (see the test's notes)."""
        self.clock.at += timedelta(minutes=1)

    def h(self, role: str, org: str, **kw) -> dict:
        return self.keys.headers(role, org, **kw)

    async def ok(self, service: str, method: str, url: str, status: int = 0, **kw) -> dict:
        r = await self.c[service].request(method, url, **kw)
        assert (r.status_code == status) if status else r.is_success, f"{method} {url}: {r.status_code} {r.text}"
        return r.json()


@asynccontextmanager
async def services_in_process(keys: Keys, clock: FixedClock, db: str):
    from services.intake.app import create_app as intake_app
    from services.publish.api import create_app as publish_app
    from services.quota.api import app as quota
    from services.review.api import create_app as review_app

    apps = {"intake": intake_app(clock=clock, verifier=keys.verifier()), "quota": quota,
            "review": review_app(clock=clock, verifier=keys.verifier()),
            "publish": publish_app(clock=clock, verifier=keys.verifier())}
    async with AsyncExitStack() as stack:
        clients = {}
        for name, app in apps.items():
            await stack.enter_async_context(app.router.lifespan_context(app))
            clients[name] = await stack.enter_async_context(httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=f"http://{name}", timeout=60))
        quota.state.service.clock, quota.state.service.verifier = clock, keys.verifier()
        yield Run(keys, clock, db, clients)


def _nomination(domain: str, title: str) -> dict:
    form = example_form("leading_tech", domain=domain, technology_name=title)
    return {"campaign": C, "list_code": "leading_tech", "domain": domain, "form": form, "opinion": "同意推荐。"}


async def _status(run: Run, name: str, unit: str, wanted: str) -> None:
    async def seen():
        r = await run.c["intake"].get(f"/v1/nominations/{run.ids[name]}", headers=run.h("unit", unit))
        return r.status_code == 200 and r.json()["status"] == wanted
    await wait_for(seen, timeout_s=30)


async def _screening(run: Run, name: str, unit: str, wanted: str) -> None:
    async def seen():
        r = await run.c["intake"].get(f"/v1/nominations/{run.ids[name]}", headers=run.h("unit", unit))
        return r.status_code == 200 and (r.json()["screening"] or {}).get("state") == wanted
    await wait_for(seen, timeout_s=30)


async def collect(run: Run) -> None:
    """Registry, nominations and an applicant's stage, in the collection period."""
    run.clock.at = IN_COLLECTION
    secretariat = run.h("secretariat", "kczg_secretariat")
    for unit, (name, channels) in UNITS.items():
        await run.ok("quota", "POST", f"/v1/campaigns/{C}/units", 201, headers=secretariat,
                     json={"unit_id": unit, "name": name, "channels": channels})
    # unit-b joins a second channel: its quota per domain doubles to six.
    await run.ok("quota", "PUT", f"/v1/campaigns/{C}/units/unit-b/channels", headers=secretariat,
                 json={"channels": ["national_society", "provincial_cast"], "reason": "加入省级科协渠道"})
    await wait_for(lambda: _registered(run), timeout_s=30)
    for name, unit in (("a1", "unit-a"), ("a2", "unit-a"), ("a3", "unit-a"), ("a4", "unit-a"), ("b1", "unit-b"),
                       ("b2", "unit-b")):
        r = await run.ok("intake", "POST", "/v1/nominations", 202, headers=run.h("unit", unit),
                         json=_nomination("biomedicine", f"生物医药技术{name}"))
        run.ids[name] = r["nomination_id"]
        await _status(run, name, unit, "rejected" if name == "a4" else "reserved")  # one channel: three
    unit_a, unit_b = run.h("unit", "unit-a"), run.h("unit", "unit-b")
    await run.ok("intake", "POST", f"/v1/nominations/{run.ids['a2']}/withdraw", headers=unit_a,
                 json={"reason": "材料有误，撤回"})
    await run.ok("intake", "PUT", f"/v1/nominations/{run.ids['a4']}", headers=unit_a,  # rejected: decided afresh
                 json={"domain": "electronic_info", "form": _nomination("electronic_info", "改投电子信息a4")["form"]})
    await run.ok("intake", "PUT", f"/v1/nominations/{run.ids['b2']}", headers=unit_b,  # held: the slot moves
                 json={"domain": "advanced_materials", "form": _nomination("advanced_materials", "改投先进材料b2")["form"]})
    await run.ok("intake", "PUT", f"/v1/nominations/{run.ids['a3']}", headers=unit_a,  # same target: no decision
                 json={"form": _nomination("biomedicine", "生物医药技术a3（修订）")["form"]})
    await _applicants(run)
    for name, unit, wanted in (("a2", "unit-a", "withdrawn"), ("a4", "unit-a", "reserved"),
                               ("e1", "unit-a", "reserved")):
        await _status(run, name, unit, wanted)


async def _registered(run: Run) -> bool:
    r = await run.c["intake"].get(f"/v1/campaigns/{C}")
    return r.json().get("registered_units", 0) >= len(UNITS)


async def _applicants(run: Run) -> None:
    """One application recommended by unit-a (a nomination), another returned for changes."""
    applicant, unit_a = run.h("applicant", "acme-tech"), run.h("unit", "unit-a")
    sent = []
    for headcount in (60, 70):
        form = example_form("emerging_enterprise", headcount=headcount)
        r = await run.ok("intake", "POST", "/v1/applications", 201, headers=applicant,
                         json={"campaign": C, "unit_id": "unit-a", "list_code": "emerging_enterprise", "form": form})
        await run.ok("intake", "POST", f"/v1/applications/{r['application_id']}/send", headers=applicant)
        sent.append(r["application_id"])
    r = await run.ok("intake", "POST", f"/v1/applications/{sent[0]}/recommend", 202, headers=unit_a,
                     json={"opinion": "同意推荐"})
    run.ids["e1"] = r["nomination_id"]
    await run.ok("intake", "POST", f"/v1/applications/{sent[1]}/return", headers=unit_a,
                 json={"comments": "请补充融资情况"})


async def review(run: Run) -> None:
    """Screening (b1 fails, b2 is returned for correction and resubmitted), a plan whose e00 works at unit-a, assignment, a declared conflict, scores,
    results, and the final decisions (a3's revised)."""
    run.clock.at = IN_REVIEW
    await views_show(run.db, "SELECT count(*) FROM review_views.nominations WHERE list_code = 'leading_tech' "
                     "AND domain = 'biomedicine' AND quota_outcome = 'reserved'", 3)
    secretariat = run.h("secretariat", "kczg_secretariat")
    for name in ("a1", "a3", "b1"):
        passed = name != "b1"
        await run.ok("review", "POST", f"/v1/review/nominations/{run.ids[name]}/screening", 201, headers=secretariat,
                     json={"passed": passed, "reasons": [] if passed else ["推荐表缺少盖章页"]})
    await views_show(run.db, "SELECT count(*) FROM review_views.nominations WHERE screening_passed", 2)
    # b2 is returned for correction; unit-b corrects it after the campaign's deadline and resubmits it.
    await run.ok("review", "POST", f"/v1/review/nominations/{run.ids['b2']}/return", 201, headers=secretariat,
                 json={"reasons": ["推荐表缺少盖章页"], "correction_due": "2022-11-20"})
    await _screening(run, "b2", "unit-b", "returned")
    unit_b = run.h("unit", "unit-b")
    await run.ok("intake", "PUT", f"/v1/nominations/{run.ids['b2']}", headers=unit_b,
                 json={"form": _nomination("advanced_materials", "改投先进材料b2（补正）")["form"]})
    await run.ok("intake", "POST", f"/v1/nominations/{run.ids['b2']}/resubmit", headers=unit_b)
    await _screening(run, "b2", "unit-b", "resubmitted")
    # unit-a asks to withdraw a1 during the review; the secretariat refuses (a1 stays in review).
    await run.ok("intake", "POST", f"/v1/nominations/{run.ids['a1']}/withdrawal-request", headers=run.h("unit", "unit-a"),
                 json={"reason": "申请撤回"})
    await views_show(run.db, "SELECT count(*) FROM review_views.nominations WHERE withdrawal_requested_at IS NOT NULL", 1)
    await run.ok("review", "POST", f"/v1/review/nominations/{run.ids['a1']}/withdrawal", 201, headers=secretariat,
                 json={"decision": "refuse", "reason": "已进入评审，不同意撤回。"})
    body = run.h("review_body", LIFE)
    await run.ok("review", "PUT", BIO + "/plan", 201, headers=body,
                 json=plan_body(roster(4, conflicted_with=UNITS["unit-a"][0]), per_item=2))
    assigned = await run.ok("review", "POST", BIO + "/assignments/auto", headers=body, json={})
    assert (assigned["assigned"], assigned["conflicts"]) == (4, 2), assigned
    await views_show(run.db, "SELECT count(*) FROM review_views.panel WHERE active", 4)
    panel = await _panel(run)
    leaving = panel[run.ids["a1"]][0]
    run.later()
    await run.ok("review", "POST", f"{BIO}/nominations/{run.ids['a1']}/conflict", 201,
                 headers=run.h("expert", LIFE, sub=leaving), json={"reason_code": "relative", "reason": "亲属"})
    await views_show(run.db, "SELECT count(*) FROM review_views.panel WHERE conflict_reason_code = 'relative'", 1)
    await views_show(run.db, "SELECT count(*) FROM review_views.panel WHERE active", 4)  # replaced
    run.later()
    for n, (nid, experts) in enumerate((await _panel(run)).items()):
        for i, expert in enumerate(experts):
            await run.ok("review", "PUT", f"{BIO}/nominations/{nid}/scores", headers=run.h("expert", LIFE, sub=expert),
                         json={"scores": {k: str(90 - 5 * n + i) for k in SCORES}})
    run.later()
    await run.ok("review", "POST", BIO + "/results", 201, headers=body, json={})
    for name, note in (("a1", ""), ("a3", ""), ("a3", "复议后维持入选")):
        await run.ok("review", "POST", f"/v1/review/campaigns/{C}/nominations/{run.ids[name]}/decision", 201,
                     headers=secretariat, json={"selected": True, "vote": VOTE, "note": note})


async def _panel(run: Run) -> dict[str, list[str]]:
    items = (await run.ok("review", "GET", BIO, headers=run.h("review_body", LIFE)))["nominations"]["items"]
    return {i["nomination_id"]: i["experts"] for i in items if i["experts"]}


async def publish(run: Run) -> None:
    """The notice of 先导技术榜, an objection against each entry (a3's upheld), and the release."""
    run.clock.at = NOTICE_TIME
    await facts_caught_up()
    secretariat = run.h("secretariat", "kczg_secretariat")
    # Only 生物医药 was reviewed here: the notice proceeds without the two domains with nominations under way.
    omit = [{"domain": d, "reason": "本场景仅评审生物医药领域。"} for d in ("electronic_info", "advanced_materials")]
    notice = await run.ok("publish", "POST", f"/v1/publish/campaigns/{C}/lists/leading_tech/notice", 201,
                          headers=secretariat, json={"omit": omit})
    filed = {}
    for name in ("a1", "a3"):
        r = await run.ok("publish", "POST", f"/v1/publish/campaigns/{C}/notices/{notice['notice_id']}/objections",
                         201, json=objection(run.ids[name]))
        filed[name] = r["objection_id"]
    # corrected during the notice (carried by the release), and after it (version 2)
    await run.ok("publish", "POST", f"/v1/publish/campaigns/{C}/lists/leading_tech/corrections", 201,
                 headers=secretariat, json={"reason": "更正", "changes": [
                     {"nomination_id": run.ids["a1"], "holder_org": "更正后的持有单位", "reason": "来函更正"}]})
    run.clock.at = AFTER_NOTICE
    for name in ("a1", "a3"):
        await run.ok("publish", "POST", f"/v1/publish/campaigns/{C}/objections/{filed[name]}/resolution",
                     headers=secretariat, json={"upheld": name == "a3", "note": "经核实。"})
    released = await run.ok("publish", "POST", f"/v1/publish/campaigns/{C}/lists/leading_tech/release", 201,
                            headers=secretariat)
    assert released["entries"] == 1, released
    run.clock.at = AFTER_NOTICE + timedelta(hours=1)
    corrected = await run.ok("publish", "POST", f"/v1/publish/campaigns/{C}/lists/leading_tech/corrections", 201,
                             headers=secretariat, json={"reason": "更正名称", "changes": [
                                 {"nomination_id": run.ids["a1"], "title": "更正后的名称", "reason": "笔误"}]})
    assert (corrected["version"], corrected["entries"]) == (2, 1), corrected
    # after the release: a package, and a request from it on a1 introduced and landed (资源对接)
    base, park = f"/v1/publish/campaigns/{C}", run.h("requester", "park-a")
    package = await run.ok("publish", "POST", f"{base}/packages", 201, headers=secretariat, json={"audience": "园区"})
    match = await run.ok("publish", "POST", f"{base}/entries/{run.ids['a1']}/match-requests", 201, headers=park, json={
        "organisation": "某园区", "kind": "landing", "need": "落地。", "region": "安徽", "contact": "王 0551",
        "package_id": package["package_id"]})
    steps = ((secretariat, "triage", {"accepted": True}), (run.h("unit", "unit-a"), "consent",
             {"consent": True, "contact": "李 010"}), (park, "outcomes", {"outcome": "landed"}))
    for who, step, body in steps:
        await run.ok("publish", "POST", f"{base}/match-requests/{match['match_id']}/{step}", 200, headers=who, json=body)


@asynccontextmanager
async def driven(keys: Keys, db: str):
    """kczg-2022 opened, the services started and the whole run driven; yields the Run while they keep going."""
    await open_campaign()
    clock = FixedClock(IN_COLLECTION)
    async with services_in_process(keys, clock, db) as run:
        await collect(run)
        await review(run)
        await publish(run)
        yield run
