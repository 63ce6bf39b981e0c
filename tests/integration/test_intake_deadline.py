"""The submission deadline: end of 2022-10-31 Beijing time, extensions from the campaign's events."""

from __future__ import annotations

from datetime import datetime

from contracts.campaign import load_builtin_campaign
from contracts.campaign.decisions import decide_open, decide_timeline_change
from contracts.campaign.book import CampaignBook, fold
from contracts.topics import CAMPAIGNS, NOMINATIONS
from tests.support.intake import end_offsets, nomination_body, wait_for
from tests.support.events import SECRETARIAT, publish
from tests.support.kafka import read_topic

LAST_SECOND = datetime.fromisoformat("2022-10-31T23:59:59+08:00")
MIDNIGHT = datetime.fromisoformat("2022-11-01T00:00:00+08:00")


async def test_last_second_accepted_midnight_refused_naming_the_deadline(intake):
    unit_a = intake.keys.headers("unit", "unit-a")
    # 23:59:59 Beijing time on Oct 31: still open.
    intake.clock.at = LAST_SECOND
    r = await intake.post("/v1/nominations", json=nomination_body(), headers=unit_a)
    assert r.status_code == 202, r.text
    nid = r.json()["nomination_id"]
    # The same instant written in UTC is the same instant.
    intake.clock.at = datetime.fromisoformat("2022-10-31T15:59:59+00:00")
    assert (await intake.post("/v1/nominations", json=nomination_body(), headers=unit_a)).status_code == 202
    before = len(await read_topic(NOMINATIONS.name))
    # 00:00:00 Nov 1 (+08:00), i.e. 16:00 UTC: submissions, amendments and withdrawals are refused.
    for at in (MIDNIGHT, datetime.fromisoformat("2022-10-31T16:00:00+00:00")):
        intake.clock.at = at
        refused = [
            await intake.post("/v1/nominations", json=nomination_body(), headers=unit_a),
            await intake.put(f"/v1/nominations/{nid}", json={"form": nomination_body(maturity_stage="pilot")["form"]},
                             headers=unit_a),
            await intake.post(f"/v1/nominations/{nid}/withdraw", json={"reason": "撤回"}, headers=unit_a),
        ]
        for r in refused:
            assert r.status_code == 422, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == "submission_closed"
            assert "2022年10月31日24:00（北京时间）" in r.json()["detail"]
    assert len(await read_topic(NOMINATIONS.name)) == before


async def test_an_extension_event_reopens_submissions_until_the_new_deadline(intake):
    unit_a = intake.keys.headers("unit", "unit-a")
    intake.clock.at = datetime.fromisoformat("2022-11-03T09:00:00+08:00")
    r = await intake.post("/v1/nominations", json=nomination_body(), headers=unit_a)
    assert r.json()["code"] == "submission_closed"
    # The secretariat extends the deadline to the end of Nov 7: an event on the campaigns topic.
    book = fold([])
    book = fold(decide_open(book, load_builtin_campaign("kczg-2022"), actor=SECRETARIAT,
                            at=datetime.fromisoformat("2022-09-01T00:00:00+08:00")))
    change = decide_timeline_change(book, "kczg-2022",
                                    {"submission_closes_at": datetime.fromisoformat("2022-11-08T00:00:00+08:00")},
                                    "系统故障顺延", actor=SECRETARIAT, at=intake.clock.at)
    await publish(*((CAMPAIGNS, e) for e in change))

    async def extended():
        r = await intake.get("/v1/campaigns/kczg-2022")
        return r.json()["deadline"] == "2022年11月7日24:00（北京时间）"

    await wait_for(extended)
    assert (await intake.post("/v1/nominations", json=nomination_body(), headers=unit_a)).status_code == 202
    intake.clock.at = datetime.fromisoformat("2022-11-08T00:00:00+08:00")
    r = await intake.post("/v1/nominations", json=nomination_body(), headers=unit_a)
    assert r.status_code == 422 and "2022年11月7日24:00（北京时间）" in r.json()["detail"]


async def test_a_campaign_never_opened_is_refused_as_unknown(intake):
    body = {**nomination_body(), "campaign": "kczg-2031"}
    before = await end_offsets()
    r = await intake.post("/v1/nominations", json=body, headers=intake.keys.headers("unit", "unit-a"))
    # Not found (404), not a malformed body (422): the campaign code is well-formed, no campaign has it.
    assert r.status_code == 404 and r.json()["code"] == "unknown_campaign", r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert await end_offsets() == before  # refused: nothing on any topic
