"""The public notice (公示) against the real broker and database: it lists the selected nominations (the
latest decision of each) in the declared order for at least seven days; a notice before the decisions,
a second one while the first is open, or anyone but the secretariat is refused with a Chinese message
and nothing on the log."""

from __future__ import annotations

from datetime import datetime, timedelta

from contracts.events import PublicNoticeOpened
from contracts.topics import PUBLISH
from tests.integration.publish_support import publish_2022  # noqa: F401  (fixture)
from tests.support.intake import OffsetWatch, events_of, wait_for
from tests.support.kafka import read_topic
from tests.support.publish import C, NOTICE_TIME, open_notice

CHINESE = "\u4e00"


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


async def test_a_notice_lists_the_latest_selected_decisions_in_the_declared_order(publish_2022):
    client, facts = publish_2022, publish_2022.facts
    # The secretariat opens the notice of 先导技术榜.
    r = await open_notice(client, "leading_tech")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["nominations"] == [str(c.nomination_id) for c in facts.listed]
    # Seven days from now: later than the campaign's planned close (2022-12-27 00:00 Beijing).
    assert datetime.fromisoformat(body["opens_at"]) == NOTICE_TIME
    assert datetime.fromisoformat(body["closes_at"]) == NOTICE_TIME + timedelta(days=7)
    # One PublicNoticeOpened on the publish topic, keyed by the list.
    (opened,) = events_of(await read_topic(PUBLISH.name), PublicNoticeOpened)
    assert (opened.key, str(opened.notice_id), opened.actor.role) == (f"{C}:leading_tech", body["notice_id"],
                                                                      "secretariat")


async def test_the_public_sees_the_open_notice_marked_as_not_a_release(publish_2022):
    client, facts = publish_2022, publish_2022.facts
    notice_id = (await open_notice(client, "leading_tech")).json()["notice_id"]

    async def shown():
        r = await client.get(f"/v1/publish/campaigns/{C}/notices")
        return r.status_code == 200 and r.json()["notices"]

    (notice,) = await wait_for(shown)
    assert notice["notice_id"] == notice_id and notice["status"] == "公示中，非正式发布"
    assert [e["nomination_id"] for e in notice["entries"]] == [str(c.nomination_id) for c in facts.listed]
    assert notice["entries"][-1]["holder_org"] == "丙医药股份有限公司"
    page = await client.get(f"/campaigns/{C}/notices/{notice_id}")
    assert page.status_code == 200 and "公示中，非正式发布" in page.text
    assert "&lt;b&gt;细胞&lt;/b&gt;治疗技术" in page.text and "<b>细胞" not in page.text
    index = await client.get(f"/campaigns/{C}")
    assert "正在公示（非正式发布）" in index.text and f"/campaigns/{C}/notices/{notice_id}" in index.text
    # Nothing was published, so nothing is listed as released.
    assert "暂无正式发布的榜单" in index.text


async def test_a_notice_before_any_decision_is_refused_and_writes_nothing(publish_2022):
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await open_notice(publish_2022, "emerging_enterprise")  # scored, but never decided
        assert r.status_code == 409, r.text
        assert r.json()["code"] == "decisions_missing" and chinese(r.json()["detail"])
        assert await watch.ends() == before


async def test_a_second_notice_while_one_is_open_is_refused(publish_2022):
    assert (await open_notice(publish_2022, "leading_tech")).status_code == 201
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await open_notice(publish_2022, "leading_tech")
        assert r.status_code == 409 and r.json()["code"] == "notice_already_open", r.text
        assert chinese(r.json()["detail"])
        assert await watch.ends() == before


async def test_only_the_secretariat_opens_a_notice(publish_2022):
    client = publish_2022
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await client.post(f"/v1/publish/campaigns/{C}/lists/leading_tech/notice")
        assert r.status_code == 401 and chinese(r.json()["detail"])
        r = await client.post(f"/v1/publish/campaigns/{C}/lists/leading_tech/notice",
                              headers=client.keys.headers("unit", "unit-a"))
        assert r.status_code == 403 and chinese(r.json()["detail"])
        r = await open_notice(client, "best_list")
        assert r.status_code == 422 and r.json()["code"] == "unknown_list"
        assert await watch.ends() == before
