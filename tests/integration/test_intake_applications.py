"""The applicant's stage and the unit's answers, against the real broker and database."""

from __future__ import annotations

from contracts.events import (
    ApplicationDeclined,
    ApplicationReturned,
    ApplicationSaved,
    ApplicationSentToUnit,
    NominationSubmitted,
)
from contracts.topics import APPLICATIONS, NOMINATIONS
from tests.support.intake import application_body, events_of
from tests.support.kafka import read_topic


async def test_draft_send_return_resend_recommend(intake):
    applicant = intake.keys.headers("applicant", "acme-tech")
    unit_a = intake.keys.headers("unit", "unit-a")
    # The applicant saves a draft for 新锐企业榜, addressed to unit-a.
    r = await intake.post("/v1/applications", json=application_body(), headers=applicant)
    assert r.status_code == 201, r.text
    app_id = r.json()["application_id"]
    assert r.json()["status"] == "draft" and r.json()["revision"] == 1
    # Before it is sent, the unit does not see it.
    assert (await intake.get(f"/v1/applications/{app_id}", headers=unit_a)).status_code == 404
    assert (await intake.get("/v1/unit/applications", headers=unit_a)).json()["total"] == 0
    # A second save is a new revision.
    r = await intake.put(f"/v1/applications/{app_id}", json=application_body(headcount=80), headers=applicant)
    assert r.json()["revision"] == 2
    # The applicant sends it; the unit's queue shows it.
    r = await intake.post(f"/v1/applications/{app_id}/send", headers=applicant)
    assert r.status_code == 200 and r.json()["status"] == "sent"
    queue = (await intake.get("/v1/unit/applications", headers=unit_a)).json()
    assert [i["application_id"] for i in queue["items"]] == [app_id]
    # While it is with the unit the applicant cannot change it.
    r = await intake.put(f"/v1/applications/{app_id}", json=application_body(), headers=applicant)
    assert r.status_code == 409 and r.json()["code"] == "wrong_status"
    # The unit returns it with comments; the applicant sees them, edits and sends again.
    r = await intake.post(f"/v1/applications/{app_id}/return", json={"comments": "请补充融资情况"}, headers=unit_a)
    assert r.json()["status"] == "returned"
    mine = (await intake.get(f"/v1/applications/{app_id}", headers=applicant)).json()
    assert mine["status"] == "returned" and mine["comments"] == "请补充融资情况"
    await intake.put(f"/v1/applications/{app_id}", json=application_body(headcount=90), headers=applicant)
    await intake.post(f"/v1/applications/{app_id}/send", headers=applicant)
    # Recommending without an opinion is refused: 新锐企业榜 has channel quotas.
    r = await intake.post(f"/v1/applications/{app_id}/recommend", json={}, headers=unit_a)
    assert r.status_code == 422 and r.json()["code"] == "opinion_required"
    # The unit recommends it with its opinion: that is the nomination.
    r = await intake.post(f"/v1/applications/{app_id}/recommend", json={"opinion": "同意推荐"}, headers=unit_a)
    assert r.status_code == 202, r.text
    nid = r.json()["nomination_id"]
    assert r.json()["status"] == "recommended"
    # Recommending twice is a conflict, not a second nomination.
    r = await intake.post(f"/v1/applications/{app_id}/recommend", json={"opinion": "同意推荐"}, headers=unit_a)
    assert r.status_code == 409
    nomination = (await intake.get(f"/v1/nominations/{nid}", headers=unit_a)).json()
    assert nomination["application_id"] == app_id and nomination["form"]["headcount"] == 90
    assert nomination["opinion"] == "同意推荐"

    app_events = events_of(await read_topic(APPLICATIONS.name))
    assert [type(e).__name__ for e in app_events] == [
        "ApplicationSaved", "ApplicationSaved", "ApplicationSentToUnit", "ApplicationReturned",
        "ApplicationSaved", "ApplicationSentToUnit"]
    assert [e.revision for e in app_events if isinstance(e, ApplicationSaved)] == [1, 2, 3]
    assert all(e.key == "kczg-2022:unit-a" for e in app_events)
    assert isinstance(app_events[3], ApplicationReturned) and app_events[3].actor.role == "unit"
    submitted = events_of(await read_topic(NOMINATIONS.name), NominationSubmitted)
    assert len(submitted) == 1 and str(submitted[0].application_id) == app_id
    assert submitted[0].form["recommending_opinion"] == "同意推荐"


async def test_unit_declines_and_another_unit_sees_nothing(intake):
    applicant = intake.keys.headers("applicant", "acme-tech")
    r = await intake.post("/v1/applications", json=application_body(unit_id="unit-a"), headers=applicant)
    app_id = r.json()["application_id"]
    await intake.post(f"/v1/applications/{app_id}/send", headers=applicant)
    # unit-b neither sees nor can act on an application sent to unit-a.
    unit_b = intake.keys.headers("unit", "unit-b")
    assert (await intake.get(f"/v1/applications/{app_id}", headers=unit_b)).status_code == 404
    r = await intake.post(f"/v1/applications/{app_id}/decline", json={"reason": "x"}, headers=unit_b)
    assert r.status_code == 404 and "unit-a" not in r.text
    # Another applicant cannot read it either.
    other = intake.keys.headers("applicant", "someone-else")
    assert (await intake.get(f"/v1/applications/{app_id}", headers=other)).status_code == 404
    assert (await intake.get("/v1/applications", headers=other)).json()["total"] == 0
    # unit-a declines it with a reason; it is final.
    r = await intake.post(f"/v1/applications/{app_id}/decline", json={"reason": "不符合推荐条件"},
                          headers=intake.keys.headers("unit", "unit-a"))
    assert r.json()["status"] == "declined"
    r = await intake.post(f"/v1/applications/{app_id}/send", headers=applicant)
    assert r.status_code == 409
    declined = events_of(await read_topic(APPLICATIONS.name), ApplicationDeclined)
    assert [e.reason for e in declined] == ["不符合推荐条件"]
    assert len(events_of(await read_topic(APPLICATIONS.name), ApplicationSentToUnit)) == 1


async def test_application_to_an_unknown_unit_or_separately_organised_list_is_refused(intake):
    applicant = intake.keys.headers("applicant", "acme-tech")
    r = await intake.post("/v1/applications", json=application_body(unit_id="unit-zzz"), headers=applicant)
    assert r.status_code == 422 and r.json()["code"] == "unknown_unit"
    r = await intake.post("/v1/applications", json=application_body(list_code="open_source"), headers=applicant)
    assert r.status_code == 422 and r.json()["code"] == "separately_organised"
    assert await read_topic(APPLICATIONS.name) == []
