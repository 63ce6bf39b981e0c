"""A unit's direct nomination, amendment and withdrawal against the real broker and database."""

from __future__ import annotations

from datetime import UTC

from contracts.events import NominationAmended, NominationSubmitted, NominationWithdrawn
from contracts.topics import NOMINATIONS
from services.intake.examples import example_form
from tests.support.intake import events_of
from tests.support.intake import nomination_body as nomination
from tests.support.kafka import read_topic


async def test_submit_amend_withdraw_emit_their_events_in_order(intake):
    unit_a = intake.keys.headers("unit", "unit-a")
    # The unit nominates a technology.
    r = await intake.post("/v1/nominations", json=nomination(), headers=unit_a)
    assert r.status_code == 202, r.text
    nid = r.json()["nomination_id"]
    # It amends the maturity stage: revision 2 with a field-level diff.
    amended = example_form("leading_tech", maturity_stage="pilot")
    r = await intake.put(f"/v1/nominations/{nid}", json={"form": amended}, headers=unit_a)
    assert r.status_code == 200, r.text
    assert r.json()["revision"] == 2
    assert r.json()["diff"] == {"maturity_stage": ["industrialisation", "pilot"]}
    # It withdraws it with a reason.
    r = await intake.post(f"/v1/nominations/{nid}/withdraw", json={"reason": "材料需补充"}, headers=unit_a)
    assert r.status_code == 200, r.text
    # The unit's view shows it withdrawn.
    r = await intake.get(f"/v1/nominations/{nid}", headers=unit_a)
    assert r.json()["status"] == "withdrawn" and r.json()["revision"] == 2

    events = events_of(await read_topic(NOMINATIONS.name), NominationSubmitted, NominationAmended,
                       NominationWithdrawn)
    assert [type(e).__name__ for e in events] == ["NominationSubmitted", "NominationAmended", "NominationWithdrawn"]
    submitted, amend, withdrawn = events
    assert submitted.unit_id == "unit-a" and submitted.actor.role == "unit" and submitted.opinion == "同意推荐。"
    assert submitted.form["recommending_opinion"] == "同意推荐。"
    assert amend.diff == {"maturity_stage": ("industrialisation", "pilot")} and amend.revision == 2
    assert withdrawn.reason == "材料需补充"


async def test_separately_organised_list_takes_nominations_only_from_its_review_body(intake):
    body = {"campaign": "kczg-2022", "list_code": "open_source", "form": example_form("open_source")}
    # A recommending unit cannot nominate to 开源创新榜: it is organised separately.
    r = await intake.post("/v1/nominations", json=body, headers=intake.keys.headers("unit", "unit-a"))
    assert r.status_code == 403 and r.json()["code"] == "separately_organised"
    assert "另行组织" in r.json()["detail"]
    # Neither can another list's review body.
    r = await intake.post("/v1/nominations", json=body, headers=intake.keys.headers("review_body", "cistc"))
    assert r.status_code == 403 and r.json()["code"] == "separately_organised"
    # Its own body can, without an opinion (no channel quota).
    r = await intake.post("/v1/nominations", json=body,
                          headers=intake.keys.headers("review_body", "kczg_open_source_consortium"))
    assert r.status_code == 202, r.text
    submitted = events_of(await read_topic(NOMINATIONS.name), NominationSubmitted)
    assert [(e.unit_id, e.actor.role, e.list_code) for e in submitted] == [
        ("kczg_open_source_consortium", "review_body", "open_source")]


async def test_opinion_is_required_for_lists_with_channel_quotas(intake):
    body = nomination(opinion=None)
    body["form"].pop("recommending_opinion")
    r = await intake.post("/v1/nominations", json=body, headers=intake.keys.headers("unit", "unit-a"))
    assert r.status_code == 422 and r.json()["code"] == "opinion_required"
    assert r.json()["errors"][0]["field"] == "opinion"


async def test_founding_date_outside_the_campaign_window_fails_with_the_rules_reason(intake):
    body = {"campaign": "kczg-2022", "list_code": "emerging_enterprise", "opinion": "同意推荐。",
            "form": example_form("emerging_enterprise", founded_on="2005-03-01")}
    r = await intake.post("/v1/nominations", json=body, headers=intake.keys.headers("unit", "unit-a"))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "ineligible" and "2012-09-01" in problem["detail"] and "2005-03-01" in problem["detail"]


async def test_live_status_and_quota_use_come_from_the_intakes_own_projection(intake):
    from datetime import datetime

    from contracts.events import Actor, QuotaReserved
    from contracts.topics import QUOTA
    from tests.support.intake import wait_for
    from tests.support.events import publish

    unit_b = intake.keys.headers("unit", "unit-b")
    r = await intake.post("/v1/nominations", json=nomination(), headers=unit_b)
    nid = r.json()["nomination_id"]
    # The quota service's decision arrives on the quota topic.
    await publish((QUOTA, QuotaReserved(
        occurred_at=datetime.now(UTC), campaign="kczg-2022", key="kczg-2022:unit-b",
        actor=Actor(role="system", id="quota"), nomination_id=nid, unit_id="unit-b", list_code="leading_tech",
        domain="advanced_materials", slot=1, limit=6, used=1)))

    async def reserved():
        r = await intake.get(f"/v1/nominations/{nid}", headers=unit_b)
        return r.json() if r.json()["status"] == "reserved" else None

    shown = await wait_for(reserved)
    assert shown["slot"] == 1 and shown["quota_limit"] == 6
    listing = (await intake.get("/v1/nominations", headers=unit_b)).json()
    assert listing["total"] == 1 and listing["items"][0]["status"] == "reserved"
    use = (await intake.get("/v1/quota-use?campaign=kczg-2022", headers=unit_b)).json()
    pool = next(p for p in use["pools"] if p["list_code"] == "leading_tech" and p["domain"] == "advanced_materials")
    # unit-b is in two channels: 3 per domain, stacked to 6.
    assert (pool["limit"], pool["used"], pool["remaining"]) == (6, 1, 5)
    assert next(p for p in use["pools"] if p["list_code"] == "emerging_enterprise")["limit"] == 10
