"""Returns for correction (退回补正) against the real broker and database, through the four services' APIs:
the secretariat returns a nomination with reasons and a correction deadline; its unit amends it after
the campaign deadline and resubmits it; it goes back to screening and passes. Another is returned and
not resubmitted in time: the late amendment and resubmission are refused naming the date, and the
screening can then only fail it. The unit reads each outcome, with its reasons, in Chinese, from the
intake. Every refusal is a 4xx problem+json with a Chinese detail that puts nothing on the log."""

from __future__ import annotations

from datetime import datetime

from contracts.events import NominationResubmitted, NominationReturned, NominationScreened
from contracts.topics import NOMINATIONS
from tests.support.events import open_campaign
from tests.support.intake import Keys, OffsetWatch, events_of, nomination_body, wait_for
from tests.support.kafka import read_topic
from tests.support.review import IN_REVIEW
from tests.support.world import C, all_in_process, fetch, headers, ok, rows_are, secretariat

CHINESE = range(0x4E00, 0xA000)
AFTER_DUE = datetime.fromisoformat("2022-11-12T10:00:00+08:00")  # N2's correction period (to 11-11 24:00) over


async def refused(client, watch, method: str, url: str, who: dict, status: int, code: str, **kw) -> dict:
    before = await watch.ends()
    r = await client.request(method, url, headers=who, **kw)
    assert (r.status_code, r.json().get("code")) == (status, code), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any(ord(ch) in CHINESE for ch in r.json()["detail"]), r.text
    assert await watch.ends() == before, "a refusal put something on the log"
    return r.json()


async def screening_shown(s, unit: dict, nomination_id: str, state: str) -> dict:
    """The unit's read of its nomination, once the intake's view shows the screening `state`."""
    async def shown():
        r = ok(await s.intake.get(f"/v1/nominations/{nomination_id}", headers=unit))
        return r if (r["screening"] or {}).get("state") == state else None
    return await wait_for(shown, timeout_s=60)


async def queue_state(nomination_id: str, state: str) -> None:
    await rows_are("SELECT screening_state FROM review_views.nominations WHERE nomination_id = $1", state,
                   nomination_id)


