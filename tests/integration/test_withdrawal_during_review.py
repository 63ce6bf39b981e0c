"""Withdrawal during the review against the real broker and database, through the four services' APIs: after the
deadline a unit asks to withdraw a nomination (WithdrawalRequested); the secretariat grants one (NominationWithdrawn
by the secretariat: the quota service frees its slot, and it leaves the review) and refuses another
(WithdrawalRefused). The unit reads each request's state from the intake, in Chinese. Every refusal is a 4xx
problem+json with a Chinese detail that puts nothing on the log."""

from __future__ import annotations

from contracts.events import NominationWithdrawn, QuotaReleased, WithdrawalRefused, WithdrawalRequested
from contracts.topics import NOMINATIONS, QUOTA
from tests.integration.test_screening_returns import refused
from tests.support.events import open_campaign
from tests.support.intake import Keys, OffsetWatch, events_of, nomination_body, wait_for
from tests.support.kafka import read_topic
from tests.support.review import IN_REVIEW
from tests.support.world import C, all_in_process, headers, ok, rows_are, secretariat


async def test_a_unit_asks_to_withdraw_and_the_secretariat_grants_one_and_refuses_another(env, tmp_path):
    async with all_in_process(Keys(tmp_path)) as s:
        await open_campaign()
        ok(await s.quota.post(f"/v1/campaigns/{C}/units", json={"unit_id": "unit-a", "name": "测试推荐单位unit-a",
                                                                 "channels": ["provincial_cast"]}, headers=secretariat(s)))
        await rows_are("SELECT count(*) FROM intake.units", 1)
        unit, other, sec = headers(s, "unit", "unit-a", "officer-u"), headers(s, "unit", "unit-b"), secretariat(s)
        n1, n2 = [ok(await s.intake.post("/v1/nominations", headers=unit, json=nomination_body(
            technology_name=f"拟撤回技术{i}")))["nomination_id"] for i in (1, 2)]
        await rows_are("SELECT count(*) FROM review_views.nominations WHERE quota_outcome = 'reserved'", 2)
        ask = {"reason": "该成果已整体转让，申请撤回推荐。"}

        async with OffsetWatch() as watch:
            # Before the deadline the unit withdraws by itself: nothing to ask.
            await refused(s.intake, watch, "POST", f"/v1/nominations/{n1}/withdrawal-request", unit, 409,
                          "withdraw_directly", json=ask)
        s.clocks["intake"].at = IN_REVIEW  # the campaign's submissions closed on 10-31
        async with OffsetWatch() as watch:
            await refused(s.intake, watch, "POST", f"/v1/nominations/{n1}/withdraw", unit, 422, "submission_closed",
                          json=ask)
            await refused(s.intake, watch, "POST", f"/v1/nominations/{n1}/withdrawal-request", unit, 422,
                          "invalid_request", json={"reason": "  "})
            await refused(s.intake, watch, "POST", f"/v1/nominations/{n1}/withdrawal-request", other, 404,
                          "nomination_not_found", json=ask)
            await refused(s.review, watch, "POST", f"/v1/review/nominations/{n1}/withdrawal", sec, 409,
                          "no_withdrawal_request", json={"decision": "grant", "reason": "同意。"})

        for n in (n1, n2):
            asked = ok(await s.intake.post(f"/v1/nominations/{n}/withdrawal-request", headers=unit, json=ask))
            assert (asked["status"], asked["withdrawal"]) == (
                "withdrawal_requested", {"state": "requested", "reason": ask["reason"]})
        requests = events_of(await read_topic(NOMINATIONS.name), WithdrawalRequested)
        assert [(str(e.nomination_id), e.reason, e.key, e.actor.person) for e in requests] == [
            (n1, ask["reason"], f"{C}:unit-a", "officer-u"), (n2, ask["reason"], f"{C}:unit-a", "officer-u")]
        await rows_are("SELECT count(*) FROM review_views.nominations WHERE withdrawal_requested_at IS NOT NULL", 2)
        queue = ok(await s.review.get(f"/v1/review/campaigns/{C}/screening", headers=sec))
        assert sorted((i["nomination_id"], i["withdrawal_request"]["reason"]) for i in queue["items"]) == sorted(
            [(n1, ask["reason"]), (n2, ask["reason"])])
        async with OffsetWatch() as watch:
            await refused(s.intake, watch, "POST", f"/v1/nominations/{n1}/withdrawal-request", unit, 409,
                          "withdrawal_pending", json=ask)
            await refused(s.review, watch, "POST", f"/v1/review/nominations/{n1}/withdrawal", unit, 403,
                          "role_not_allowed", json={"decision": "grant", "reason": "同意。"})
            await refused(s.review, watch, "POST", f"/v1/review/nominations/{n1}/withdrawal", sec, 422,
                          "reason_required", json={"decision": "grant", "reason": " "})
            await refused(s.review, watch, "POST", f"/v1/review/nominations/{n1}/withdrawal", sec, 422,
                          "invalid_request", json={"decision": "maybe", "reason": "同意。"})

        # Granted: withdrawn by the secretariat, the slot freed; the same answer again changes nothing.
        grant = {"decision": "grant", "reason": "经核实，同意撤回。"}
        granted = ok(await s.review.post(f"/v1/review/nominations/{n1}/withdrawal", json=grant, headers=sec), 201)
        assert (granted["decision"], granted["reason"]) == ("grant", "经核实，同意撤回。")
        again = ok(await s.review.post(f"/v1/review/nominations/{n1}/withdrawal", json=grant, headers=sec), 200)
        assert (again["decision"], again["event_id"]) == ("grant", None)
        refuse = {"decision": "refuse", "reason": "该推荐已进入专家评审，撤回理由不充分。"}
        refusal = ok(await s.review.post(f"/v1/review/nominations/{n2}/withdrawal", json=refuse, headers=sec), 201)
        assert refusal["decision"] == "refuse"
        on_log = await read_topic(NOMINATIONS.name)
        (withdrawn,) = events_of(on_log, NominationWithdrawn)
        assert (str(withdrawn.nomination_id), withdrawn.reason, withdrawn.actor.role, withdrawn.key) == (
            n1, "经核实，同意撤回。", "secretariat", f"{C}:unit-a")
        (refused_event,) = events_of(on_log, WithdrawalRefused)
        assert (str(refused_event.nomination_id), refused_event.reason) == (n2, refuse["reason"])
        async with OffsetWatch() as watch:
            await refused(s.review, watch, "POST", f"/v1/review/nominations/{n1}/withdrawal", sec, 409,
                          "withdrawal_answered", json=refuse)

        async def released():
            found = [e for e in events_of(await read_topic(QUOTA.name), QuotaReleased) if str(e.nomination_id) == n1]
            return found or None

        (slot,) = await wait_for(released, timeout_s=60)
        assert slot.reason == "withdrawn"

        # The unit reads each answer; the granted one is withdrawn and out of the review, the refused one asks no more.
        async def shown(n: str, state: str):
            async def read():
                r = ok(await s.intake.get(f"/v1/nominations/{n}", headers=unit))
                return r if (r["withdrawal"] or {}).get("state") == state else None
            return await wait_for(read, timeout_s=60)

        first = await shown(n1, "granted")
        assert (first["status"], first["withdrawal"]) == ("withdrawn", {
            "state": "granted", "reason": ask["reason"], "answer": None, "message": "秘书处已同意撤回：经核实，同意撤回。"})
        second = await shown(n2, "refused")
        assert second["status"] == "reserved" and second["withdrawal"] == {
            "state": "refused", "reason": ask["reason"], "answer": refuse["reason"],
            "message": "秘书处不同意撤回：该推荐已进入专家评审，撤回理由不充分。"}
        await rows_are("SELECT count(*) FROM review_views.nominations WHERE withdrawn_at IS NOT NULL", 1)
        async with OffsetWatch() as watch:
            await refused(s.intake, watch, "POST", f"/v1/nominations/{n2}/withdrawal-request", unit, 409,
                          "withdrawal_refused", json=ask)
            await refused(s.intake, watch, "POST", f"/v1/nominations/{n1}/withdrawal-request", unit, 409,
                          "already_withdrawn", json=ask)
            await refused(s.review, watch, "POST", f"/v1/review/nominations/{n1}/screening", sec, 409, "withdrawn",
                          json={"passed": True})
