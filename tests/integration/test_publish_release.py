"""The release (ListPublished) against the real broker and database: once the notice closed and every
objection was resolved, the notice's nominations minus the upheld ones, in the declared order, with
their holder, unit and trace, dated by the campaign's release day (2023-02-20 once moved); a correction
is a new version with a reason, the earlier one still readable. Refusals leave nothing on the log."""

from __future__ import annotations

from datetime import date, timedelta

from contracts.campaign.book import CampaignBook, evolve
from contracts.campaign.decisions import decide_timeline_change, release_move
from contracts.events import ListPublished, PublicNoticeOpened
from contracts.topics import CAMPAIGNS, PUBLISH
from tests.integration.publish_support import publish_2022  # noqa: F401  (fixture)
from tests.support.events import CAMPAIGN, SECRETARIAT, campaign_opened, publish
from tests.support.intake import OffsetWatch, events_of, wait_for
from tests.support.kafka import read_topic
from tests.support.publish import AFTER_NOTICE, C, NOTICE_TIME, objection, open_notice, release, secretariat


async def move_release_to_20_february(client) -> None:
    """What `kczg campaign move-release kczg-2022 --to 2023-02-20` publishes; then wait until the service knows."""
    book = evolve(CampaignBook(), campaign_opened())
    (moved,) = decide_timeline_change(book, C, release_move(CAMPAIGN, date(2023, 2, 20)), "年度会议延期至2月20日",
                                      actor=SECRETARIAT, at=NOTICE_TIME)
    await publish((CAMPAIGNS, moved))

    async def known():
        campaign = client.app.state.service.campaigns.campaign(C)
        return campaign.timeline.release_planned_from.astimezone(campaign.tz).date() == date(2023, 2, 20)

    await wait_for(known)


async def notice_with_objections(client) -> tuple[str, str, str]:
    """The notice of 先导技术榜, an objection against bio_z and one against elec_b."""
    r = await open_notice(client, "leading_tech")
    assert r.status_code == 201, r.text
    notice_id = r.json()["notice_id"]
    filed = []
    for chain in (client.facts.bio_z, client.facts.elec_b):
        r = await client.post(f"/v1/publish/campaigns/{C}/notices/{notice_id}/objections", json=objection(chain.nomination_id))
        assert r.status_code == 201, r.text
        filed.append(r.json()["objection_id"])
    return notice_id, filed[0], filed[1]


async def resolve(client, objection_id: str, upheld: bool) -> None:
    r = await client.post(f"/v1/publish/campaigns/{C}/objections/{objection_id}/resolution",
                          json={"upheld": upheld, "note": "经核实。"}, headers=secretariat(client.keys))
    assert r.status_code == 200, r.text


async def test_refusals_before_a_release_may_happen_write_nothing(publish_2022):
    client = publish_2022
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await release(client, "leading_tech")
        assert r.status_code == 409 and r.json()["code"] == "no_notice" and "尚未公示" in r.json()["detail"], r.text
        assert await watch.ends() == before
    notice_id, against_bio, against_elec = await notice_with_objections(client)
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await release(client, "leading_tech")
        assert r.status_code == 409 and r.json()["code"] == "notice_not_closed" and "公示期尚未结束" in r.json()["detail"]
        client.clock.at = AFTER_NOTICE
        await resolve(client, against_bio, upheld=True)  # one resolved, one not
        before = await watch.ends()
        r = await release(client, "leading_tech")
        assert r.status_code == 409 and r.json()["code"] == "objections_unresolved", r.text
        assert "尚有 1 条异议未处理" in r.json()["detail"]
        assert await watch.ends() == before
        r = await release(client, "leading_tech", campaign="kczg-2099")
        assert r.status_code == 404 and r.json()["code"] == "unknown_campaign", r.text
        assert await watch.ends() == before


