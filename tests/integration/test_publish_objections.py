"""Named objections against the real broker and database: anyone files one to an open notice (JSON or the
page's form), within the limits and the rate limit; the contact reaches the log and the secretariat's list,
never a public answer; after the close, off the notice, too long or too often is refused with a Chinese
message and nothing on the log; the secretariat resolves each objection once."""

from __future__ import annotations

import re
from datetime import timedelta

import asyncpg

from contracts.events import ObjectionFiled, ObjectionResolved
from contracts.topics import PUBLISH
from eventlog import privacy
from eventlog.settings import database_url
from services.publish.domain.objections import OBJECTION_LIMITS
from tests.integration.publish_support import publish_2022  # noqa: F401  (fixture)
from tests.support.intake import OffsetWatch, events_of, wait_for
from tests.support.kafka import read_topic
from tests.support.publish import C, NOTICE_TIME, objection, open_notice, secretariat

CONTACT = "zhangsan@example.edu.cn"


async def opened(client) -> str:
    r = await open_notice(client, "leading_tech")
    assert r.status_code == 201, r.text
    notice_id = r.json()["notice_id"]

    async def visible():  # the public view has read the notice
        return (await client.get(f"/v1/publish/campaigns/{C}/notices/{notice_id}")).status_code == 200

    await wait_for(visible)
    return notice_id


async def revealed(e: ObjectionFiled) -> tuple[str, str]:
    """The objector's name and contact as the keys in PostgreSQL open them (已删除 once erased)."""
    conn = await asyncpg.connect(database_url())
    try:
        keys = await privacy.keys_of(conn, [e.name.pid])
    finally:
        await conn.close()
    return privacy.reveal(e.name, keys), privacy.reveal(e.contact, keys)


def url(notice_id: str) -> str:
    return f"/v1/publish/campaigns/{C}/notices/{notice_id}/objections"


async def test_anyone_files_a_named_objection_and_only_the_secretariat_sees_the_contact(publish_2022):
    client, target = publish_2022, publish_2022.facts.bio_z.nomination_id
    notice_id = await opened(client)
    # No account needed.
    r = await client.post(url(notice_id), json=objection(target))
    assert r.status_code == 201, r.text
    assert "不予公开" in r.json()["message"] and CONTACT not in r.text
    # On the log, with the contact (private), the actor the public form.
    raw = await read_topic(PUBLISH.name)
    (filed,) = events_of(raw, ObjectionFiled)
    # The name and contact sealed with the objector's own key: in clear nowhere on the log; the key opens them.
    assert not any(CONTACT.encode() in r or "张三".encode() in r for r in raw)
    assert filed.name.pid == filed.contact.pid == f"objector:{filed.objection_id}"
    assert (filed.nomination_id, *await revealed(filed), filed.organisation) == (target, "张三", CONTACT, "某某大学")
    assert filed.actor.role == "system" and str(filed.notice_id) == notice_id
    # The secretariat's list shows it all; nothing public does.
    listed = await client.get(f"/v1/publish/campaigns/{C}/objections", headers=secretariat(client.keys))
    assert listed.status_code == 200 and listed.json()["objections"][0]["contact"] == CONTACT
    assert (await client.get(f"/v1/publish/campaigns/{C}/objections")).status_code == 401
    assert (await client.get(f"/v1/publish/campaigns/{C}/objections",
                             headers=client.keys.headers("unit", "unit-z"))).status_code == 403
    for path in (f"/v1/publish/campaigns/{C}/notices", f"/v1/publish/campaigns/{C}/notices/{notice_id}",
                 f"/campaigns/{C}", f"/campaigns/{C}/notices/{notice_id}"):
        shown = await client.get(path)
        assert shown.status_code == 200 and CONTACT not in shown.text and "张三" not in shown.text, path


async def test_refusals_write_nothing(publish_2022):
    client, facts = publish_2022, publish_2022.facts
    notice_id = await opened(client)
    too_long = "长" * (OBJECTION_LIMITS["grounds"] + 1)
    cases = [
        (objection(facts.not_selected.nomination_id), 422, "invalid_objection", "不在本次公示名单中"),
        (objection(facts.bio_z.nomination_id, grounds=too_long), 422, "invalid_objection", "不能超过 4000 字"),
        (objection(facts.bio_z.nomination_id, name="  "), 422, "invalid_objection", "姓名不能为空"),
        (objection(facts.bio_z.nomination_id, organisation="单" * 121), 422, "invalid_objection", "单位不能超过 120 字"),
    ]
    async with OffsetWatch() as watch:
        before = await watch.ends()
        for body, status, code, words in cases:
            r = await client.post(url(notice_id), json=body)
            assert (r.status_code, r.json()["code"]) == (status, code), r.text
            assert words in r.json()["detail"], r.json()["detail"]
        r = await client.post(f"/v1/publish/campaigns/{C}/notices/00000000-0000-0000-0000-000000000001/objections",
                              json=objection(facts.bio_z.nomination_id))
        assert r.status_code == 404 and r.json()["code"] == "notice_not_found"
        assert await watch.ends() == before


async def test_an_objection_after_the_close_is_refused_and_writes_nothing(publish_2022):
    client = publish_2022
    notice_id = await opened(client)
    client.clock.at = NOTICE_TIME + timedelta(days=7)  # the notice's exclusive end
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await client.post(url(notice_id), json=objection(client.facts.bio_z.nomination_id))
        assert r.status_code == 409 and r.json()["code"] == "notice_closed", r.text
        assert "已结束" in r.json()["detail"]
        assert await watch.ends() == before
    # And the public no longer sees the notice.
    assert (await client.get(f"/v1/publish/campaigns/{C}/notices")).json()["notices"] == []


