"""People on the log, against the real broker and database through the four services' APIs: a nomination
taken through several steps by two people of one unit and two officers of the secretariat. Every event's
actor names the person who acted (the token's subject) beside the organisation; the quota decision names
the system component. The secretariat reads the nomination's audit — every event, who, when and why, in
order — from the review service, and `kczg audit` prints the same rows; anyone else is refused, and an
unknown nomination is a 404, each a problem+json with a Chinese detail that puts nothing on the log."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

from contracts.events import Actor, NominationReturned, NominationScreened, NominationSubmitted, UnitRegistered
from contracts.topics import NOMINATIONS
from eventlog.verify.projections import verify
from tests.support.events import open_campaign
from tests.support.intake import Keys, OffsetWatch, events_of, nomination_body
from services.review.views import AUDIT
from tests.support.kafka import read_topic
from tests.support.projections import caught_up
from tests.support.review import IN_REVIEW
from tests.support.world import C, all_in_process, headers, ok, rows_are

ROOT = Path(__file__).resolve().parents[2]
CJK = range(0x4E00, 0xA000)
SEC = "kczg_secretariat"


async def kczg(*args: str) -> subprocess.CompletedProcess:
    return await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "kczg.cli", *args], cwd=ROOT,
                                   capture_output=True, text=True, timeout=120)


async def refused(client, watch, url: str, who: dict, status: int, code: str) -> None:
    before = await watch.ends()
    r = await client.get(url, headers=who)
    assert (r.status_code, r.json().get("code")) == (status, code), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any(ord(ch) in CJK for ch in r.json()["detail"]), r.text
    assert await watch.ends() == before, "a refusal put something on the log"


async def test_the_audit_names_each_person_on_the_events_they_caused_in_order(env, tmp_path):
    async with all_in_process(Keys(tmp_path)) as s:
        await open_campaign()
        li, wang = headers(s, "unit", "unit-a", sub="u-li"), headers(s, "unit", "unit-a", sub="u-wang")
        zhao, qian = headers(s, "secretariat", SEC, sub="sec-zhao"), headers(s, "secretariat", SEC, sub="sec-qian")
        # Officer Qian registers unit-a (the quota service's registry names the person too).
        ok(await s.quota.post(f"/v1/campaigns/{C}/units", headers=qian,
                              json={"unit_id": "unit-a", "name": "测试推荐单位unit-a", "channels": ["provincial_cast"]}))
        await rows_are("SELECT count(*) FROM intake.units", 1)
        (registered,) = events_of(await read_topic(NOMINATIONS.name), UnitRegistered)
        assert registered.actor == Actor(role="secretariat", id=SEC, person="sec-qian")

        # Li submits for unit-a; the quota service reserves a slot.
        n = ok(await s.intake.post("/v1/nominations", headers=li, json=nomination_body(
            technology_name="可追溯的碳纤维技术")))["nomination_id"]
        await rows_are("SELECT quota_outcome FROM review_views.nominations WHERE nomination_id = $1", "reserved", n)
        # After the deadline, officer Zhao returns it for correction.
        s.clocks["review"].at = IN_REVIEW
        reasons = ["推荐表缺少推荐单位盖章页。"]
        ok(await s.review.post(f"/v1/review/nominations/{n}/return", headers=zhao,
                               json={"reasons": reasons, "correction_due": "2022-11-15"}), 201)
        await rows_are("SELECT screening_state FROM review_views.nominations WHERE nomination_id = $1", "returned", n)
        # Wang, of the same unit, corrects and resubmits it an hour later.
        s.clocks["intake"].at = IN_REVIEW + timedelta(hours=1)
        corrected = {**nomination_body(technology_name="可追溯的碳纤维技术")["form"], "maturity_stage": "pilot"}
        ok(await s.intake.put(f"/v1/nominations/{n}", headers=wang, json={"form": corrected}))
        ok(await s.intake.post(f"/v1/nominations/{n}/resubmit", headers=wang))
        await rows_are("SELECT screening_state FROM review_views.nominations WHERE nomination_id = $1", "pending", n)
        # Officer Qian, of the same secretariat, passes it the next day.
        s.clocks["review"].at = IN_REVIEW + timedelta(days=1)
        ok(await s.review.post(f"/v1/review/nominations/{n}/screening", headers=qian, json={"passed": True}), 201)

        # On the log, each event names its person beside the organisation.
        on_log = [e for e in events_of(await read_topic(NOMINATIONS.name), NominationSubmitted, NominationReturned,
                                       NominationScreened) if str(e.nomination_id) == n]
        assert [(type(e).__name__, e.actor.id, e.actor.person) for e in on_log] == [
            ("NominationSubmitted", "unit-a", "u-li"), ("NominationReturned", SEC, "sec-zhao"),
            ("NominationScreened", SEC, "sec-qian")]

        # The secretariat's audit: every event, who, when and why, in order.
        expected = [
            ("NominationSubmitted", "unit", "unit-a", "u-li", []),
            ("QuotaReserved", "system", "quota", None, []),
            ("NominationReturned", "secretariat", SEC, "sec-zhao", reasons),
            ("NominationAmended", "unit", "unit-a", "u-wang", []),
            ("NominationResubmitted", "unit", "unit-a", "u-wang", []),
            ("NominationScreened", "secretariat", SEC, "sec-qian", []),
        ]
        await caught_up(AUDIT)
        audit = ok(await s.review.get(f"/v1/review/nominations/{n}/audit", headers=zhao))
        rows = [(e["type"], e["actor"]["role"], e["actor"]["organisation"], e["actor"]["person"], e["reasons"])
                for e in audit["events"]]
        assert (audit["nomination_id"], rows) == (n, expected)
        events = audit["events"]
        assert [e["occurred_at"] for e in events] == [
            "2022-10-15T02:00:00+00:00", "2022-10-15T02:00:00+00:00", "2022-11-10T02:00:00+00:00",
            "2022-11-10T03:00:00+00:00", "2022-11-10T03:00:00+00:00", "2022-11-11T02:00:00+00:00"]
        assert (events[2]["name"], events[2]["facts"]) == (
            "退回补正", {"round": 1, "correction_due_at": "2022-11-16T00:00:00+08:00"})
        assert (events[3]["facts"], events[4]["facts"]) == ({"revision": 2, "changed": ["maturity_stage"]},
                                                            {"round": 1, "revision": 2})
        assert events[5]["facts"] == {"passed": True}
        assert (events[5]["actor"]["role_name"], events[1]["actor"]["role_name"]) == ("秘书处", "系统")

        # Only the secretariat reads it; an unknown nomination is absent; neither changes anything.
        async with OffsetWatch() as watch:
            await refused(s.review, watch, f"/v1/review/nominations/{n}/audit", li, 403, "role_not_allowed")
            await refused(s.review, watch, f"/v1/review/nominations/{uuid4()}/audit", qian, 404, "nomination_not_found")

        # `kczg audit` prints the same rows, and with --json the route's body exactly.
        as_json = await kczg("audit", n, "--json")
        assert as_json.returncode == 0, as_json.stderr
        assert json.loads(as_json.stdout) == audit
        printed = await kczg("audit", n)
        assert printed.returncode == 0, printed.stderr
        lines = [line.split("\t") for line in printed.stdout.splitlines()]
        assert lines[0] == ["时间（北京）", "事件", "角色", "单位", "经办人", "理由"]
        assert [(at, kind, org, person, why) for at, kind, _, org, person, why in lines[1:]] == [
            ("2022-10-15T10:00:00+08:00", "推荐提交（NominationSubmitted）", "unit-a", "u-li", "—"),
            ("2022-10-15T10:00:00+08:00", "占用推荐名额（QuotaReserved）", "quota", "—", "—"),
            ("2022-11-10T10:00:00+08:00", "退回补正（NominationReturned）", SEC, "sec-zhao", reasons[0]),
            ("2022-11-10T11:00:00+08:00", "推荐修改（NominationAmended）", "unit-a", "u-wang", "—"),
            ("2022-11-10T11:00:00+08:00", "补正后重新提交（NominationResubmitted）", "unit-a", "u-wang", "—"),
            ("2022-11-11T10:00:00+08:00", "形式审查结论（NominationScreened）", SEC, "sec-qian", "—")]
        unknown = await kczg("audit", str(uuid4()))
        assert (unknown.returncode, "nomination_not_found" in unknown.stderr) == (1, True)

        # The view is a function of the log: rebuilt aside from offset 0, it has the live rows, places included.
        verified = await verify(AUDIT)
        assert (verified.ok, verified.total) == (True, 0), verified.differences