async def test_a_release_lists_the_notice_minus_upheld_objections_dated_by_the_moved_release(publish_2022):
    client, facts = publish_2022, publish_2022.facts
    await move_release_to_20_february(client)
    notice_id, against_bio, against_elec = await notice_with_objections(client)
    client.clock.at = AFTER_NOTICE
    await resolve(client, against_bio, upheld=True)     # bio_z leaves the list
    await resolve(client, against_elec, upheld=False)   # elec_b stays
    r = await release(client, "leading_tech")
    assert r.status_code == 201, r.text
    assert (r.json()["version"], r.json()["released_on"], r.json()["entries"]) == (1, "2023-02-20", 4)
    on_log = events_of(await read_topic(PUBLISH.name))
    (published,) = [e for e in on_log if isinstance(e, ListPublished)]
    (notice,) = [e for e in on_log if isinstance(e, PublicNoticeOpened)]
    listed = [c for c in facts.listed if c is not facts.bio_z]
    assert [e.nomination_id for e in published.entries] == [c.nomination_id for c in listed]
    assert published.released_on == date(2023, 2, 20) and published.key == f"{C}:leading_tech"
    first = published.entries[0]
    assert (first.domain, first.unit_id, first.unit_name) == ("electronic_info", "unit-b", "北京市科学技术协会")
    bio_a = published.entries[-1]
    assert (bio_a.title, bio_a.holder_org) == ("<b>细胞</b>治疗技术", "丙医药股份有限公司")
    # The trace names the events the entry rests on: each of the chain's, and the notice.
    chain = {type(e).__name__: e.event_id for _, e in facts.bio_a.events}
    t = bio_a.trace
    assert (t.nomination_event_id, t.quota_event_id, t.screening_event_id, t.prelim_event_id, t.decision_event_id) == (
        chain["NominationSubmitted"], chain["QuotaReserved"], chain["NominationScreened"], chain["PrelimScored"],
        chain["FinalDecisionRecorded"])
    assert t.notice_event_id == notice.event_id and str(notice.notice_id) == notice_id


async def test_a_correction_is_a_new_version_with_a_reason_and_the_earlier_stays(publish_2022):
    client = publish_2022
    assert (await open_notice(client, "leading_tech")).status_code == 201
    client.clock.at = AFTER_NOTICE
    assert (await release(client, "leading_tech")).status_code == 201
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await release(client, "leading_tech")
        assert r.status_code == 422 and r.json()["code"] == "reason_required" and "更正原因" in r.json()["detail"]
        r = await open_notice(client, "leading_tech")  # after the release no notice opens again
        assert r.status_code == 409 and r.json()["code"] == "list_already_published", r.text
        assert await watch.ends() == before
    client.clock.at = AFTER_NOTICE + timedelta(days=1)
    r = await release(client, "leading_tech", reason="更正一项成果的第一完成单位名称")
    assert r.status_code == 201 and r.json()["version"] == 2, r.text

    async def two_versions():
        r = await client.get(f"/v1/publish/campaigns/{C}/lists/leading_tech/versions")
        return r.status_code == 200 and len(r.json()["versions"]) == 2 and r.json()

    versions = await wait_for(two_versions)
    assert [(v["version"], v["reason"]) for v in versions["versions"]] == [(1, None), (2, "更正一项成果的第一完成单位名称")]
    first = await client.get(f"/v1/publish/campaigns/{C}/lists/leading_tech/versions/1")
    assert first.status_code == 200 and first.json()["version"] == 1
    current = (await client.get(f"/v1/publish/campaigns/{C}/lists")).json()["lists"]
    assert [(lst["list_code"], lst["version"]) for lst in current] == [("leading_tech", 2)]
    page = await client.get(f"/campaigns/{C}/lists/leading_tech/versions/1")
    assert page.status_code == 200 and "这是历史版本（第 1 版），不是当前版本。当前为第 2 版。" in page.text
    index = await client.get(f"/campaigns/{C}")
    assert "更正说明：更正一项成果的第一完成单位名称" in index.text and "历史版本" in index.text
