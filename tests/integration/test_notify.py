"""The notifier against the real broker, database and mail sink: each kind of unit notice sent once to the
unit's registered address with its Chinese wording, a notice no longer due at send time not sent, and a
permanent refusal (550) marking the address bad — read back from what the sink received, never a mock."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import asyncpg

from deploy.local import mailbox
from services.notify.domain import message_id, recipient_of
from tests.support.events import publish
from tests.support.intake import Keys, wait_for
from tests.support.notify import (DUE_EXAMPLE as DUE, address, mail_to, notices, notices_made, notify_in_process,
                                  of_kind, on_units, over_quota, resubmitted, returned, screened, submitted,
                                  unit_registered, withdrawn)


async def followed(sql: str):
    conn = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def test_each_kind_goes_once_to_the_units_address_in_chinese(env, tmp_path):
    keys, to = Keys(tmp_path), address("unit-n")
    async with notify_in_process(keys) as notify:
        await unit_registered("unit-n", to)
        await unit_registered("unit-silent", None)  # registered without an address: told nothing
        passed, over = submitted("unit-n", "钙钛矿叠层电池技术"), submitted("unit-n", "第四项生物医药技术")
        back, failed = submitted("unit-n", "基因编辑育种技术"), submitted("unit-n", "小分子靶向药物")
        silent = submitted("unit-silent", "无人接收的推荐")
        events = [passed, passed,  # the same event twice on the log (a producer's retry): one receipt
                  screened(passed, True), over, over_quota(over), back,
                  returned(back, DUE, "缺少第三方检测报告", "推荐意见未盖章"),
                  failed, screened(failed, False, "不符合申报条件：成立时间超出范围"), silent]
        await publish(*on_units(*events))
        made = await notices_made(9)
        assert await notify.sender.send_due() == 9
        # Sending again sends nothing: each notice once.
        assert await notify.sender.send_due() == 0

    got = {m.message_id: m for m in mail_to(to)}
    unit = recipient_of("kczg-2022", "unit-n")
    expected = [(passed, "nomination_received", 1), (over, "nomination_received", 1), (back, "nomination_received", 1),
                (failed, "nomination_received", 1), (passed, "screening_passed", 1), (over, "over_quota", 1),
                (back, "returned_for_correction", 1), (failed, "screening_failed", 1)]
    ids = {message_id(unit, str(n.nomination_id), kind, r): (n, kind) for n, kind, r in expected}
    assert len(mail_to(to)) == 8 and set(got) == set(ids)
    for mid, (n, kind) in ids.items():
        assert got[mid].rcpt_to == (to,) and got[mid].to == to

    def mail(n, kind):
        return got[message_id(unit, str(n.nomination_id), kind, 1)]

    receipt = mail(passed, "nomination_received")
    assert receipt.subject == "【科创中国】推荐已收到：钙钛矿叠层电池技术"
    assert receipt.text().startswith("测试推荐单位unit-n：\n\n贵单位推荐的“钙钛矿叠层电池技术”（先导技术榜 · 生物医药）"
                                     "已于 2022年10月20日 10:30（北京时间） 提交成功，平台已收到。\n")
    assert "<strong>钙钛矿叠层电池技术</strong>" in receipt.html()
    assert mail(passed, "screening_passed").subject == "【科创中国】形式审查通过：钙钛矿叠层电池技术"
    quota = mail(over, "over_quota")
    assert quota.subject == "【科创中国】超出推荐名额，未被受理：第四项生物医药技术"
    assert "该榜单该领域贵单位可推荐 3 项，已使用 3 项。" in quota.text()
    back_mail = mail(back, "returned_for_correction")
    assert back_mail.subject == "【科创中国】退回补正，请于2022年11月10日24:00（北京时间）前重新提交：基因编辑育种技术"
    assert "1. 缺少第三方检测报告\n2. 推荐意见未盖章\n" in back_mail.text()
    assert "请于 2022年11月10日24:00（北京时间） 前修改并重新提交" in back_mail.text()
    assert "<li>缺少第三方检测报告</li><li>推荐意见未盖章</li>" in back_mail.html()
    failed_mail = mail(failed, "screening_failed")
    assert failed_mail.subject == "【科创中国】形式审查未通过：小分子靶向药物"
    assert "理由如下：\n1. 不符合申报条件：成立时间超出范围\n" in failed_mail.text()
    # The unit without an address: its notice is recorded as such, nothing sent.
    assert of_kind(made, silent.nomination_id, "nomination_received")["recipient"] == recipient_of("kczg-2022", "unit-silent")
    rows = await notices()
    assert of_kind(rows, silent.nomination_id, "nomination_received")["status"] == "unaddressed"
    assert {r["status"] for r in rows if r["recipient"] == unit} == {"sent"}


async def test_a_notice_no_longer_due_at_send_time_is_not_sent(env, tmp_path):
    keys, to = Keys(tmp_path), address("unit-d")
    async with notify_in_process(keys) as notify:
        await unit_registered("unit-d", to)
        fixed, gone, kept = (submitted("unit-d", t) for t in ("已补正的推荐", "已撤回的推荐", "仍待补正的推荐"))
        await publish(*on_units(fixed, gone, kept, *(returned(n, DUE, "缺少附件") for n in (fixed, gone, kept))))
        await notices_made(6)
        # Before the sender gets to them: the unit resubmits one and withdraws another.
        await publish(*on_units(resubmitted(fixed), withdrawn(gone)))
        await wait_for(lambda: followed("SELECT count(*) = 2 FROM notify.nominations "
                                        "WHERE withdrawn OR resubmitted_round > 0"))
        await notify.sender.send_due()

    unit = recipient_of("kczg-2022", "unit-d")
    kinds = sorted((m.message_id for m in mail_to(to)))
    assert kinds == sorted([message_id(unit, str(fixed.nomination_id), "nomination_received", 1),
                            message_id(unit, str(kept.nomination_id), "nomination_received", 1),
                            message_id(unit, str(kept.nomination_id), "returned_for_correction", 1)])
    rows = await notices()
    assert of_kind(rows, fixed.nomination_id, "returned_for_correction")["status"] == "not_due"
    assert of_kind(rows, fixed.nomination_id, "returned_for_correction")["result"] == "already_resubmitted"
    assert of_kind(rows, gone.nomination_id, "returned_for_correction")["result"] == "withdrawn"
    assert of_kind(rows, gone.nomination_id, "nomination_received")["result"] == "withdrawn"


async def test_a_permanent_refusal_marks_the_address_bad_and_nothing_more_goes_there(env, tmp_path):
    keys, bad, good = Keys(tmp_path), address("unit-bad"), address("unit-good")
    mailbox.refuse(Path(os.environ["KCZG_MAIL_DIR"]), bad)
    secretariat = keys.headers("secretariat", "kczg_secretariat")
    async with notify_in_process(keys) as notify:
        await unit_registered("unit-bad", bad)
        await unit_registered("unit-good", good)
        first, second, fine = submitted("unit-bad", "第一项"), submitted("unit-bad", "第二项"), submitted("unit-good", "第三项")
        await publish(*on_units(first, fine))
        await notices_made(2)
        await notify.sender.send_due()
        await publish(*on_units(second))
        await notices_made(3)
        await notify.sender.send_due()

        r = await notify.get("/v1/notify/bounces", headers=secretariat)
        assert r.status_code == 200, r.text
        (bounce,) = r.json()["bounces"]
        assert (bounce["address"], bounce["code"], bounce["subject"], bounce["kind"]) == (
            bad, 550, str(first.nomination_id), "nomination_received")
        assert "5.1.1" in bounce["reply"]
        r = await notify.get("/v1/notify/messages", params={"subject": str(first.nomination_id)}, headers=secretariat)
        (logged,) = r.json()["messages"]
        assert (logged["kind"], logged["status"], logged["address"], logged["attempts"]) == (
            "nomination_received", "bounced", bad, 1)
        r = await notify.get("/v1/notify/messages", params={"subject": str(second.nomination_id)}, headers=secretariat)
        assert [m["status"] for m in r.json()["messages"]] == ["bad_address"]
        r = await notify.get("/v1/notify/messages", params={"subject": str(fine.nomination_id)}, headers=secretariat)
        assert [(m["status"], m["address"]) for m in r.json()["messages"]] == [("sent", good)]
        # Only the secretariat reads the log.
        unit_caller = keys.headers("unit", "unit-bad")
        assert (await notify.get("/v1/notify/bounces", headers=unit_caller)).status_code == 403
    assert mail_to(bad) == [] and len(mail_to(good)) == 1


async def test_the_address_given_at_registration_is_where_the_unit_is_told(env, tmp_path):
    import httpx

    from services.quota.api import create_app as quota_app

    keys, to = Keys(tmp_path), address("unit-r")
    secretariat = keys.headers("secretariat", "kczg_secretariat")
    quota = quota_app(verifier=keys.verifier())
    async with notify_in_process(keys) as notify, quota.router.lifespan_context(quota), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=quota), base_url="http://quota") as registry:
        body = {"unit_id": "unit-r", "name": "浙江省科学技术协会", "channels": ["provincial_cast"]}
        r = await registry.post("/v1/campaigns/kczg-2022/units", json={**body, "contact_email": "不是地址"},
                                headers=secretariat)
        assert r.status_code == 422, r.text
        r = await registry.post("/v1/campaigns/kczg-2022/units", json={**body, "contact_email": to}, headers=secretariat)
        assert r.status_code == 201, r.text
        n = submitted("unit-r", "数字孪生工厂")
        await publish(*on_units(n))
        await notices_made(1)
        assert await notify.sender.send_due() == 1
    (mail,) = mail_to(to)
    assert mail.subject == "【科创中国】推荐已收到：数字孪生工厂"
    assert mail.text().startswith("浙江省科学技术协会：\n\n")


async def test_experts_are_told_their_seats_and_the_deadline_once_per_target(env, tmp_path):
    from tests.support.notify import assigned, on_review, roster_filed, scored, unassigned
    from services.notify.domain import expert_recipient

    keys = Keys(tmp_path)
    mail = {e: address(e) for e in ("e1", "e2", "e3", "e4")}
    async with notify_in_process(keys) as notify:
        await unit_registered("unit-x", None)
        a, b = submitted("unit-x", "肿瘤早筛试剂盒"), submitted("unit-x", "mRNA疫苗递送系统")
        await publish(*on_units(a, b))
        await publish(*on_review(roster_filed({**mail, "e5": None}), assigned(a, "e1"), assigned(b, "e1"),
                                 assigned(a, "e2"), assigned(a, "e3"), unassigned(a, "e3"),
                                 assigned(b, "e4"), scored(b, "e4"), assigned(b, "e5")))
        await notices_made(2 + 5)  # two receipts (nobody to send them to), one notice per expert on the target
        await wait_for(lambda: followed("SELECT count(*) = 6 FROM notify.seats"))
        await notify.sender.send_due()

    target = "kczg-2022:leading_tech:biomedicine"
    (first,) = mail_to(mail["e1"])
    assert first.message_id == message_id(expert_recipient("kczg-2022", "e1"), target, "expert_assigned", 1)
    assert first.subject == "【科创中国】诚邀您参加初评：先导技术榜 · 生物医药（请于2022年11月30日24:00（北京时间）前完成评分）"
    assert first.text().startswith(
        "专家e1专家：\n\n中国科协生命科学学会联合体诚邀您参加“先导技术榜 · 生物医药”的初评。分配给您评审的推荐共 2 项：\n"
        "1. mRNA疫苗递送系统\n2. 肿瘤早筛试剂盒\n")
    assert "初评结果须于 2022年11月30日24:00（北京时间） 前报送" in first.text()
    (second,) = mail_to(mail["e2"])
    assert "共 1 项：\n1. 肿瘤早筛试剂盒\n" in second.text()
    # e3 was unassigned and e4 had scored before the sender came to them; e5 gave no address.
    assert mail_to(mail["e3"]) == [] and mail_to(mail["e4"]) == []
    rows = {r["recipient"].rsplit(":", 1)[1]: (r["status"], r["result"])
            for r in await notices() if r["kind"] == "expert_assigned"}
    assert rows == {"e1": ("sent", f"2.0.0 Stored as {first.id}"), "e2": ("sent", f"2.0.0 Stored as {second.id}"),
                    "e3": ("not_due", "unassigned"), "e4": ("not_due", "already_scored"),
                    "e5": ("unaddressed", "no_contact_email")}


async def test_bodies_are_reminded_7_3_and_1_days_before_results_are_due_unless_they_are_in(env, tmp_path):
    from tests.support.notify import on_review, results_in, roster_filed
    from services.notify.domain import body_recipient

    info, life, mfg = "cast_info_tech_consortium", "cast_life_science_consortium", "cast_intelligent_mfg_consortium"
    mail = {info: address("info"), life: address("life"), mfg: address("mfg")}  # mfg never submits
    beijing = lambda *a: datetime(*a, tzinfo=timezone(timedelta(hours=8)))  # noqa: E731
    async with notify_in_process(Keys(tmp_path)) as notify:
        await publish(*on_review(roster_filed({"e1": None}, info, "electronic_info", mail[info]),
                                 roster_filed({"e2": None}, life, "biomedicine", mail[life]),
                                 roster_filed({"e3": None}, mfg, "equipment_manufacturing", mail[mfg])))
        await wait_for(lambda: followed("SELECT count(*) = 3 FROM notify.bodies"))
        # Nothing before the 7-day step (results due 2022-12-01 00:00 Beijing).
        notify.clock.at = beijing(2022, 11, 23, 23, 59)
        assert await notify.remind() == 0
        # 7 days before: every target of every body, once however often the clock comes round.
        notify.clock.at = beijing(2022, 11, 24, 10, 0)
        # The 2022 bodies' 13 targets: 先导技术榜's six domains (绿色低碳 with two bodies: 7), four more lists,
        # and the two lists organised separately.
        assert await notify.remind() == await notify.remind() == 13
        await notify.sender.send_due()
        # The life-science body submits; at 3 days only the information-technology body is reminded.
        await publish(*on_review(results_in(life, "biomedicine")))
        await wait_for(lambda: followed("SELECT count(*) = 1 FROM notify.results_in"))
        notify.clock.at = beijing(2022, 11, 28, 9, 0)
        assert await notify.remind() == 12
        await notify.sender.send_due()
        # At 1 day the reminder is written, but the body submits before the sender comes to it: not sent.
        notify.clock.at = beijing(2022, 11, 30, 9, 0)
        await notify.remind()
        await publish(*on_review(results_in(info, "electronic_info")))
        await wait_for(lambda: followed("SELECT count(*) = 2 FROM notify.results_in"))
        await notify.sender.send_due()
        # From the deadline on, the bodies whose results are still missing are told they are late, once.
        # (and, each day from 08:00, the secretariat's digest naming them: one more)
        notify.clock.at = beijing(2022, 12, 1, 10, 0)
        assert await notify.remind() == 11 + 1
        notify.clock.at = beijing(2022, 12, 2, 10, 0)
        assert await notify.remind() == 11 + 1
        await notify.sender.send_due()

    target = {info: "kczg-2022:leading_tech:electronic_info", life: "kczg-2022:leading_tech:biomedicine"}
    ids = {body: [m.message_id for m in mail_to(mail[body])] for body in (info, life)}
    assert ids == {info: [message_id(body_recipient("kczg-2022", info), target[info], "results_due", d) for d in (7, 3)],
                   life: [message_id(body_recipient("kczg-2022", life), target[life], "results_due", 7)]}
    (first, second) = mail_to(mail[info])
    assert first.subject == "【科创中国】初评结果报送提醒：先导技术榜 · 电子信息，须于2022年11月30日24:00（北京时间）前报送"
    assert first.text().startswith("中国科协信息科技学会联合体：\n\n贵单位负责的“先导技术榜 · 电子信息”初评结果须于 "
                                   "2022年11月30日24:00（北京时间） 前报送秘书处，距截止还有 7 天。\n")
    assert "距截止还有 3 天" in second.text()
    last = [r for r in await notices() if r["recipient"] == body_recipient("kczg-2022", info) and r["round"] == 1
            and r["kind"] == "results_due"]
    assert [(r["status"], r["result"]) for r in last] == [("not_due", "already_submitted")]
    # The body that never submitted: 7, 3 and 1 days before, then late — on each of its two targets.
    told = [(m.subject, m.message_id) for m in mail_to(mail[mfg])]
    machines = "kczg-2022:leading_tech:equipment_manufacturing"
    mfg_ids = [message_id(body_recipient("kczg-2022", mfg), machines, kind, r)
               for kind, r in (("results_due", 7), ("results_due", 3), ("results_due", 1), ("results_late", 1))]
    assert [mid for _, mid in told if mid in mfg_ids] == mfg_ids and len(told) == 8
    late = [m for m in mail_to(mail[mfg]) if m.message_id == mfg_ids[-1]][0]
    assert late.subject == "【科创中国】初评结果逾期未报送：先导技术榜 · 装备制造（截止于2022年11月30日24:00（北京时间））"
    assert "中国科协智能制造学会联合体：\n\n贵单位负责的“先导技术榜 · 装备制造”初评结果应于 2022年11月30日24:00（北京时间） " \
           "前报送秘书处，平台至今尚未收到。" in late.text()


async def test_a_mail_server_away_defers_the_notice_and_it_goes_once_when_back(env, tmp_path):
    from services.notify.sender import Mailer
    from tests.support.processes import free_port

    to = address("unit-w")
    async with notify_in_process(Keys(tmp_path)) as notify:
        await unit_registered("unit-w", to)
        n = submitted("unit-w", "暂缓发送的推荐")
        await publish(*on_units(n))
        await notices_made(1)
        # Nobody listens where the notifier sends: the notice waits, marked with why and when to try again.
        away = Mailer(port=free_port())
        assert await notify.sender.send_one(away) is True
        (row,) = await notices()
        assert (row["status"], row["attempts"]) == ("pending", 1) and row["result"].startswith("temporary: ")
        assert await notify.sender.send_due() == 0  # not before its time
        await followed("UPDATE notify.notices SET next_attempt = now() RETURNING 1")
        assert await notify.sender.send_due() == 1
    (mail,) = mail_to(to)
    assert mail.message_id == message_id(recipient_of("kczg-2022", "unit-w"), str(n.nomination_id),
                                         "nomination_received", 1)
    (row,) = await notices()
    assert (row["status"], row["attempts"]) == ("sent", 2)


async def test_the_senders_claim_reads_no_finished_notice(env):
    """The claim of the next due notice stays as cheap with the campaign's thousands of sent notices behind it:
    it reads the index of unfinished ones, and no sent row is read and filtered out."""
    import orjson

    from services.notify import store

    conn = await asyncpg.connect(env["DATABASE_URL"])
    try:
        await store.ensure_schema(conn)
        await conn.execute("""INSERT INTO notify.notices (recipient, subject, kind, round, campaign, occurred_at, status)
                              SELECT 'unit:kczg-2022:u' || g, 's' || g, 'nomination_received', 1, 'kczg-2022', now(),
                                     CASE WHEN g <= 5000 THEN 'sent' ELSE 'pending' END
                              FROM generate_series(1, 5003) AS g""")
        await conn.execute("ANALYZE notify.notices")
        async with conn.transaction():
            (plan,) = orjson.loads(await conn.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + store.CLAIM_NEXT,
                                                       datetime.now(timezone.utc)))
            claimed = await conn.fetchrow(store.CLAIM_NEXT, datetime.now(timezone.utc))
        scans = []
        nodes = [plan["Plan"]]
        while nodes:
            node = nodes.pop()
            nodes += node.get("Plans", [])
            if "Scan" in node["Node Type"]:
                scans.append((node["Node Type"], node.get("Index Name"), node.get("Rows Removed by Filter", 0)))
        assert scans == [("Index Scan", "notices_unfinished", 0)]
        assert (claimed["subject"], claimed["status"]) == ("s5001", "pending")
    finally:
        await conn.execute("DELETE FROM notify.notices WHERE subject ~ '^s[0-9]+$'")
        await conn.close()