async def test_one_address_files_at_most_five_objections_in_ten_minutes(publish_2022):
    client = publish_2022
    notice_id = await opened(client)
    for _ in range(5):
        assert (await client.post(url(notice_id), json=objection(client.facts.bio_a.nomination_id))).status_code == 201
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await client.post(url(notice_id), json=objection(client.facts.bio_a.nomination_id))
        assert r.status_code == 429 and r.json()["code"] == "too_many_objections", r.text
        assert "10 分钟最多提交 5 条" in r.json()["detail"]
        assert await watch.ends() == before
    # Ten minutes on, the address may object again (the count is in PostgreSQL, not in this process).
    client.clock.at = NOTICE_TIME + timedelta(minutes=10, seconds=1)
    assert (await client.post(url(notice_id), json=objection(client.facts.bio_a.nomination_id))).status_code == 201


async def test_the_page_form_files_an_objection_and_shows_errors_on_the_form(publish_2022):
    client = publish_2022
    notice_id = await opened(client)
    form = {"name": "李四", "org": "某研究所", "contact": "13800000000",
            "nomination_id": str(client.facts.elec_b.nomination_id), "grounds": "第一完成单位有误。"}
    r = await client.post(f"/campaigns/{C}/notices/{notice_id}/objections", data=form)
    assert r.status_code == 201 and r.headers["content-type"].startswith("text/html"), r.text
    assert "异议已收到" in r.text and "13800000000" not in r.text and "李四" not in r.text
    # A form with errors comes back with them, the grounds kept, the contact not written back.
    r = await client.post(f"/campaigns/{C}/notices/{notice_id}/objections",
                          data={**form, "name": "", "contact": "13900000000"})
    assert r.status_code == 422 and "提交未成功" in r.text and "姓名不能为空" in r.text
    assert "第一完成单位有误。" in r.text and "13900000000" not in r.text
    filed = events_of(await read_topic(PUBLISH.name), ObjectionFiled)
    assert [(*await revealed(e), e.organisation) for e in filed] == [("李四", "13800000000", "某研究所")]


async def test_the_secretariat_resolves_each_objection_once(publish_2022):
    client = publish_2022
    notice_id = await opened(client)
    objection_id = (await client.post(url(notice_id), json=objection(client.facts.bio_z.nomination_id))).json()[
        "objection_id"]
    resolve = f"/v1/publish/campaigns/{C}/objections/{objection_id}/resolution"
    async with OffsetWatch() as watch:
        before = await watch.ends()
        assert (await client.post(resolve, json={"upheld": True, "note": "成立"})).status_code == 401
        r = await client.post(resolve, json={"upheld": True, "note": "  "}, headers=secretariat(client.keys))
        assert r.status_code == 422 and r.json()["code"] == "note_required", r.text
        assert await watch.ends() == before
    r = await client.post(resolve, json={"upheld": True, "note": "经核实，异议成立。"}, headers=secretariat(client.keys))
    assert r.status_code == 200 and r.json()["upheld"] is True, r.text
    r = await client.post(resolve, json={"upheld": False, "note": "再议"}, headers=secretariat(client.keys))
    assert r.status_code == 409 and r.json()["code"] == "objection_already_resolved"
    (resolved,) = events_of(await read_topic(PUBLISH.name), ObjectionResolved)
    assert (str(resolved.objection_id), resolved.upheld, str(resolved.notice_id)) == (objection_id, True, notice_id)


async def test_a_keyed_objection_retried_files_once_and_the_form_resubmitted_files_once(publish_2022):
    client = publish_2022
    notice_id = await opened(client)
    body = objection(client.facts.bio_z.nomination_id)
    first = await client.post(url(notice_id), json=body, headers={"Idempotency-Key": "objection-retry-0001"})
    assert first.status_code == 201, first.text
    async with OffsetWatch() as watch:
        before = await watch.ends()
        again = await client.post(url(notice_id), json=body, headers={"Idempotency-Key": "objection-retry-0001"})
        assert (again.status_code, again.json()) == (201, first.json())
        other = await client.post(url(notice_id), json={**body, "grounds": "另一条理由。"},
                                  headers={"Idempotency-Key": "objection-retry-0001"})
        assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused", other.text
        assert await watch.ends() == before
    # The page's form carries a fresh token each time it is drawn; the same form sent twice files once.
    page = (await client.get(f"/campaigns/{C}/notices/{notice_id}")).text
    tokens = re.findall(r'name="submission" value="([0-9a-f]{32})"', page)
    redrawn = re.findall(r'name="submission" value="([0-9a-f]{32})"',
                         (await client.get(f"/campaigns/{C}/notices/{notice_id}")).text)
    assert len(tokens) == 1 and len(redrawn) == 1 and tokens != redrawn
    form = {"name": "李四", "org": "某研究所", "contact": "13800000000", "submission": tokens[0],
            "nomination_id": str(client.facts.elec_b.nomination_id), "grounds": "第一完成单位有误。"}
    for _ in range(2):
        r = await client.post(f"/campaigns/{C}/notices/{notice_id}/objections", data=form)
        assert r.status_code == 201 and "异议已收到" in r.text, r.text
    filed = events_of(await read_topic(PUBLISH.name), ObjectionFiled)
    names = {(await revealed(e))[0]: e for e in filed}
    assert sorted(names) == ["张三", "李四"]
    assert str(names["张三"].objection_id) == first.json()["objection_id"]
