"""An embargoed release against the real broker and database (issue 19, item 7): the secretariat schedules
先导技术榜's release for the annual meeting (2023-02-20 09:30 Beijing time). Until then the public is
answered as if it were not released (404, the page and every file), while the secretariat previews the
list, its files and its page; at that instant, with no further command, they are public. The clock is the
service's injectable one, moved by the test. A bad schedule is refused and writes nothing. An entry revoked by a
correction under the embargo reads revoked in the ranking view from the meeting on, and to the secretariat before."""

from __future__ import annotations

from datetime import datetime, timedelta

from contracts.events import ListPublished
from contracts.topics import PUBLISH
from services.publish.views import RANKINGS
from tests.integration.publish_support import publish_2022  # noqa: F401  (fixture)
from tests.support.intake import OffsetWatch, events_of, wait_for
from tests.support.kafka import read_topic
from tests.support.projections import caught_up
from tests.support.publish import AFTER_NOTICE, C, open_notice, secretariat

MEETING = datetime.fromisoformat("2023-02-20T09:30:00+08:00")
RELEASE = f"/v1/publish/campaigns/{C}/lists/leading_tech/release"
READS = (f"/v1/publish/campaigns/{C}/lists/leading_tech/versions", f"/v1/publish/campaigns/{C}/lists/leading_tech/versions/1",
         f"/v1/publish/campaigns/{C}/release/release.json", f"/v1/publish/campaigns/{C}/release/manifest.json",
         f"/v1/publish/campaigns/{C}/release/release.csv", f"/campaigns/{C}/lists/leading_tech")


async def statuses(client, headers: dict | None = None) -> list[int]:
    return [(await client.get(path, headers=headers)).status_code for path in READS]


async def listed(client, headers: dict | None = None) -> list[str]:
    r = await client.get(f"/v1/publish/campaigns/{C}/lists", headers=headers)
    assert r.status_code == 200, r.text
    return [lst["list_code"] for lst in r.json()["lists"]]


async def test_a_release_scheduled_for_the_meeting_is_the_secretariats_preview_until_then(publish_2022):
    client, facts = publish_2022, publish_2022.facts
    assert (await open_notice(client, "leading_tech")).status_code == 201
    client.clock.at = AFTER_NOTICE
    # The secretariat schedules the release for the annual meeting.
    r = await client.post(RELEASE, json={"public_at": "2023-02-20T09:30:00+08:00"}, headers=secretariat(client.keys))
    assert r.status_code == 201, r.text
    assert (r.json()["public_at"], r.json()["released_on"]) == (MEETING.isoformat(), "2023-02-20")
    (published,) = events_of(await read_topic(PUBLISH.name), ListPublished)
    assert (published.public_at, published.published_at) == (MEETING, AFTER_NOTICE)
    sec = secretariat(client.keys)

    async def previewed():
        return await listed(client, sec) == ["leading_tech"]

    await wait_for(previewed)
    # Before the meeting: the secretariat previews everything; the public (or a unit) finds nothing released.
    assert await statuses(client, sec) == [200] * len(READS)
    page = await client.get(f"/campaigns/{C}/lists/leading_tech", headers=sec)
    assert facts.listed[0].submitted.title in page.text
    release_json = (await client.get(f"/v1/publish/campaigns/{C}/release/release.json", headers=sec)).json()
    assert [e["nomination_id"] for lst in release_json["lists"] for e in lst["entries"]] == \
           [str(c.nomination_id) for c in facts.listed]
    for who in (None, client.keys.headers("unit", "unit-a")):
        assert await listed(client, who) == []
        assert await statuses(client, who) == [404] * len(READS)
        r = await client.get(f"/v1/publish/campaigns/{C}/release/release.json", headers=who)
        assert (r.json()["code"], r.headers["content-type"]) == ("release_file_not_found", "application/problem+json")
    index = await client.get(f"/campaigns/{C}")
    assert "暂无正式发布的榜单" in index.text and facts.listed[0].submitted.title not in index.text
    # One microsecond before: still nothing. At the instant, with no command: public.
    client.clock.at = MEETING - timedelta(microseconds=1)
    assert await statuses(client) == [404] * len(READS)
    client.clock.at = MEETING
    assert await listed(client) == ["leading_tech"]
    assert await statuses(client) == [200] * len(READS)
    assert (await client.get(f"/v1/publish/campaigns/{C}/release/release.json")).json() == release_json
    index = await client.get(f"/campaigns/{C}")
    assert "暂无正式发布的榜单" not in index.text and facts.listed[0].submitted.title in index.text


async def test_a_schedule_in_the_past_or_without_a_time_zone_is_refused_and_writes_nothing(publish_2022):
    client = publish_2022
    assert (await open_notice(client, "leading_tech")).status_code == 201
    client.clock.at = AFTER_NOTICE
    async with OffsetWatch() as watch:
        before = await watch.ends()
        for public_at, code in (("2023-01-05T10:00:00+08:00", "public_at_past"),
                                ("2023-02-20T09:30:00", "invalid_request")):
            r = await client.post(RELEASE, json={"public_at": public_at}, headers=secretariat(client.keys))
            assert (r.status_code, r.headers["content-type"]) == (422, "application/problem+json"), r.text
            assert r.json()["code"] == code and any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["detail"]), r.text
        assert await watch.ends() == before


async def test_an_entry_revoked_under_the_embargo_reads_revoked_only_from_the_meeting(publish_2022):
    client, facts = publish_2022, publish_2022.facts
    assert (await open_notice(client, "leading_tech")).status_code == 201
    client.clock.at = AFTER_NOTICE
    sec = secretariat(client.keys)
    assert (await client.post(RELEASE, json={"public_at": MEETING.isoformat()}, headers=sec)).status_code == 201
    bio_a = str(facts.bio_a.nomination_id)
    r = await client.post(f"/v1/publish/campaigns/{C}/lists/leading_tech/corrections", headers=sec, json={
        "reason": "撤销一项", "changes": [{"nomination_id": bio_a, "revoke": True, "reason": "经核查不符合条件。"}]})
    assert r.status_code == 201, r.text
    assert (r.json()["version"], datetime.fromisoformat(r.json()["public_at"])) == (2, MEETING)  # the embargo kept
    await caught_up(RANKINGS)
    callers = {"secretariat": sec, "unit": client.keys.headers("unit", "unit-a"),
               "body": client.keys.headers("review_body", "cast_life_science_consortium")}

    async def seen(who: str) -> tuple[str, list[str]]:
        one = await client.get(f"/v1/rankings/nominations/{bio_a}", headers=callers[who])
        found = await client.get("/v1/rankings/nominations", headers=callers[who],
                                 params={"campaign": C, "status": "revoked"})
        assert one.status_code == found.status_code == 200, (one.text, found.text)
        return one.json()["status"], [i["nomination_id"] for i in found.json()["items"]]

    # Before the meeting only the secretariat sees the revocation; the others see the entry as before the release.
    client.clock.at = MEETING - timedelta(minutes=1)
    assert await seen("secretariat") == ("revoked", [bio_a])
    for who in ("unit", "body"):
        assert await seen(who) == ("selected", []), who
        r = await client.get("/v1/rankings/nominations", headers=callers[who],
                             params={"campaign": C, "status": "selected"})
        assert bio_a in [i["nomination_id"] for i in r.json()["items"]], who
    # At the meeting, with no command: revoked for everyone who may read it.
    client.clock.at = MEETING
    for who in ("secretariat", "unit", "body"):
        assert await seen(who) == ("revoked", [bio_a]), who
