"""The notifier's later kinds against the real broker, database and mail sink: decisions told to units once
the notice opens, the release (an embargoed one not before its instant), the collection-deadline reminders
(units with applications waiting or quota unused, checked again at send time), the plan filed and the
secretariat's receipt of it (acknowledged, or returned with reasons), experts
reminded on a capped ladder (not once they have finished), re-review requests, and objectors told of receipt
and outcome at the contact sealed with their own key — read back from what the sink received."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone

import asyncpg

from contracts.events import (
    Actor, ApplicationDeclined, ApplicationSentToUnit, ListPublished, ObjectionFiled, ObjectionResolved,
    PlanAcknowledged, PlanReturned, PublicNoticeOpened, PublishedEntry, ReReviewOpened, list_key, unit_key,
)
from contracts.personal import objector_id
from contracts.topics import APPLICATIONS, NOMINATIONS, PUBLISH
from eventlog import privacy
from services.notify.domain import expert_recipient, message_id, nomination_recipient, recipient_of
from tests.support.events import SECRETARIAT, decision, publish, registered
from tests.support.intake import Keys, wait_for
from tests.support.notify import (
    AT, LIFE, address, assigned, mail_to, notices, notices_made, notify_in_process, on_review, on_units,
    roster_filed, scored, submitted, unit_registered,
)

C = "kczg-2022"
BEIJING = timezone(timedelta(hours=8))


def beijing(*a) -> datetime:
    return datetime(*a, tzinfo=BEIJING)


async def sql(query: str, *args):
    conn = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


async def made(kind: str) -> int:
    return await sql("SELECT count(*) FROM notify.notices WHERE kind = $1", kind)


async def test_units_hear_the_decision_when_the_notice_opens_and_the_release_not_before_its_instant(env, tmp_path):
    to = address("unit-f")
    async with notify_in_process(Keys(tmp_path)) as notify:
        notify.clock.at = beijing(2022, 12, 20, 10, 0)
        await unit_registered("unit-f", to)
        chosen, passed_over, late = (submitted("unit-f", t) for t in ("量子点显示材料", "柔性传感器", "固态电池电解质"))
        await publish(*on_units(chosen, passed_over, late))
        # Decided in December: nothing is told while the result is the secretariat's.
        await publish(*on_review(decision(chosen.nomination_id, "leading_tech", "biomedicine", True),
                                 decision(passed_over.nomination_id, "leading_tech", "biomedicine", False)))
        await wait_for(lambda: sql("SELECT count(*) = 2 FROM notify.nominations WHERE selected IS NOT NULL"))
        assert {r["kind"] for r in await notices()} == {"nomination_received"}
        # The notice opens (2022-12-20 to 12-27); the third decision is read only after it.
        notice = PublicNoticeOpened(occurred_at=beijing(2022, 12, 20, 9, 0), campaign=C, key=list_key(C, "leading_tech"),
                                    actor=SECRETARIAT, notice_id=uuid.uuid4(), list_code="leading_tech",
                                    opens_at=beijing(2022, 12, 20, 9, 0), closes_at=beijing(2022, 12, 28, 0, 0),
                                    nominations=(chosen.nomination_id,))
        await publish((PUBLISH, notice))
        await publish(*on_review(decision(late.nomination_id, "leading_tech", "biomedicine", False)))
        await notices_made(6)
        await notify.sender.send_due()
        # The release, embargoed until the annual meeting: not told before it.
        release = ListPublished(occurred_at=beijing(2023, 1, 10, 9, 0), campaign=C, key=list_key(C, "leading_tech"),
                                actor=SECRETARIAT, list_code="leading_tech", published_at=beijing(2023, 1, 10, 9, 0),
                                released_on=datetime(2023, 2, 20).date(), public_at=beijing(2023, 2, 20, 9, 30),
                                entries=(PublishedEntry(nomination_id=chosen.nomination_id, title="量子点显示材料",
                                                        unit_id="unit-f", domain="biomedicine"),))
        notify.clock.at = beijing(2023, 1, 10, 10, 0)
        await publish((PUBLISH, release))
        await notices_made(7)
        await notify.sender.send_due()
        (held,) = [r for r in await notices() if r["kind"] == "released"]
        assert (held["status"], held["result"]) == ("pending", "held_until_public")
        notify.clock.at = beijing(2023, 2, 20, 9, 30)
        await sql("UPDATE notify.notices SET next_attempt = now() WHERE kind = 'released' RETURNING 1")
        assert await notify.sender.send_due() == 1
        assert await notify.sender.send_due() == 0

    got = {m.message_id: m for m in mail_to(to)}
    told = lambda n, kind: got[message_id(nomination_recipient(C, str(n.nomination_id)), str(n.nomination_id), kind, 1)]  # noqa: E731
    selected = told(chosen, "decision_selected")
    assert selected.subject == "【科创中国】终评结果：拟入选，正在公示：量子点显示材料"
    assert selected.text().startswith("测试推荐单位unit-f：\n\n贵单位推荐的“量子点显示材料”（先导技术榜 · 生物医药）经终评拟入选，"
                                      "现已进入公示，公示期至 2022年12月27日24:00（北京时间） 止。\n")
    assert told(passed_over, "decision_not_selected").subject == "【科创中国】终评结果：未入选：柔性传感器"
    assert "经终评未入选本届榜单" in told(late, "decision_not_selected").text()
    released = got[message_id(recipient_of(C, "unit-f"), str(chosen.nomination_id), "released", 1)]
    assert released.subject == "【科创中国】榜单正式发布，贵单位推荐的“量子点显示材料”入选"
    assert "“先导技术榜 · 生物医药”已正式发布（发布日期：2023-02-20），贵单位推荐的“量子点显示材料”列入榜单。" in released.text()
    assert len(got) == 3 + 1  # three decisions, one release (the October receipts are stale at a December clock)


async def test_units_are_reminded_of_the_collection_deadline_only_while_something_is_open(env, tmp_path):
    open_quota, waiting, answered, idle = (address(t) for t in ("open", "waiting", "answered", "idle"))
    sent = lambda unit, at: ApplicationSentToUnit(  # noqa: E731
        occurred_at=at, campaign=C, key=unit_key(C, unit), actor=Actor(role="applicant", id="app-org"),
        application_id=uuid.uuid5(uuid.NAMESPACE_DNS, unit), applicant_id="app-org", unit_id=unit, revision=1)
    async with notify_in_process(Keys(tmp_path)) as notify:
        # unit-q has a channel (quota unused); unit-w none, but an application waits; unit-i none and nothing waits.
        await publish((NOMINATIONS, registered("unit-q", "provincial_cast", contact_email=open_quota)),
                      (NOMINATIONS, registered("unit-w", contact_email=waiting)),
                      (NOMINATIONS, registered("unit-a", contact_email=answered)),
                      (NOMINATIONS, registered("unit-i", contact_email=idle)))
        await publish((APPLICATIONS, sent("unit-w", AT)), (APPLICATIONS, sent("unit-a", AT)))
        await wait_for(lambda: sql("SELECT count(*) = 2 FROM notify.applications"))
        # Before the 7-day step (submissions close 2022-11-01 00:00 Beijing): nothing.
        notify.clock.at = beijing(2022, 10, 24, 23, 0)
        assert await notify.remind() == 0
        notify.clock.at = beijing(2022, 10, 25, 9, 0)
        assert await notify.remind() == 3
        # unit-a declines its application before the sender comes to it: not reminded.
        await publish((APPLICATIONS, ApplicationDeclined(occurred_at=AT + timedelta(days=1), campaign=C,
                                                         key=unit_key(C, "unit-a"), actor=Actor(role="unit", id="unit-a"),
                                                         application_id=uuid.uuid5(uuid.NAMESPACE_DNS, "unit-a"),
                                                         unit_id="unit-a", reason="不符合推荐条件")))
        await wait_for(lambda: sql("SELECT count(*) = 1 FROM notify.applications WHERE answered_at IS NOT NULL"))
        await notify.sender.send_due()
        notify.clock.at = beijing(2022, 10, 31, 9, 0)
        assert await notify.remind() == 2
        await notify.sender.send_due()
        # From the deadline on: none.
        notify.clock.at = beijing(2022, 11, 1, 0, 0)
        assert await notify.remind() == 0

    subject = f"{C}:collection"
    assert [m.message_id for m in mail_to(open_quota)] == [
        message_id(recipient_of(C, "unit-q"), subject, "collection_deadline", d) for d in (7, 1)]
    first = mail_to(open_quota)[0]
    assert first.subject == "【科创中国】推荐截止提醒：距截止还有 7 天（2022年10月31日24:00（北京时间））"
    assert "贵单位尚有 29 个推荐名额未使用。" in first.text() and "份申报待处理" not in first.text()
    (w7, w1) = mail_to(waiting)
    assert "贵单位尚有 1 份申报待处理（推荐、退回修改或不予推荐）。" in w7.text() and "名额未使用" not in w7.text()
    assert "距截止还有 1 天" in w1.text()
    assert mail_to(answered) == [] and mail_to(idle) == []
    (row,) = [r for r in await notices() if r["recipient"] == recipient_of(C, "unit-a")]
    assert (row["status"], row["result"]) == ("not_due", "nothing_outstanding")


async def test_a_body_is_told_its_plan_is_on_record(env, tmp_path):
    to = address("life")
    async with notify_in_process(Keys(tmp_path)) as notify:
        plan = roster_filed({"e1": None, "e2": None}, contact_email=to)
        await publish(*on_review(plan, plan))  # read twice: told once
        await notices_made(1)
        assert await notify.sender.send_due() == 1
    (mail,) = mail_to(to)
    assert mail.message_id == message_id(f"body:{C}:{LIFE}", str(plan.event_id), "plan_filed", 1)
    assert mail.subject == "【科创中国】评审工作方案已备案：先导技术榜 · 生物医药"
    assert mail.text().startswith("中国科协生命科学学会联合体：\n\n贵单位报送的“先导技术榜 · 生物医药”评审工作方案、专家构成方案和"
                                  "评价标准已由秘书处备案（专家名单共 2 人）。\n")


async def test_a_body_is_told_its_plan_acknowledged_or_returned_with_reasons(env, tmp_path):
    to = address("life-receipt")
    secretariat = Actor(role="secretariat", id="cast", person="sec-1")
    async with notify_in_process(Keys(tmp_path)) as notify:
        plan = roster_filed({"e1": None, "e2": None}, contact_email=to)
        on_target = dict(occurred_at=AT, campaign=C, key=plan.key, actor=secretariat, body_code=LIFE,
                         list_code="leading_tech", domain="biomedicine", plan_event_id=plan.event_id)
        returned = PlanReturned(**on_target, reasons=("专家名单中同一单位专家超过三分之一。", "评价标准缺少权重说明。"))
        refiled = roster_filed({"e1": None, "e2": None, "e3": None}, contact_email=to)
        acknowledged = PlanAcknowledged(**{**on_target, "plan_event_id": refiled.event_id}, note="方案已收悉。")
        await publish(*on_review(plan, returned, returned, refiled, acknowledged, acknowledged))  # each read twice
        await notices_made(4)
        assert await notify.sender.send_due() == 4
        assert await made("plan_returned") == 1 and await made("plan_acknowledged") == 1
    body = f"body:{C}:{LIFE}"
    received = {m.message_id: m for m in mail_to(to)}
    assert len(received) == len(mail_to(to)) == 4  # two plans filed, one returned, one acknowledged: once each
    back = received[message_id(body, str(returned.event_id), "plan_returned", 1)]
    ok = received[message_id(body, str(acknowledged.event_id), "plan_acknowledged", 1)]
    assert back.subject == "【科创中国】评审工作方案被退回：先导技术榜 · 生物医药"
    assert back.text().startswith(
        "中国科协生命科学学会联合体：\n\n贵单位报送的“先导技术榜 · 生物医药”评审工作方案被秘书处退回（回执：已退回）。理由如下：\n"
        "1. 专家名单中同一单位专家超过三分之一。\n2. 评价标准缺少权重说明。\n请按上述理由修改后重新备案；重新备案前不能分配专家。\n")
    assert ok.subject == "【科创中国】评审工作方案已确认：先导技术榜 · 生物医药"
    assert ok.text().startswith("中国科协生命科学学会联合体：\n\n贵单位报送的“先导技术榜 · 生物医药”评审工作方案已经秘书处确认"
                                "（回执：已确认）。\n秘书处附言：方案已收悉。\n请按备案方案组织评审。\n")


async def test_experts_are_reminded_on_a_capped_ladder_and_not_once_they_have_finished(env, tmp_path):
    mail = {e: address(e) for e in ("e1", "e2", "e3")}
    target = f"{C}:leading_tech:biomedicine"
    async with notify_in_process(Keys(tmp_path)) as notify:
        await unit_registered("unit-x", None)
        a, b = submitted("unit-x", "肿瘤早筛试剂盒"), submitted("unit-x", "mRNA疫苗递送系统")
        await publish(*on_units(a, b))
        await publish(*on_review(roster_filed(mail), assigned(a, "e1"), assigned(b, "e1"), assigned(a, "e2"),
                                 assigned(a, "e3"), scored(a, "e3")))
        await wait_for(lambda: sql("SELECT count(*) = 4 FROM notify.seats"))
        # 7 days before the results are due: e1 (two unscored) and e2 (one); e3 has finished.
        notify.clock.at = beijing(2022, 11, 24, 10, 0)
        await notify.remind()
        assert await made("expert_reminder") == 2
        await notify.sender.send_due()
        # 3 days before: both reminded again, but e2 scores before the sender comes to it.
        notify.clock.at = beijing(2022, 11, 28, 10, 0)
        await notify.remind()
        assert await made("expert_reminder") == 4
        await publish(*on_review(scored(a, "e2")))
        await wait_for(lambda: sql("SELECT count(*) = 2 FROM notify.seats WHERE scored"))
        await notify.sender.send_due()
        # 1 day before: e1 still has seats open, but has had its two reminders (the cap).
        notify.clock.at = beijing(2022, 11, 30, 10, 0)
        await notify.remind()
        assert await made("expert_reminder") == 4

    e1 = mail_to(mail["e1"])
    assert [m.message_id for m in e1] == [message_id(expert_recipient(C, "e1"), target, "expert_reminder", d)
                                          for d in (7, 3)]
    assert e1[0].subject == "【科创中国】评分提醒：先导技术榜 · 生物医药尚有 2 项待评（请于2022年11月30日24:00（北京时间）前完成）"
    assert "距截止还有 7 天：\n1. mRNA疫苗递送系统\n2. 肿瘤早筛试剂盒\n" in e1[0].text()
    assert [m.message_id for m in mail_to(mail["e2"])] == [
        message_id(expert_recipient(C, "e2"), target, "expert_reminder", 7)]
    assert mail_to(mail["e3"]) == []
    rows = {(r["recipient"], r["round"]): (r["status"], r["result"]) for r in await notices()
            if r["kind"] == "expert_reminder"}
    assert rows[(expert_recipient(C, "e2"), 3)] == ("not_due", "already_scored")


async def test_experts_asked_to_re_review_are_asked_once_unless_they_have_rescored(env, tmp_path):
    mail = {e: address(e) for e in ("e1", "e2")}
    async with notify_in_process(Keys(tmp_path)) as notify:
        notify.clock.at = beijing(2022, 11, 20, 10, 0)
        await unit_registered("unit-x", None)
        a = submitted("unit-x", "脑机接口芯片")
        await publish(*on_units(a))
        await publish(*on_review(roster_filed(mail), assigned(a, "e1"), assigned(a, "e2"), scored(a, "e1"),
                                 scored(a, "e2")))
        opened = ReReviewOpened(occurred_at=beijing(2022, 11, 20, 9, 0), campaign=C, key=f"{C}:leading_tech:biomedicine",
                                actor=Actor(role="review_body", id=LIFE), nomination_id=a.nomination_id, body_code=LIFE,
                                list_code="leading_tech", domain="biomedicine", measure="range", spread="35",
                                threshold="20", revisit=("e1", "e2"), reason="两位专家评分相差较大")
        await publish(*on_review(opened, opened))
        await wait_for(lambda: sql("SELECT count(*) = 2 FROM notify.notices WHERE kind = 're_review'"))
        # e2 revises its score before the sender comes to the request.
        rescore = scored(a, "e2").model_copy(update={"event_id": uuid.uuid4(), "occurred_at": beijing(2022, 11, 20, 9, 30), "revision": 2})
        await publish(*on_review(rescore))
        await wait_for(lambda: sql("SELECT count(*) = 1 FROM notify.seats WHERE last_scored_at > $1",
                                   beijing(2022, 11, 20, 9, 0)))
        await notify.sender.send_due()

    (asked,) = [m for m in mail_to(mail["e1"]) if m.subject.startswith("【科创中国】复评请求")]
    assert asked.message_id == message_id(expert_recipient(C, "e1"), str(a.nomination_id), "re_review", 1)
    assert asked.subject == "【科创中国】复评请求：脑机接口芯片"
    assert ("中国科协生命科学学会联合体请您对“脑机接口芯片”（先导技术榜 · 生物医药）进行复评：各位专家评分分歧较大（35，阈值 20），"
            "请复核您的评分，修改时须说明理由。\n说明：两位专家评分相差较大\n") in asked.text()
    assert not [m for m in mail_to(mail["e2"]) if m.subject.startswith("【科创中国】复评请求")]
    (e2,) = [r for r in await notices() if r["kind"] == "re_review" and r["recipient"] == expert_recipient(C, "e2")]
    assert (e2["status"], e2["result"]) == ("not_due", "already_rescored")


async def test_objectors_hear_of_receipt_and_outcome_at_their_sealed_contact(env, tmp_path):
    by_mail, by_phone, erased = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    to, gone = address("objector"), address("erased-objector")
    notice_id = uuid.uuid4()
    async with notify_in_process(Keys(tmp_path)) as notify:
        notify.clock.at = beijing(2022, 12, 22, 10, 0)
        await unit_registered("unit-o", None)
        n = submitted("unit-o", "新型储能系统")
        await publish(*on_units(n))
        conn = await asyncpg.connect(os.environ["DATABASE_URL"])
        try:  # sealed as the publish service seals them: each objector's own key
            keys = {o: await privacy.key_for(conn, objector_id(o), C, AT) for o in (by_mail, by_phone, erased)}
        finally:
            await conn.close()
        sealer = privacy.KeySealer({objector_id(o): k for o, k in keys.items()})

        def filed(o, name, contact):
            return ObjectionFiled(occurred_at=beijing(2022, 12, 21, 15, 0), campaign=C, key=list_key(C, "leading_tech"),
                                  actor=Actor(role="system", id="objection-form"), objection_id=o, notice_id=notice_id,
                                  nomination_id=n.nomination_id, name=sealer.seal(objector_id(o), name),
                                  organisation="某某大学", contact=sealer.seal(objector_id(o), contact),
                                  grounds="该技术的核心专利权属存在争议。")

        def resolved(o, upheld):
            return ObjectionResolved(occurred_at=beijing(2022, 12, 22, 9, 0), campaign=C,
                                     key=list_key(C, "leading_tech"), actor=SECRETARIAT, objection_id=o,
                                     nomination_id=n.nomination_id, upheld=upheld, note="经核实，专利权属清楚。")

        await publish((PUBLISH, filed(by_mail, "王异议", to)), (PUBLISH, filed(by_phone, "李异议", "010-12345678")),
                      (PUBLISH, filed(erased, "赵异议", gone)))
        await notices_made(4)
        await notify.sender.send_due()
        # One objector is erased before the outcome: it goes nowhere.
        conn = await asyncpg.connect(os.environ["DATABASE_URL"])
        try:
            await privacy.erase(conn, objector_id(erased), "本人申请删除", AT)
        finally:
            await conn.close()
        await publish((PUBLISH, resolved(by_mail, False)), (PUBLISH, resolved(by_phone, False)),
                      (PUBLISH, resolved(erased, False)))
        await notices_made(7)
        await notify.sender.send_due()

    (ack, outcome) = mail_to(to)
    assert ack.message_id == message_id(objector_id(by_mail), str(by_mail), "objection_received", 1)
    assert ack.subject == "【科创中国】您的异议已收到：新型储能系统"
    assert ack.text().startswith("王异议：\n\n您于 2022年12月21日 15:00（北京时间） 对“新型储能系统”提出的实名异议已收到。")
    assert outcome.subject == "【科创中国】异议处理结果：新型储能系统"
    assert "经秘书处核实，异议不成立，维持原结果。\n处理说明：经核实，专利权属清楚。\n" in outcome.text()
    assert len(mail_to(gone)) == 1  # the receipt, before the erasure
    rows = {(r["recipient"], r["kind"]): (r["status"], r["result"]) for r in await notices()
            if r["kind"].startswith("objection_")}
    assert rows[(objector_id(by_phone), "objection_received")] == ("unaddressed", "no_contact_email")
    assert rows[(objector_id(erased), "objection_resolved")] == ("unaddressed", "no_contact_email")