async def test_a_returned_nomination_is_corrected_after_the_deadline_resubmitted_and_screened_again(env, tmp_path):
    async with all_in_process(Keys(tmp_path)) as s:
        await open_campaign()
        ok(await s.quota.post(f"/v1/campaigns/{C}/units", json={"unit_id": "unit-a", "name": "测试推荐单位unit-a",
                                                                 "channels": ["provincial_cast"]}, headers=secretariat(s)))
        await rows_are("SELECT count(*) FROM intake.units", 1)
        unit, sec = headers(s, "unit", "unit-a"), secretariat(s)
        n1, n2 = [ok(await s.intake.post("/v1/nominations", headers=unit, json=nomination_body(
            technology_name=f"待补正技术{i}")))["nomination_id"] for i in (1, 2)]
        await rows_are("SELECT count(*) FROM review_views.nominations WHERE quota_outcome = 'reserved'", 2)
        s.clocks["intake"].at = IN_REVIEW  # the campaign's submissions closed on 10-31
        reasons = ["推荐表缺少推荐单位盖章页。"]

        async with OffsetWatch() as watch:
            # Only the secretariat returns; a return needs reasons and a deadline ahead.
            await refused(s.review, watch, "POST", f"/v1/review/nominations/{n1}/return", unit, 403,
                          "role_not_allowed", json={"reasons": reasons, "correction_due": "2022-11-15"})
            await refused(s.review, watch, "POST", f"/v1/review/nominations/{n1}/return", sec, 422,
                          "reasons_required", json={"reasons": [" "], "correction_due": "2022-11-15"})
            past = await refused(s.review, watch, "POST", f"/v1/review/nominations/{n1}/return", sec, 422,
                                 "correction_due_past", json={"reasons": reasons, "correction_due": "2022-11-09"})
            assert past["detail"] == "补正期限（2022年11月9日24:00（北京时间））须晚于当前时间。"
            # Not returned: the campaign's deadline holds, and there is nothing to resubmit.
            await refused(s.intake, watch, "PUT", f"/v1/nominations/{n1}", unit, 422, "submission_closed",
                          json={"form": {"maturity_stage": "pilot"}})
            await refused(s.intake, watch, "POST", f"/v1/nominations/{n1}/resubmit", unit, 409, "not_returned")

        # The secretariat returns N1 until 11-15 (24:00 Beijing time); the same return again changes nothing.
        body = {"reasons": reasons, "correction_due": "2022-11-15"}
        returned = ok(await s.review.post(f"/v1/review/nominations/{n1}/return", json=body, headers=sec), 201)
        assert (returned["outcome"], returned["round"], returned["correction_due_at"]) == (
            "returned", 1, "2022-11-16T00:00:00+08:00")
        again = ok(await s.review.post(f"/v1/review/nominations/{n1}/return", json=body, headers=sec), 200)
        assert (again["round"], again["event_id"]) == (1, None)
        (event,) = events_of(await read_topic(NOMINATIONS.name), NominationReturned)
        assert (str(event.nomination_id), event.reasons, event.round, event.key, event.correction_due_at) == (
            n1, tuple(reasons), 1, f"{C}:unit-a", datetime.fromisoformat("2022-11-16T00:00:00+08:00"))
        async with OffsetWatch() as watch:
            await refused(s.review, watch, "POST", f"/v1/review/nominations/{n1}/return", sec, 409, "already_returned",
                          json={**body, "correction_due": "2022-11-20"})
            await refused(s.review, watch, "POST", f"/v1/review/nominations/{n1}/screening", sec, 409,
                          "awaiting_correction", json={"passed": True})

        # The unit reads the return, its reasons and deadline, in Chinese; the secretariat's queue shows it.
        shown = await screening_shown(s, unit, n1, "returned")
        assert shown["screening"] == {
            "state": "returned", "reasons": reasons, "correction_due_at": "2022-11-16T00:00:00+08:00",
            "message": "形式审查退回补正：推荐表缺少推荐单位盖章页。请在2022年11月15日24:00（北京时间）前修改并重新提交，逾期不再受理。"}
        await queue_state(n1, "returned")
        queue = ok(await s.review.get(f"/v1/review/campaigns/{C}/screening?status=returned", headers=sec))
        assert [(i["nomination_id"], i["correction_due_at"]) for i in queue["items"]] == [
            (n1, "2022-11-16T00:00:00+08:00")]
        assert queue["by_state"] == {"pending": 1, "passed": 0, "failed": 0, "returned": 1}

        # After the campaign's deadline the unit corrects the form (not the list or domain) and resubmits.
        async with OffsetWatch() as watch:
            await refused(s.intake, watch, "PUT", f"/v1/nominations/{n1}", unit, 422, "correction_keeps_target",
                          json={"domain": "biomedicine", "form": {"maturity_stage": "pilot"}})
            await refused(s.intake, watch, "PUT", f"/v1/nominations/{n1}", headers(s, "unit", "unit-b"), 404,
                          "nomination_not_found", json={"form": {"maturity_stage": "pilot"}})
        corrected = {**nomination_body(technology_name="待补正技术1")["form"], "maturity_stage": "pilot"}
        amended = ok(await s.intake.put(f"/v1/nominations/{n1}", headers=unit, json={"form": corrected}))
        assert (amended["status"], amended["revision"]) == ("amended", 2)
        resubmitted = ok(await s.intake.post(f"/v1/nominations/{n1}/resubmit", headers=unit))
        assert (resubmitted["status"], resubmitted["revision"], resubmitted["round"]) == ("resubmitted", 2, 1)
        (event,) = events_of(await read_topic(NOMINATIONS.name), NominationResubmitted)
        assert (str(event.nomination_id), event.round, event.revision) == (n1, 1, 2)
        async with OffsetWatch() as watch:
            await refused(s.intake, watch, "POST", f"/v1/nominations/{n1}/resubmit", unit, 409, "not_returned")
            await refused(s.intake, watch, "PUT", f"/v1/nominations/{n1}", unit, 422, "submission_closed",
                          json={"form": {**corrected, "maturity_stage": "industrialised"}})
        shown = await screening_shown(s, unit, n1, "resubmitted")
        assert shown["screening"]["message"] == \
            "已按退回补正意见重新提交，等待形式审查（退回理由：推荐表缺少推荐单位盖章页）。"

        # Back in screening: it passes, and the unit reads so (the return and the pass share one instant on the
        # fixed clock: the views order a verdict after a return, never by time alone).
        await queue_state(n1, "pending")
        ok(await s.review.post(f"/v1/review/nominations/{n1}/screening", json={"passed": True}, headers=sec), 201)
        shown = await screening_shown(s, unit, n1, "passed")
        assert shown["screening"] == {"state": "passed", "reasons": [], "correction_due_at": None,
                                      "message": "形式审查通过。"}

        # N2 is returned until 11-11 and not resubmitted in time.
        ok(await s.review.post(f"/v1/review/nominations/{n2}/return", headers=sec,
                               json={"reasons": ["缺少知识产权证明材料。"], "correction_due": "2022-11-11"}), 201)
        await screening_shown(s, unit, n2, "returned")
        s.clocks["intake"].at = s.clocks["review"].at = AFTER_DUE
        async with OffsetWatch() as watch:
            late = await refused(s.intake, watch, "POST", f"/v1/nominations/{n2}/resubmit", unit, 422,
                                 "correction_closed")
            assert late["detail"] == "该推荐的补正期限已于2022年11月11日24:00（北京时间）截止，不再受理修改或重新提交。"
            await refused(s.intake, watch, "PUT", f"/v1/nominations/{n2}", unit, 422, "correction_closed",
                          json={"form": {"maturity_stage": "pilot"}})
            # What was returned and never corrected cannot pass; it fails with the screening's reasons.
            await refused(s.review, watch, "POST", f"/v1/review/nominations/{n2}/screening", sec, 409,
                          "correction_not_resubmitted", json={"passed": True})
        ok(await s.review.post(f"/v1/review/nominations/{n2}/screening", headers=sec,
                               json={"passed": False, "reasons": ["逾期未补正。"]}), 201)
        shown = await screening_shown(s, unit, n2, "failed")
        assert shown["screening"] == {"state": "failed", "reasons": ["逾期未补正。"], "correction_due_at": None,
                                      "message": "形式审查未通过：逾期未补正。"}
        # The quota slot is freed, and the release says why, in the screening's words.
        async def released():
            r = ok(await s.intake.get(f"/v1/nominations/{n2}", headers=unit))
            return r if r["status"] == "released" else None
        gone = await wait_for(released, timeout_s=60)
        assert (gone["reason"], gone["message"]) == ("screened_out", "形式审查未通过：逾期未补正。")
        verdicts = events_of(await read_topic(NOMINATIONS.name), NominationScreened)
        assert [(str(e.nomination_id), e.passed) for e in verdicts] == [(n1, True), (n2, False)]
        rows = await fetch("SELECT nomination_id::text AS n, screening FROM intake.nomination_status")
        assert {r["n"]: r["screening"] for r in rows} == {n1: "passed", n2: "failed"}
