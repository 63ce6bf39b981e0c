"""End to end on the real broker and database: a 2022 enterprise goes through notice and release by the
publish service's API, and demo-2023 (previously-listed rule on) then refuses its nomination — the intake
knows the release only from the ListPublished on the log. The facts before the final review (nomination,
quota, screening, prelim, decision) are put straight onto the log: the review service is written meanwhile."""

from __future__ import annotations

from datetime import datetime

from contracts.topics import NOMINATIONS
from eventlog.clock import FixedClock
from services.intake.credit_code import check_char
from services.intake.examples import example_form
from tests.support.events import (
    nomination_chain, open_campaign, publish, register_units, registered, results_submitted,
)
from tests.support.intake import Keys, OffsetWatch, intake_in_process, wait_for
from tests.support.publish import AFTER_NOTICE, NOTICE_TIME, facts_caught_up, open_notice, publish_in_process, release

IN_2023_COLLECTION = datetime.fromisoformat("2023-09-15T10:00:00+08:00")
CODE = (lambda body: body + check_char(body))("91110108MA01ABCD0")
NAME = "北京示例科技有限公司"


async def listings(client) -> int:
    async with client.app.state.service.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM intake.listings WHERE campaign = 'kczg-2022'")


async def test_an_enterprise_released_in_2022_through_the_api_is_refused_in_2023(env, tmp_path):
    keys = Keys(tmp_path)
    await open_campaign("kczg-2022")
    await open_campaign("demo-2023")
    await register_units({"unit-a": ("provincial_cast",)}, campaign="demo-2023")
    chain = nomination_chain("unit-2022", "emerging_enterprise", None, NAME,
                             {"enterprise_name": NAME, "credit_code": CODE})
    await publish((NOMINATIONS, registered("unit-2022", "provincial_cast")), *chain.events,
                  *results_submitted(chain))

    # 2022: the secretariat notices and releases 新锐企业榜 through the publish API.
    async with publish_in_process(keys, FixedClock(NOTICE_TIME)) as pub:
        await facts_caught_up()
        r = await open_notice(pub, "emerging_enterprise")
        assert r.status_code == 201 and r.json()["nominations"] == [str(chain.nomination_id)], r.text
        pub.clock.at = AFTER_NOTICE
        r = await release(pub, "emerging_enterprise")
        assert r.status_code == 201 and r.json()["entries"] == 1, r.text

    # 2023: the intake has read the release from the log, and refuses the same enterprise, renamed or not.
    async with intake_in_process(keys, FixedClock(IN_2023_COLLECTION)) as intake:
        await wait_for(lambda: listings(intake))
        unit_a = keys.headers("unit", "unit-a")
        body = {"campaign": "demo-2023", "list_code": "emerging_enterprise", "opinion": "同意推荐。",
                "form": example_form("emerging_enterprise", enterprise_name="北京示例智能科技有限公司", credit_code=CODE)}
        async with OffsetWatch() as watch:
            before = await watch.ends()
            r = await intake.post("/v1/nominations", json=body, headers=unit_a)
            assert r.status_code == 422 and r.json()["code"] == "previously_listed", r.text
            assert NAME in r.json()["detail"] and "新锐企业榜" in r.json()["detail"]
            assert await watch.ends() == before
