"""The notifier's rules, pure: which notices an event makes due, keyed (recipient, subject, kind, round), and
whether one is still due when it is sent."""

from __future__ import annotations

from services.notify.domain import evolve, message_id, notices_for, recipient_of, still_due
from tests.support.notify import DUE_EXAMPLE, over_quota, resubmitted, returned, screened, submitted, withdrawn


def fold(*events):
    known, made = None, []
    for event in events:
        made += notices_for(event, known)
        known = evolve(known, event)
    return known, made


def test_each_event_makes_its_notice_for_the_unit():
    n = submitted("unit-a", "某技术")
    known, made = fold(n, over_quota(n), returned(n, DUE_EXAMPLE, "缺少附件"), resubmitted(n),
                       screened(n, False, "不符合条件"))
    unit, subject = recipient_of("kczg-2022", "unit-a"), str(n.nomination_id)
    assert [(m.recipient, m.subject, m.kind, m.round) for m in made] == [
        (unit, subject, "nomination_received", 1), (unit, subject, "over_quota", 1),
        (unit, subject, "returned_for_correction", 1),
        (unit, subject, "screening_failed", 2)]  # the screening after the first return is the second round
    assert made[2].facts == {"reasons": ["缺少附件"], "correction_due_at": DUE_EXAMPLE.isoformat()}
    assert made[3].facts == {"reasons": ["不符合条件"]}
    assert (known.returned_round, known.resubmitted_round, known.quota_rejected) == (1, 1, 1)


def test_a_notice_is_not_due_once_its_cause_is_gone():
    n = submitted("unit-a", "某技术")
    known, (receipt, back) = fold(n, returned(n, DUE_EXAMPLE, "缺少附件"))
    assert still_due(back, known) is None and still_due(receipt, known) is None
    assert still_due(back, evolve(known, resubmitted(n))) == "already_resubmitted"
    assert still_due(receipt, evolve(known, withdrawn(n))) == "withdrawn"
    second = returned(n, DUE_EXAMPLE, "仍缺附件", round=2)
    _, (back2,) = fold(second)
    assert still_due(back2, evolve(known, resubmitted(n))) is None  # answering round 1 does not answer round 2


def test_the_message_id_is_the_keys_and_only_the_keys():
    a = message_id("unit:kczg-2022:unit-a", "n1", "over_quota", 1)
    assert a == message_id("unit:kczg-2022:unit-a", "n1", "over_quota", 1)
    assert len({a, message_id("unit:kczg-2022:unit-a", "n1", "over_quota", 2),
                message_id("unit:kczg-2022:unit-b", "n1", "over_quota", 1),
                message_id("unit:kczg-2022:unit-a", "n1", "screening_passed", 1)}) == 4
    assert a.startswith("<") and a.endswith("@notify.kczg.cloud>") and len(a) < 60


def test_screening_passed_is_told_once_per_round():
    n = submitted("unit-a", "某技术")
    _, made = fold(n, screened(n, True), screened(n, True))
    # The same key twice (a screening recorded again): the outbox's unique key keeps one.
    assert [(m.kind, m.round) for m in made] == [("nomination_received", 1), ("screening_passed", 1),
                                                 ("screening_passed", 1)]


def test_an_expert_is_told_once_per_target_while_a_seat_is_left_to_score():
    from services.notify.domain import ExpertSeats, Seat, expert_recipient
    from tests.support.notify import assigned

    a, b = submitted("unit-a", "甲"), submitted("unit-a", "乙")
    made = notices_for(assigned(a, "e1"), None) + notices_for(assigned(b, "e1"), None)
    assert {(m.recipient, m.subject, m.kind, m.round) for m in made} == {
        (expert_recipient("kczg-2022", "e1"), "kczg-2022:leading_tech:biomedicine", "expert_assigned", 1)}
    notice = made[0]
    assert still_due(notice, ExpertSeats("e1", (Seat("n1", "甲", True), Seat("n2", "乙", False)))) is None
    assert still_due(notice, ExpertSeats("e1", (Seat("n1", "甲", True),))) == "already_scored"
    assert still_due(notice, ExpertSeats("e1", ())) == "unassigned"


