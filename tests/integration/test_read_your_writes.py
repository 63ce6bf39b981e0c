"""Read your writes (eventlog/write/read_your_writes.py) against the real broker and database: a unit the registry
has just accepted nominates at once; a notice opened or a list released is read back at once; an unknown unit
is still refused. No test here waits for a view before reading: the services must."""

from __future__ import annotations

from contextlib import asynccontextmanager

import httpx
import pytest

from eventlog.clock import FixedClock
from tests.integration.publish_support import publish_2022  # noqa: F401  (fixture)
from tests.support.intake import IN_COLLECTION, nomination_body
from tests.support.publish import AFTER_NOTICE, C, open_notice, release

pytestmark = pytest.mark.integration


@asynccontextmanager
async def quota_beside(intake):
    """The quota service in-process beside the intake, trusting the intake's test keys."""
    from services.quota.api import app

    async with app.router.lifespan_context(app):
        # A module-level app: its clock and verifier come from here, and the verifier goes with this test.
        app.state.service.clock, app.state.service.verifier = FixedClock(IN_COLLECTION), intake.keys.verifier()
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://quota",
                                         timeout=30) as quota:
                yield quota
        finally:
            app.state.service.verifier = None


async def test_a_unit_registered_a_moment_ago_nominates_at_once(intake):
    secretariat = intake.keys.headers("secretariat", "kczg_secretariat")
    answers = []
    async with quota_beside(intake) as quota:
        for n in range(20):
            unit = f"unit-new-{n:02d}"
            # The secretariat registers the unit; the registry answers 201 once the event is on the log.
            r = await quota.post(f"/v1/campaigns/{C}/units", headers=secretariat,
                                 json={"unit_id": unit, "name": f"新登记单位{n}", "channels": ["provincial_cast"]})
            assert r.status_code == 201, r.text
            # The unit nominates straight away, before the intake's registry view could have read it.
            r = await intake.post("/v1/nominations", json=nomination_body(), headers=intake.keys.headers("unit", unit))
            answers.append((unit, r.status_code, r.json().get("code")))
    assert answers == [(f"unit-new-{n:02d}", 202, None) for n in range(20)]


async def test_a_unit_never_registered_is_still_refused(intake):
    r = await intake.post("/v1/nominations", json=nomination_body(),
                          headers=intake.keys.headers("unit", "unit-never-registered"))
    assert r.status_code == 403 and r.json()["code"] == "unknown_unit", r.text
    assert "未在本活动登记" in r.json()["detail"]


async def test_an_opened_notice_is_listed_at_once(publish_2022):
    client, facts = publish_2022, publish_2022.facts
    r = await open_notice(client, "leading_tech")
    assert r.status_code == 201, r.text
    notice_id = r.json()["notice_id"]
    # Read straight after the 201: the public list of notices and the notice itself show it.
    r = await client.get(f"/v1/publish/campaigns/{C}/notices")
    assert r.status_code == 200
    assert [(n["notice_id"], [e["nomination_id"] for e in n["entries"]]) for n in r.json()["notices"]] == [
        (notice_id, [str(c.nomination_id) for c in facts.listed])]
    r = await client.get(f"/v1/publish/campaigns/{C}/notices/{notice_id}")
    assert r.status_code == 200 and r.json()["notice_id"] == notice_id


async def test_a_release_and_its_correction_are_readable_at_once(publish_2022):
    client, facts = publish_2022, publish_2022.facts
    assert (await open_notice(client, "leading_tech")).status_code == 201
    client.clock.at = AFTER_NOTICE
    r = await release(client, "leading_tech")
    assert r.status_code == 201 and r.json()["version"] == 1, r.text
    # Read straight after each 201: the current lists, the versions, and the version just released.
    r = await client.get(f"/v1/publish/campaigns/{C}/lists")
    assert [(lst["list_code"], lst["version"]) for lst in r.json()["lists"]] == [("leading_tech", 1)]
    r = await release(client, "leading_tech", reason="更正一项成果的第一完成单位名称")
    assert r.status_code == 201 and r.json()["version"] == 2, r.text
    r = await client.get(f"/v1/publish/campaigns/{C}/lists/leading_tech/versions/2")
    assert r.status_code == 200, r.text
    assert [e["nomination_id"] for e in r.json()["entries"]] == [str(c.nomination_id) for c in facts.listed]
    r = await client.get(f"/v1/publish/campaigns/{C}/lists/leading_tech/versions")
    assert [(v["version"], v["reason"]) for v in r.json()["versions"]] == [(1, None), (2, "更正一项成果的第一完成单位名称")]
