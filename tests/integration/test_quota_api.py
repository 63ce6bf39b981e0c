"""The registry and quota-use API of the quota service, over HTTP, against the real broker and database."""

from __future__ import annotations

import asyncio

import httpx

from contracts.events import UnitRegistered, decode_event
from contracts.topics import NOMINATIONS
from tests.integration.quota_support import start_quota, wait_caught_up
from tests.support.events import LogWriter, submitted
from tests.support.intake import Keys
from tests.support.kafka import read_topic
from tests.support.processes import wait_http_ready

CAMPAIGN = "kczg-2022"


async def registrations_on_the_log() -> list[UnitRegistered]:
    return [e for e in map(decode_event, await read_topic(NOMINATIONS.name)) if isinstance(e, UnitRegistered)]


async def test_registry_import_and_quota_use(env, tmp_path):
    keys = Keys(tmp_path)
    quota = start_quota(env, tmp_path / "quota.log", **keys.env())
    base = f"http://127.0.0.1:{quota.extra_env['QUOTA_PORT']}"
    secretariat = keys.headers("secretariat", "kczg_secretariat")
    try:
        await asyncio.to_thread(wait_http_ready, base, quota)
        async with LogWriter() as log:
            await log.open_campaign()
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            # Only the secretariat registers units.
            body = {"unit_id": "u-zj", "name": "浙江省科学技术协会", "channels": ["provincial_cast", "中央企业科协"]}
            r = await http.post(f"/v1/campaigns/{CAMPAIGN}/units", json=body, headers=keys.headers("unit", "u-zj"))
            assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
            r = await http.post(f"/v1/campaigns/{CAMPAIGN}/units", json=body, headers=secretariat)
            assert r.status_code == 201, r.text
            assert r.json()["channels"] == ["provincial_cast", "central_enterprise_cast"]

            # A sheet with one bad row imports nothing and names the line and field.
            bad = "unit_id,name,channels\nu-a,甲学会,national_society\nu-b,乙,火星科协\n"
            r = await http.post(f"/v1/campaigns/{CAMPAIGN}/units/import", headers=secretariat,
                                files={"file": ("units.csv", bad.encode(), "text/csv")})
            assert r.status_code == 422 and r.json()["code"] == "import_refused"
            assert r.json()["errors"] == [{"line": 3, "field": "channels", "message": r.json()["errors"][0]["message"]}]
            assert "火星科协" in r.json()["errors"][0]["message"]
            assert [e.unit_id for e in await registrations_on_the_log()] == ["u-zj"]

            good = "unit_id,name,channels\nu-a,甲学会,national_society\nu-b,乙,national_society;consortium_member\n"
            r = await http.post(f"/v1/campaigns/{CAMPAIGN}/units/import", headers=secretariat,
                                files={"file": ("units.csv", good.encode(), "text/csv")})
            assert r.status_code == 201 and r.json() == {"imported": 2}

            # u-zj nominates twice to 新锐企业榜: 2 channels x 5 = 10 slots, 2 used.
            async with LogWriter() as log:
                held = [submitted("u-zj", "emerging_enterprise", None) for _ in range(2)]
                await log.unit_stream(held)
            await wait_caught_up(env["DATABASE_URL"], "quota", NOMINATIONS.name)
            r = await http.get(f"/v1/campaigns/{CAMPAIGN}/units/u-zj/quota", headers=keys.headers("unit", "u-zj"))
            assert r.status_code == 200, r.text
            pools = {(p["list_code"], p["domain"]): p for p in r.json()["pools"]}
            enterprise = pools[("emerging_enterprise", None)]
            assert (enterprise["limit"], enterprise["used"], enterprise["remaining"]) == (10, 2, 8)
            assert {h["nomination_id"] for h in enterprise["holders"]} == {str(n.nomination_id) for n in held}
            assert pools[("leading_tech", "biomedicine")]["limit"] == 6
            assert "open_source" not in {p["list_code"] for p in r.json()["pools"]}

            # Another unit sees nothing of it; a bad token is a 401.
            r = await http.get(f"/v1/campaigns/{CAMPAIGN}/units/u-zj/quota", headers=keys.headers("unit", "u-a"))
            assert r.status_code == 404
            r = await http.get(f"/v1/campaigns/{CAMPAIGN}/units/u-zj/quota",
                               headers={"Authorization": "Bearer not.a.token"})
            assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")

            # Channel change is an event on the unit stream; an unknown campaign is a 404.
            r = await http.put(f"/v1/campaigns/{CAMPAIGN}/units/u-a/channels", headers=secretariat,
                               json={"channels": ["national_society", "xpcc_cast"], "reason": "新增渠道"})
            assert r.status_code == 200, r.text
            r = await http.post("/v1/campaigns/kczg-1999/units", json=body, headers=secretariat)
            assert r.status_code == 404 and r.json()["code"] == "unknown_campaign"
    finally:
        quota.stop()
    registered = await registrations_on_the_log()
    assert sorted(e.unit_id for e in registered) == ["u-a", "u-b", "u-zj"]
    assert all(e.actor.role == "secretariat" for e in registered)
