"""Applicants told the unit's answer (returned with comments, declined with the reason, recommended) at the
contact e-mail given with the application — sealed on the log with its own key like every personal field —
through the real intake, broker, database and mail sink."""

from __future__ import annotations

from contracts.events import ApplicationSaved
from contracts.personal import applicant_contact_id
from contracts.topics import APPLICATIONS
from services.notify.domain import applicant_recipient, message_id
from tests.support.intake import application_body, events_of
from tests.support.kafka import read_topic
from tests.support.notify import address, mail_to, notices, notices_made, notify_in_process


async def test_applicants_hear_the_units_answers_at_their_sealed_contact(intake, tmp_path):
    applicant, unit_a = intake.keys.headers("applicant", "acme-tech"), intake.keys.headers("unit", "unit-a")
    to, other = address("applicant"), address("declined")

    async def application(contact):
        body = application_body() | ({"contact_email": contact} if contact else {})
        r = await intake.post("/v1/applications", json=body, headers=applicant)
        assert r.status_code == 201, r.text
        app_id = r.json()["application_id"]
        assert (await intake.post(f"/v1/applications/{app_id}/send", headers=applicant)).status_code == 200
        return app_id

    r = await intake.post("/v1/applications", json=application_body() | {"contact_email": "不是地址"}, headers=applicant)
    assert r.status_code == 422, r.text
    returned_then_recommended, declined, silent = await application(to), await application(other), await application(None)
    async with notify_in_process(intake.keys, open_campaign_first=False) as notify:
        # Returned with comments, sent again (a second revision), then recommended; another declined.
        r = await intake.post(f"/v1/applications/{returned_then_recommended}/return",
                              json={"comments": "请补充融资情况"}, headers=unit_a)
        assert r.status_code == 200, r.text
        await notices_made(1)
        assert await notify.sender.send_due() == 1  # told before sending it again (once resent, a return is answered)
        await intake.put(f"/v1/applications/{returned_then_recommended}", json=application_body(headcount=90),
                         headers=applicant)
        await intake.post(f"/v1/applications/{returned_then_recommended}/send", headers=applicant)
        r = await intake.post(f"/v1/applications/{returned_then_recommended}/recommend", json={"opinion": "同意推荐"},
                              headers=unit_a)
        assert r.status_code == 202, r.text
        await intake.post(f"/v1/applications/{declined}/decline", json={"reason": "不符合本单位推荐条件"}, headers=unit_a)
        await intake.post(f"/v1/applications/{silent}/decline", json={"reason": "材料不全"}, headers=unit_a)
        await notices_made(4 + 1)  # returned, recommended, two declined; the unit's receipt of the nomination
        assert await notify.sender.send_due() == 4
        assert await notify.sender.send_due() == 0

    # On the log the contact is sealed with the application's own key, never in clear.
    saved = events_of(await read_topic(APPLICATIONS.name), ApplicationSaved)
    sealed = [e.contact_email for e in saved if str(e.application_id) == returned_then_recommended]
    assert sealed[0].pid == applicant_contact_id(returned_then_recommended) and sealed[0].clear is None
    assert to not in sealed[0].model_dump_json() and sealed[0].ct
    assert sealed[1] is None  # the second revision gave none: the first address still counts
    assert [e.contact_email for e in saved if str(e.application_id) == silent] == [None]

    recipient = applicant_recipient(returned_then_recommended)
    (back, recommended) = mail_to(to)
    assert back.message_id == message_id(recipient, returned_then_recommended, "application_returned", 1)
    assert back.subject.startswith("【科创中国】申报被退回修改：")
    assert back.text().startswith("申报人：\n\n您报送测试推荐单位unit-a的申报“")
    assert "被退回修改。推荐单位的意见：\n请补充融资情况\n" in back.text()
    assert recommended.message_id == message_id(recipient, returned_then_recommended, "application_recommended", 1)
    assert "已由推荐单位正式推荐" in recommended.text()
    (no,) = mail_to(other)
    assert no.subject.startswith("【科创中国】推荐单位不予推荐：") and "理由：\n不符合本单位推荐条件" in no.text()
    rows = {(r["subject"], r["kind"]): (r["status"], r["result"]) for r in await notices()}
    assert rows[(silent, "application_declined")] == ("unaddressed", "no_contact_email")