def test_bodies_are_reminded_on_the_ladder_once_per_step_and_only_while_results_are_missing():
    from datetime import datetime, timedelta, timezone

    from contracts.campaign import load_builtin_campaign
    from services.notify.domain import BodyTarget, results_due_reminders

    campaign = load_builtin_campaign("kczg-2022")
    due = campaign.timeline.prelim_due_at  # 2022-12-01 00:00 Beijing
    steps = {at: {(n.kind, n.round) for n in results_due_reminders(campaign, due - at, set())}
             for at in (timedelta(days=8), timedelta(days=7), timedelta(days=5), timedelta(days=3),
                        timedelta(hours=30), timedelta(hours=1), timedelta(0), -timedelta(days=29),
                        -timedelta(days=30))}
    due_, late = "results_due", "results_late"
    assert list(steps.values()) == [set(), {(due_, 7)}, {(due_, 7)}, {(due_, 3)}, {(due_, 3)}, {(due_, 1)},
                                    {(late, 1)}, {(late, 1)}, set()]
    info = ("cast_info_tech_consortium", "kczg-2022:leading_tech:electronic_info")
    left = results_due_reminders(campaign, due - timedelta(days=2), {info})
    assert info not in {(n.facts["body_code"], n.subject) for n in left} and len(left) == 12
    notice = left[0]
    assert still_due(notice, BodyTarget(notice.facts["body_code"], notice.subject, False), due - timedelta(days=2)) is None
    assert still_due(notice, BodyTarget(notice.facts["body_code"], notice.subject, True), due) == "already_submitted"
    assert still_due(notice, BodyTarget(notice.facts["body_code"], notice.subject, False), due) == "past_deadline"
    (late,) = [n for n in results_due_reminders(campaign, due, set()) if (n.facts["body_code"], n.subject) == info]
    assert still_due(late, BodyTarget(*info, False), due + timedelta(days=1)) is None
    assert still_due(late, BodyTarget(*info, True), due + timedelta(days=1)) == "already_submitted"
    assert datetime(2022, 12, 1, tzinfo=timezone(timedelta(hours=8))) == due


def test_a_notice_about_history_is_not_sent():
    from datetime import timedelta

    n = submitted("unit-a", "某技术")
    _, (receipt,) = fold(n)
    month = timedelta(days=30)
    assert still_due(receipt, None, n.occurred_at + month, month) is None
    assert still_due(receipt, None, n.occurred_at + month + timedelta(seconds=1), month) == "stale"


def test_the_html_part_escapes_what_units_typed_and_the_text_part_keeps_it():
    from datetime import datetime, timezone

    from contracts.campaign import load_builtin_campaign
    from services.notify.domain import Nomination, Party
    import email
    import email.policy

    from services.notify.render import compose

    n = submitted("unit-a", "<b>A&B</b> 技术")
    _, (receipt,) = fold(n)
    nomination = Nomination(str(n.nomination_id), "kczg-2022", "unit-a", n.title, "leading_tech", "biomedicine")
    party = Party("unit:kczg-2022:unit-a", "某<单位>", "a@unit.example.cn")
    sent = compose(receipt, nomination, party, load_builtin_campaign("kczg-2022"),
                   datetime(2022, 10, 20, 3, 0, tzinfo=timezone.utc))
    message = email.message_from_bytes(sent.as_bytes(), policy=email.policy.default)  # as a mail reader reads it
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert text.startswith("某<单位>：\n\n贵单位推荐的“<b>A&B</b> 技术”（先导技术榜 · 生物医药）")
    assert "&lt;b&gt;A&amp;B&lt;/b&gt; 技术" in html and "<b>A&B</b>" not in html and "某&lt;单位&gt;" in html
    assert "发送时间：2022年10月20日 11:00（北京时间）" in text
    assert message["Message-ID"] == message_id(*receipt.key) and message["To"] == "a@unit.example.cn"
    assert message["Subject"] == "【科创中国】推荐已收到：<b>A&B</b> 技术"
    assert (message["From"].addresses[0].display_name, message["From"].addresses[0].addr_spec) == (
        "科创中国榜单平台", "noreply@ranking.kczg.cloud")
    assert sent.as_bytes().isascii()  # encoded words and base64: nothing asks the server for 8-bit or SMTPUTF8


def test_an_address_outside_ascii_takes_the_modern_api_for_smtputf8():
    import email
    import email.policy
    from email.message import EmailMessage

    from services.notify.render import mime_message

    sent = mime_message([("Subject", "测试"), ("From", "noreply@ranking.kczg.cloud"), ("To", "联系人@单位.中国")],
                        "正文", "<p>正文</p>")
    assert isinstance(sent, EmailMessage)  # the modern API: aiosmtplib then sends it with SMTPUTF8
    read = email.message_from_bytes(sent.as_bytes(policy=email.policy.SMTPUTF8), policy=email.policy.default)
    assert (read["To"], read["Subject"], read.get_body(("plain",)).get_content()) == ("联系人@单位.中国", "测试", "正文\r\n")
