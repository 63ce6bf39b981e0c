"""The release (ListPublished) against the real broker and database: once the notice closed and every
objection was resolved, the notice's nominations minus the upheld ones, in the declared order, with
their holder, unit and trace, dated by the campaign's release day (2023-02-20 once moved); a correction
after the release is a new version that changes exactly what it says (one title, one entry revoked), the
earlier one unchanged; one before the release is carried by it. Refusals leave nothing on the log."""

from __future__ import annotations

import re
from datetime import date, timedelta

from contracts.campaign.book import CampaignBook, evolve
from contracts.campaign.decisions import decide_timeline_change, release_move
from contracts.events import EntriesCorrected, EntryCorrection, FactChange, ListPublished, PublicNoticeOpened
from contracts.topics import CAMPAIGNS, PUBLISH
from services.publish.views import RANKINGS
from tests.integration.publish_support import publish_2022  # noqa: F401  (fixture)
from tests.support.events import CAMPAIGN, SECRETARIAT, campaign_opened, publish
from tests.support.intake import OffsetWatch, events_of, wait_for
from tests.support.kafka import read_topic
from tests.support.projections import caught_up
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


def correction(client, body: dict):
    return client.post(f"/v1/publish/campaigns/{C}/lists/leading_tech/corrections", json=body,
                       headers=secretariat(client.keys))


def tables(html: str) -> list[str]:
    return re.findall(r"<table>.*?</table>", html, flags=re.S)


async def test_a_correction_after_the_release_changes_one_entry_revokes_another_and_leaves_version_1(publish_2022):
    client, facts = publish_2022, publish_2022.facts
    assert (await open_notice(client, "leading_tech")).status_code == 201
    client.clock.at = AFTER_NOTICE
    assert (await release(client, "leading_tech")).status_code == 201
    (v1,) = events_of(await read_topic(PUBLISH.name), ListPublished)
    sec = secretariat(client.keys)
    # version 1 as everyone reads it before the correction: the document, the page's tables, the release file
    v1_document = (await client.get(f"/v1/publish/campaigns/{C}/lists/leading_tech/versions/1")).json()
    v1_page = (await client.get(f"/campaigns/{C}/lists/leading_tech/versions/1")).text
    v1_release = (await client.get(f"/v1/publish/campaigns/{C}/release/release.json")).json()
    assert v1_release["lists"] == [v1_document] and v1_document["corrections"] == []
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await release(client, "leading_tech")
        assert r.status_code == 422 and r.json()["code"] == "reason_required" and "更正原因" in r.json()["detail"]
        r = await open_notice(client, "leading_tech")  # after the release no notice opens again
        assert r.status_code == 409 and r.json()["code"] == "list_already_published", r.text
        r = await correction(client, {"reason": "更正", "changes": [
            {"nomination_id": str(facts.not_selected.nomination_id), "revoke": True, "reason": "撤销"}]})
        assert r.status_code == 422 and r.json()["code"] == "entry_not_listed" and "第 1 版" in r.json()["detail"]
        assert await watch.ends() == before
    client.clock.at = AFTER_NOTICE + timedelta(days=1)
    elec_b, bio_a = str(facts.elec_b.nomination_id), str(facts.bio_a.nomination_id)
    r = await correction(client, {"reason": "更正一项成果名称，撤销一项成果", "changes": [
        {"nomination_id": elec_b, "title": "存算一体智能芯片", "reason": "推荐单位来函更正名称笔误。"},
        {"nomination_id": bio_a, "revoke": True, "reason": "经核查，该成果存在知识产权纠纷。"}]})
    assert r.status_code == 201, r.text
    assert (r.json()["kind"], r.json()["version"], r.json()["entries"]) == ("version", 2, len(v1.entries) - 1)
    # on the log: version 2 is version 1 with exactly that title changed and that entry gone
    v1_again, v2 = events_of(await read_topic(PUBLISH.name), ListPublished)
    assert v1_again == v1 and (v2.version, v2.reason) == (2, "更正一项成果名称，撤销一项成果")
    assert v2.corrections == (
        EntryCorrection(nomination_id=facts.elec_b.nomination_id, title="存算一体芯片", reason="推荐单位来函更正名称笔误。",
                        changes=(FactChange(field="title", before="存算一体芯片", after="存算一体智能芯片"),)),
        EntryCorrection(nomination_id=facts.bio_a.nomination_id, title="<b>细胞</b>治疗技术", revoked=True,
                        reason="经核查，该成果存在知识产权纠纷。"))
    assert v2.entries == tuple(e.model_copy(update={"title": "存算一体智能芯片"}) if e.nomination_id == facts.elec_b.nomination_id
                               else e for e in v1.entries if e.nomination_id != facts.bio_a.nomination_id)

    async def two_versions():
        r = await client.get(f"/v1/publish/campaigns/{C}/lists/leading_tech/versions")
        return r.status_code == 200 and len(r.json()["versions"]) == 2 and r.json()

    versions = await wait_for(two_versions)
    assert [(v["version"], v["reason"]) for v in versions["versions"]] == [(1, None), (2, "更正一项成果名称，撤销一项成果")]
    # version 1 unchanged: its document byte for byte, its page's tables; the current is version 2
    assert (await client.get(f"/v1/publish/campaigns/{C}/lists/leading_tech/versions/1")).json() == v1_document
    page = await client.get(f"/campaigns/{C}/lists/leading_tech/versions/1")
    assert page.status_code == 200 and "这是历史版本（第 1 版），不是当前版本。当前为第 2 版。" in page.text
    assert tables(page.text) == tables(v1_page) and "更正公告" not in page.text
    v2_document = (await client.get(f"/v1/publish/campaigns/{C}/lists/leading_tech/versions/2")).json()
    titles = [e["title"] for e in v2_document["entries"]]
    assert "存算一体智能芯片" in titles and "存算一体芯片" not in titles and "<b>细胞</b>治疗技术" not in titles
    assert [c["revoked"] for c in v2_document["corrections"]] == [False, True]
    release_json = (await client.get(f"/v1/publish/campaigns/{C}/release/release.json")).json()
    assert release_json["lists"] == [v2_document]
    # the pages show the correction notice, escaped
    for path in (f"/campaigns/{C}", f"/campaigns/{C}/lists/leading_tech"):
        text = (await client.get(path)).text
        assert "更正说明：更正一项成果名称，撤销一项成果" in text and "更正公告（第 2 版）" in text
        assert "“存算一体芯片”：名称由“存算一体芯片”更正为“存算一体智能芯片”。原因：推荐单位来函更正名称笔误。" in text
        assert "撤销“&lt;b&gt;细胞&lt;/b&gt;治疗技术”。原因：经核查，该成果存在知识产权纠纷。" in text
    # the ranking view: the revoked entry revoked, the corrected one still published
    await caught_up(RANKINGS)
    for chain, status in ((facts.bio_a, "revoked"), (facts.elec_b, "published"), (facts.bio_z, "published")):
        r = await client.get(f"/v1/rankings/nominations/{chain.nomination_id}", headers=sec)
        assert r.status_code == 200 and r.json()["status"] == status, (chain.title, r.text)
    r = await client.get("/v1/rankings/nominations", params={"campaign": C, "status": "revoked"}, headers=sec)
    assert [n["nomination_id"] for n in r.json()["items"]] == [bio_a], r.text


