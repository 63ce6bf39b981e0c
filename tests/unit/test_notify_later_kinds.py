"""The notifier's later rules, pure: decisions told only with the notice, the collection ladder, the experts'
capped ladder, re-review rounds, the embargo, unsubscribe tokens, the digest."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from contracts.events import PublicNoticeOpened, list_key
from services.notify.domain import (
    Application, Digest, Nomination, Notice, Rereview, UnitStanding, collection_reminders,
    decision_notices, digest_notices, expert_reminders, held_until, is_optional, still_due, token_matches,
    unsubscribe_token, window_of,
)
from tests.support.events import CAMPAIGN, SECRETARIAT

BJ = timezone(timedelta(hours=8))
AT = datetime(2022, 12, 20, 9, 0, tzinfo=BJ)


def test_a_notice_tells_those_on_it_and_those_decided_not_selected_but_not_in_an_omitted_domain():
    opened = PublicNoticeOpened(occurred_at=AT, campaign="kczg-2022", key=list_key("kczg-2022", "leading_tech"),
                                actor=SECRETARIAT, notice_id=uuid.uuid4(), list_code="leading_tech", opens_at=AT,
                                closes_at=AT + timedelta(days=8), nominations=(uuid.uuid4(),),
                                omitted=({"domain": "biomedicine", "reason": "延期"},))
    window = window_of(opened)
    assert window.omitted == ("biomedicine",)
    out = Nomination("n-out", "kczg-2022", "u", list_code="leading_tech", domain="electronic_info", selected=False)
    held = Nomination("n-held", "kczg-2022", "u", list_code="leading_tech", domain="biomedicine", selected=False)
    found = decision_notices(window, [str(opened.nominations[0])], [out, held], AT)
    assert [(n.subject, n.kind) for n in found] == [(str(opened.nominations[0]), "decision_selected"),
                                                    ("n-out", "decision_not_selected")]
    assert found[0].recipient == f"nomination:kczg-2022:{opened.nominations[0]}"


def test_units_are_reminded_7_and_1_days_before_collection_closes_only_with_something_open():
    closes = CAMPAIGN.timeline.submission_closes_at
    standings = [UnitStanding("busy", 1, 0), UnitStanding("room", 0, 3), UnitStanding("done", 0, 0)]
    assert collection_reminders(CAMPAIGN, closes - timedelta(days=7, seconds=1), standings) == []
    week = collection_reminders(CAMPAIGN, closes - timedelta(days=6), standings)
    assert [(n.recipient, n.round) for n in week] == [("unit:kczg-2022:busy", 7), ("unit:kczg-2022:room", 7)]
    assert [n.round for n in collection_reminders(CAMPAIGN, closes - timedelta(hours=2), standings)] == [1, 1]
    assert collection_reminders(CAMPAIGN, closes, standings) == []
    # At send time: a unit that has since answered and filled its quota is not reminded.
    assert still_due(week[0], UnitStanding("busy", 0, 0), closes - timedelta(days=5)) == "nothing_outstanding"
    assert still_due(week[0], UnitStanding("busy", 1, 0), closes) == "past_deadline"


def test_experts_are_reminded_on_the_ladder_up_to_the_cap():
    due = CAMPAIGN.timeline.prelim_due_at
    seats = {("e1", "kczg-2022:leading_tech:biomedicine")}
    first = expert_reminders(CAMPAIGN, due - timedelta(days=6), seats, {})
    assert [(n.recipient, n.round, n.facts["domain"]) for n in first] == [("expert:kczg-2022:e1", 7, "biomedicine")]
    assert expert_reminders(CAMPAIGN, due - timedelta(hours=5), seats, {("e1", next(iter(seats))[1]): 2}) == []
    assert [n.round for n in expert_reminders(CAMPAIGN, due - timedelta(hours=5), seats,
                                              {("e1", next(iter(seats))[1]): 1})] == [1]


def test_a_re_review_request_is_not_sent_once_rescored_or_closed_and_a_return_once_resent():
    ask = Notice("expert:kczg-2022:e1", "n1", "re_review", 1, "kczg-2022", AT)
    assert still_due(ask, Rereview("n1", "e1", "甲", False, False)) is None
    assert still_due(ask, Rereview("n1", "e1", "甲", False, True)) == "already_rescored"
    assert still_due(ask, Rereview("n1", "e1", "甲", True, False)) == "re_review_closed"
    back = Notice("applicant:a1", "a1", "application_returned", 1, "kczg-2022", AT)
    assert still_due(back, Application("a1", "u", "甲", 1)) is None
    assert still_due(back, Application("a1", "u", "甲", 2)) == "already_resent"


def test_an_embargoed_release_waits_for_its_instant_and_ages_from_it():
    public = AT + timedelta(days=60)
    told = Notice("unit:kczg-2022:u", "n1", "released", 1, "kczg-2022", AT, {"not_before": public.isoformat()})
    assert held_until(told, AT) == public and held_until(told, public) is None
    assert still_due(told, Nomination("n1", "kczg-2022", "u", title="甲"), public, timedelta(days=30)) is None


def test_only_optional_kinds_may_be_unsubscribed_and_the_token_binds_recipient_and_kind():
    assert is_optional("expert_reminder") and not is_optional("nomination_received")
    token = unsubscribe_token(b"k", "unit:c:u", "collection_deadline")
    assert token_matches(b"k", "unit:c:u", "collection_deadline", token)
    assert not token_matches(b"k", "unit:c:v", "collection_deadline", token)
    assert not token_matches(b"other", "unit:c:u", "collection_deadline", token)


def test_the_digest_is_made_once_a_day_when_there_is_something_to_report():
    day = datetime(2022, 12, 2, 0, 30, tzinfo=timezone.utc)  # 08:30 Beijing
    assert digest_notices("kczg-2022", day, Digest((), (), ())) == []
    (made,) = digest_notices("kczg-2022", day, Digest((), (), ("x@y.cn",)))
    assert (made.kind, made.round) == ("secretariat_digest", 20221202)
    assert still_due(made, Digest((), (), ())) == "nothing_to_report"


def test_a_plan_receipt_tells_the_filing_body_once_and_is_duty_mail():
    from contracts.events import Actor, PlanAcknowledged, PlanReturned, target_key
    from services.notify.domain import Acknowledged, receipt_notices

    body = "cast_advanced_materials_consortium"
    on = dict(occurred_at=AT, campaign=CAMPAIGN.code, key=target_key(CAMPAIGN.code, "leading_tech", "advanced_materials"),
              actor=Actor(role="secretariat", id="kczg_secretariat"), body_code=body, list_code="leading_tech",
              domain="advanced_materials", plan_event_id=uuid.UUID(int=7))
    back, ok = PlanReturned(**on, reasons=("名单须增补",)), PlanAcknowledged(**on, note="已收悉")
    (told_back,), (told_ok,) = receipt_notices(back), receipt_notices(ok)
    assert told_back == Notice(f"body:{CAMPAIGN.code}:{body}", str(back.event_id), "plan_returned", 1, CAMPAIGN.code,
                               AT, {"body_code": body, "list_code": "leading_tech", "domain": "advanced_materials",
                                    "target": on["key"], "plan_event_id": str(uuid.UUID(int=7)),
                                    "reasons": ["名单须增补"]})
    assert (told_ok.kind, told_ok.subject, told_ok.facts["note"]) == ("plan_acknowledged", str(ok.event_id), "已收悉")
    assert not is_optional("plan_returned") and not is_optional("plan_acknowledged")
    assert still_due(told_back, Acknowledged(told_back.subject), AT) is None
