"""One-click unsubscribe (RFC 8058) honoured for optional kinds while duty mail still goes; the inbox of the
signed-in person; the reminder preview and the button that sends exactly what it showed — against the real
broker, database and mail sink."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from services.notify.domain import recipient_of, unsubscribe_token
from services.notify.render import unsubscribe_secret
from tests.support.events import publish
from tests.support.intake import Keys, wait_for
from tests.support.notify import (
    LIFE, address, assigned, mail_to, notices, notices_made, notify_in_process, on_review, on_units, roster_filed,
    submitted, unit_registered,
)

C = "kczg-2022"
BEIJING = timezone(timedelta(hours=8))


async def results_read() -> bool:
    import os

    import asyncpg

    conn = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        return await conn.fetchval("SELECT count(*) FROM notify.results_in") == 1
    finally:
        await conn.close()


async def units_read(count: int) -> bool:
    import os

    import asyncpg

    conn = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        return await conn.fetchval("SELECT count(*) FROM notify.units") >= count
    finally:
        await conn.close()


async def test_an_unsubscribe_stops_the_optional_reminders_while_duty_mail_still_goes(env, tmp_path):
    from tests.support.events import registered
    from contracts.topics import NOMINATIONS

    to = address("unit-u")
    async with notify_in_process(Keys(tmp_path)) as notify:
        await publish((NOMINATIONS, registered("unit-u", "provincial_cast", contact_email=to)))
        await wait_for(lambda: units_read(1))
        notify.clock.at = datetime(2022, 10, 25, 9, 0, tzinfo=BEIJING)
        await notify.remind()
        assert await notify.sender.send_due() == 1
        (reminder,) = mail_to(to)
        assert reminder.message.get("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
        link = reminder.message.get("List-Unsubscribe").strip("<>")
        url = urlsplit(link)
        assert (url.scheme, url.netloc, url.path) == ("http", "localhost:8004", "/v1/notify/unsubscribe")
        # A forged token is refused; duty mail cannot be switched off.
        unit = recipient_of(C, "unit-u")
        r = await notify.post("/v1/notify/unsubscribe", params={"recipient": unit, "kind": "collection_deadline",
                                                                "token": "0" * 32})
        assert (r.status_code, r.json()["code"]) == (403, "invalid_unsubscribe_token")
        token = unsubscribe_token(unsubscribe_secret(), unit, "nomination_received")
        r = await notify.post("/v1/notify/unsubscribe", params={"recipient": unit, "kind": "nomination_received",
                                                                "token": token})
        assert (r.status_code, r.json()["code"]) == (422, "duty_mail")
        # The one click, as a mail client sends it (RFC 8058: POST, the form body).
        r = await notify.post(f"{url.path}?{url.query}", content=b"List-Unsubscribe=One-Click",
                              headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 200 and r.json() == {"recipient": unit, "kind": "collection_deadline",
                                                     "unsubscribed": True}
        # The 1-day reminder is made but not sent; a receipt (duty) still goes, without the header.
        n = submitted("unit-u", "可降解高分子材料")
        await publish(*on_units(n))
        await notices_made(2)
        notify.clock.at = datetime(2022, 10, 31, 9, 0, tzinfo=BEIJING)
        await notify.remind()
        await notify.sender.send_due()
    (_, receipt) = mail_to(to)
    assert receipt.subject == "【科创中国】推荐已收到：可降解高分子材料" and receipt.message.get("List-Unsubscribe") is None
    rows = {(r["kind"], r["round"]): (r["status"], r["result"]) for r in await notices()}
    assert rows[("collection_deadline", 1)] == ("not_due", "unsubscribed")
    assert rows[("collection_deadline", 7)][0] == "sent"


async def test_the_inbox_and_the_reminder_preview_then_the_button_sends_exactly_that(env, tmp_path):
    keys = Keys(tmp_path)
    experts = {"e1": address("e1")}
    life, unit_mail = address("life"), address("unit-i")
    async with notify_in_process(keys) as notify:
        await unit_registered("unit-i", unit_mail)
        n = submitted("unit-i", "肿瘤早筛试剂盒")
        await publish(*on_units(n))
        await publish(*on_review(roster_filed(experts, contact_email=life), assigned(n, "e1")))
        await notices_made(3)  # the receipt, the plan filed, the assignment
        await notify.sender.send_due()
        # Each signed-in person's inbox: what was sent to them, and nothing of anyone else's.
        r = await notify.get("/v1/notify/inbox", headers=keys.headers("unit", "unit-i"))
        assert [(m["kind"], m["kind_name"], m["subject"]) for m in r.json()["messages"]] == [
            ("nomination_received", "推荐已收到", str(n.nomination_id))]
        assert (await notify.get("/v1/notify/inbox", headers=keys.headers("unit", "unit-z"))).json()["messages"] == []
        r = await notify.get("/v1/notify/inbox", headers=keys.headers("expert", LIFE, sub="e1"))
        assert [m["kind"] for m in r.json()["messages"]] == ["expert_assigned"]
        r = await notify.get("/v1/notify/inbox", headers=keys.headers("review_body", LIFE))
        assert [m["kind"] for m in r.json()["messages"]] == ["plan_filed"]
        assert (await notify.get("/v1/notify/inbox")).status_code == 401
        # The same as a page, under the shared login's cookie; without it, the login's pointer.
        from eventlog.http.page_session import COOKIE

        page = await notify.get("/workbench/notify/inbox",
                                headers={"cookie": f"{COOKIE}={keys.token('unit', 'unit-i')}"})
        assert page.status_code == 200 and page.headers["content-security-policy"].startswith("default-src 'none'")
        assert "<h1>我的通知</h1>" in page.text and "<td>推荐已收到</td>" in page.text
        assert f"<td>{n.nomination_id}</td>" in page.text
        anonymous = await notify.get("/workbench/notify/inbox")
        assert anonymous.status_code == 401 and "请先登录" in anonymous.text
        home = await notify.get("/workbench/", headers={"cookie": f"{COOKIE}={keys.token('unit', 'unit-i')}"})
        assert (home.status_code, home.headers["location"]) == (303, "/workbench/notify/inbox")
        # 7 days before the results are due: the preview names who the button would write to, worded.
        notify.clock.at = datetime(2022, 11, 24, 10, 0, tzinfo=BEIJING)
        secretariat = keys.headers("secretariat", "kczg_secretariat")
        r = await notify.get("/v1/notify/reminders/preview", params={"campaign": C}, headers=secretariat)
        assert r.status_code == 200, r.text
        shown = {(m["kind"], m["address"]): m for m in r.json()["messages"]}
        assert set(shown) == {("results_due", life), ("expert_reminder", experts["e1"])}  # only these have addresses
        assert shown[("expert_reminder", experts["e1"])]["headline"] == (
            "【科创中国】评分提醒：先导技术榜 · 生物医药尚有 1 项待评（请于2022年11月30日24:00（北京时间）前完成）")
        assert "1. 肿瘤早筛试剂盒" in shown[("expert_reminder", experts["e1"])]["text"]
        # The body sees its own and its experts'; another body none of them; a unit may not ask.
        r = await notify.get("/v1/notify/reminders/preview", params={"campaign": C},
                             headers=keys.headers("review_body", LIFE))
        assert {(m["kind"], m["address"]) for m in r.json()["messages"]} == set(shown)
        r = await notify.get("/v1/notify/reminders/preview", params={"campaign": C},
                             headers=keys.headers("review_body", "cast_info_tech_consortium"))
        assert r.json()["messages"] == []
        assert (await notify.get("/v1/notify/reminders/preview", params={"campaign": C},
                                 headers=keys.headers("unit", "unit-i"))).status_code == 403
        assert (await notify.post("/v1/notify/reminders/send", params={"campaign": C},
                                  headers=keys.headers("unit", "unit-i"))).status_code == 403
        # Another body's button sends only its own (its results reminder, to no address here): none of these two.
        r = await notify.post("/v1/notify/reminders/send", params={"campaign": C},
                              headers=keys.headers("review_body", "cast_info_tech_consortium"))
        assert (r.status_code, r.json()["computed"]) == (200, 1)
        await notify.sender.send_due()
        # The body's button as a page: the same two messages, worded; a post without the form's CSRF token is
        # refused and sends nothing; with it, exactly the previewed messages go, once; the preview is empty after.
        body_cookie = {"cookie": f"{COOKIE}={keys.token('review_body', LIFE)}"}
        page = await notify.get("/workbench/notify/reminders", params={"campaign": C}, headers=body_cookie)
        assert page.status_code == 200 and "发送以上 2 条提醒" in page.text, page.text
        assert experts["e1"] in page.text and life in page.text
        refused = await notify.post("/workbench/notify/reminders", data={"campaign": C}, headers=body_cookie)
        assert refused.status_code == 403
        assert len((await notify.get("/v1/notify/reminders/preview", params={"campaign": C},
                                     headers=secretariat)).json()["messages"]) == 2
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        sent = await notify.post("/workbench/notify/reminders", data={"campaign": C, "csrf": csrf}, headers=body_cookie)
        assert sent.status_code == 200 and "已安排发送 2 条提醒。" in sent.text and "此刻没有须发送的提醒。" in sent.text
        await notify.sender.send_due()
        assert await notify.sender.send_due() == 0
        r = await notify.get("/v1/notify/reminders/preview", params={"campaign": C}, headers=secretariat)
        assert r.json()["messages"] == []
        r = await notify.get("/v1/notify/reminders/preview", params={"campaign": "no-such"}, headers=secretariat)
        assert (r.status_code, r.json()["code"]) == (404, "unknown_campaign")
    # Each reminder went once, after what was sent before the button (the assignment; the plan filed).
    assert [m.subject for m in mail_to(experts["e1"])][1:] == [shown[("expert_reminder", experts["e1"])]["headline"]]
    assert [m.subject for m in mail_to(life)][1:] == [shown[("results_due", life)]["headline"]]


async def test_the_secretariat_gets_a_daily_digest_of_late_bodies_open_objections_and_refused_addresses(
        env, tmp_path, monkeypatch):
    import os
    import uuid
    from pathlib import Path

    from contracts.events import Actor, ObjectionFiled, list_key
    from contracts.personal import Sealed, objector_id
    from contracts.topics import PUBLISH
    from deploy.local import mailbox
    from services.notify.domain import message_id, secretariat_recipient
    from tests.support.notify import on_review, results_in

    desk, refused = address("secretariat"), address("refused")
    monkeypatch.setenv("NOTIFY_SECRETARIAT_EMAIL", desk)
    mailbox.refuse(Path(os.environ["KCZG_MAIL_DIR"]), refused)
    async with notify_in_process(Keys(tmp_path)) as notify:
        await unit_registered("unit-r", refused)
        n = submitted("unit-r", "海水淡化膜材料")
        await publish(*on_units(n))
        await notices_made(1)
        await notify.sender.send_due()  # refused: 550
        objection = uuid.uuid4()
        await publish((PUBLISH, ObjectionFiled(
            occurred_at=datetime(2022, 12, 1, 10, 0, tzinfo=BEIJING), campaign=C, key=list_key(C, "leading_tech"),
            actor=Actor(role="system", id="objection-form"), objection_id=objection, nomination_id=n.nomination_id,
            name=Sealed(pid=objector_id(objection), clear="某异议人"), grounds="数据存疑。")))
        # Every body but the life-science one is late on 2 December.
        await publish(*on_review(results_in(LIFE, "biomedicine")))
        await notices_made(2)  # the receipt, the objection's acknowledgement (the objector left no address)
        await wait_for(lambda: results_read())
        notify.clock.at = datetime(2022, 12, 2, 7, 59, tzinfo=BEIJING)
        await notify.remind()
        assert not [r for r in await notices() if r["kind"] == "secretariat_digest"]  # not before 08:00
        notify.clock.at = datetime(2022, 12, 2, 8, 0, tzinfo=BEIJING)
        await notify.remind()
        await notify.remind()  # once a day however often computed
        await notify.sender.send_due()
    (digest,) = mail_to(desk)
    assert digest.message_id == message_id(secretariat_recipient(C), f"{C}:digest", "secretariat_digest", 20221202)
    assert digest.subject == "【科创中国】秘书处每日简报（2022-12-02）"
    text = digest.text()
    assert text.startswith("“科创中国”联合体秘书处：\n\n2022-12-02 简报：\n\n初评结果逾期未报送（截止于 2022年11月30日24:00（北京时间））：\n"
                           "1. 中国科协信息科技学会联合体：先导技术榜 · 电子信息\n")
    assert "中国科协生命科学学会联合体" not in text
    assert f"尚未处理的异议（1 件）：\n1. 海水淡化膜材料（异议编号 {objection}）\n" in text
    assert f"被邮件服务器拒收、已停止发送的地址：\n1. {refused}\n" in text