async def test_a_correction_before_the_release_is_carried_by_it(publish_2022):
    client, facts = publish_2022, publish_2022.facts
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await correction(client, {"reason": "更正", "changes": [
            {"nomination_id": str(facts.elec_a.nomination_id), "title": "x", "reason": "笔误"}]})
        assert r.status_code == 409 and r.json()["code"] == "no_notice", r.text
        assert await watch.ends() == before
    notice = await open_notice(client, "leading_tech")
    assert notice.status_code == 201
    elec_a, bio_z = facts.elec_a.nomination_id, facts.bio_z.nomination_id
    r = await correction(client, {"reason": "公示期间更正", "changes": [
        {"nomination_id": str(elec_a), "unit_name": "安徽省科协", "holder_org": "戊量子技术股份有限公司",
         "reason": "单位来函"},
        {"nomination_id": str(bio_z), "revoke": True, "reason": "申报单位主动撤回"}]})
    assert r.status_code == 201 and (r.json()["kind"], r.json()["version"]) == ("before_release", None), r.text
    (corrected,) = events_of(await read_topic(PUBLISH.name), EntriesCorrected)
    # the notice page shows the correction, and its entries as corrected (the revoked one gone, from the form too)
    page = (await client.get(f"/campaigns/{C}/notices/{notice.json()['notice_id']}")).text
    assert "公示期间更正公告（名单已按更正显示）：" in page
    assert "“量子通信网络”：持有单位由“戊量子技术有限公司”更正为“戊量子技术股份有限公司”；推荐单位由“安徽省科学技术协会”更正为“安徽省科协”。原因：单位来函" in page
    assert "撤销“mRNA 疫苗递送平台”。原因：申报单位主动撤回" in page
    rows = re.findall(r"<tr><td class=\"number\">\d+</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", page)
    assert ("量子通信网络", "戊量子技术股份有限公司", "安徽省科协") in rows
    assert "mRNA 疫苗递送平台" not in [title for title, _, _ in rows] and f'value="{bio_z}"' not in page
    client.clock.at = AFTER_NOTICE
    r = await release(client, "leading_tech")
    assert r.status_code == 201 and r.json()["version"] == 1, r.text
    (v1,) = events_of(await read_topic(PUBLISH.name), ListPublished)
    assert v1.corrections == corrected.corrections and v1.reason == ""
    listed = [c.nomination_id for c in facts.listed if c is not facts.bio_z]
    assert [e.nomination_id for e in v1.entries] == listed
    (entry,) = [e for e in v1.entries if e.nomination_id == elec_a]
    assert (entry.unit_name, entry.holder_org, entry.title) == ("安徽省科协", "戊量子技术股份有限公司", "量子通信网络")
    # a release again (version 2, a reason) keeps them: the facts on the log never changed
    client.clock.at = AFTER_NOTICE + timedelta(days=1)
    assert (await release(client, "leading_tech", reason="重新发布")).status_code == 201
    _, v2 = events_of(await read_topic(PUBLISH.name), ListPublished)
    assert (v2.entries, v2.corrections) == (v1.entries, ())
