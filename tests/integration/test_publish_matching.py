"""Matching requests (资源对接) against the real broker and database: a requester's request on a listed entry goes
request → triage → consent → introduction → outcome, each step an event keyed by the entry; the holder sees the
requester's organisation and need but never its contact before consenting; each refusal (an entry not listed or
revoked, consent by someone who is not the holder, an outcome before the introduction, a contact read before
consent) is a 4xx with a Chinese message and writes nothing (no record on any topic, no row, no key); a contact
erased with `privacy.erase` reads 已删除; a targeted package (定向推介) selects entries, renders its brochure and
sheet, and the requests filed from it are counted against it in the statistics."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import asyncpg

from contracts.events import (MatchConsented, MatchIntroduced, MatchOutcomeRecorded, MatchRequested, MatchTriaged,
                              PackageSent, entry_key)
from contracts.personal import ERASED, match_contact_id
from contracts.topics import PUBLISH
from eventlog import privacy
from eventlog.settings import database_url
from tests.integration.publish_support import publish_2022  # noqa: F401  (fixture)
from tests.support.intake import OffsetWatch, events_of
from tests.support.kafka import read_topic
from tests.support.publish import AFTER_NOTICE, C, open_notice, release, secretariat

PUB = f"/v1/publish/campaigns/{C}"
CJK = re.compile(r"[\u4e00-\u9fff]")
PARK = "park-hefei"
ASK = {"organisation": "合肥高新区管委会", "kind": "landing", "need": "拟引进该芯片技术在园区建设中试线。",
       "region": "安徽省合肥市", "contact": "招商局王女士 0551-12345678"}
HOLDER_CONTACT = "北京市科协成果转化处 010-87654321"


def as_(client, role: str, org: str) -> dict[str, str]:
    return client.keys.headers(role, org)


async def released(client) -> None:
    """先导技术榜 published (elec_b's holder is unit-b), then bio_a revoked by a correction (version 2)."""
    assert (await open_notice(client, "leading_tech")).status_code == 201
    client.clock.at = AFTER_NOTICE
    assert (await release(client, "leading_tech")).status_code == 201
    client.clock.at = AFTER_NOTICE + timedelta(days=1)
    r = await client.post(f"{PUB}/lists/leading_tech/corrections", headers=secretariat(client.keys), json={
        "reason": "撤销一项", "changes": [{"nomination_id": str(client.facts.bio_a.nomination_id), "revoke": True,
                                       "reason": "经核查存在知识产权纠纷。"}]})
    assert r.status_code == 201, r.text
    client.clock.at = AFTER_NOTICE + timedelta(days=2)


class Nothing:
    """Nothing written: every topic's end offsets, and the matching rows and person keys, as they were."""

    async def __aenter__(self):
        self.watch = await OffsetWatch().__aenter__()
        self.conn = await asyncpg.connect(database_url())
        self.before = (await self.watch.ends(), await self._rows())
        return self

    async def _rows(self):
        return tuple([await self.conn.fetchval(f"SELECT count(*) FROM {t}") for t in (
            "publish.matches", "publish.packages", "privacy.person_keys")] +
            [await self.conn.fetchval("SELECT string_agg(status || coalesce(outcome, ''), ',' ORDER BY match_id) "
                                      "FROM publish.matches")])

    async def __aexit__(self, *exc):
        try:
            if exc[0] is None:
                assert (await self.watch.ends(), await self._rows()) == self.before, "a refusal wrote something"
        finally:
            await self.conn.close()
            await self.watch.__aexit__(*exc)


def refused(r, status: int, code: str) -> None:
    assert r.status_code == status and r.json()["code"] == code, r.text
    assert r.headers["content-type"].startswith("application/problem+json") and CJK.search(r.json()["detail"]), r.text


async def test_a_request_goes_from_triage_through_consent_and_introduction_to_its_outcome(publish_2022):
    client, facts = publish_2022, publish_2022.facts
    await released(client)
    requester, holder, other_unit = as_(client, "requester", PARK), as_(client, "unit", "unit-b"), as_(client, "unit", "unit-a")
    sec, elec_b = secretariat(client.keys), facts.elec_b.nomination_id

    async with Nothing():  # refusals: an entry never listed, one revoked, one unknown
        for nomination in (facts.not_selected.nomination_id, facts.bio_a.nomination_id):
            r = await client.post(f"{PUB}/entries/{nomination}/match-requests", json=ASK, headers=requester)
            refused(r, 404, "entry_not_listed")
            assert "未上榜或已撤销" in r.json()["detail"]
        r = await client.post(f"{PUB}/entries/{elec_b}/match-requests", json=ASK, headers=holder)
        refused(r, 403, "role_not_allowed")  # only a requester files
        r = await client.post(f"{PUB}/entries/{elec_b}/match-requests", json={**ASK, "need": "  "}, headers=requester)
        refused(r, 422, "invalid_match_request")

    r = await client.post(f"{PUB}/entries/{elec_b}/match-requests", json=ASK, headers=requester)
    assert r.status_code == 201, r.text
    match_id = r.json()["match_id"]
    (requested,) = events_of(await read_topic(PUBLISH.name), MatchRequested)
    assert (requested.key, requested.holder_unit, requested.requester, requested.kind) == (
        entry_key(C, elec_b), "unit-b", PARK, "landing")
    assert requested.contact.pid == match_contact_id(requested.match_id, "requester")
    raw = b"".join(await read_topic(PUBLISH.name))
    assert ASK["contact"].encode() not in raw  # sealed on the log

    # The holder is not asked before the secretariat accepts: it does not see the request yet.
    assert (await client.get(f"{PUB}/match-requests", headers=holder)).json()["requests"] == []
    mine = (await client.get(f"{PUB}/match-requests", headers=requester)).json()["requests"]
    assert [(m["match_id"], m["status"], m["status_name"]) for m in mine] == [(match_id, "requested", "待秘书处审核")]
    async with Nothing():
        r = await client.post(f"{PUB}/match-requests/{match_id}/triage", json={"accepted": False}, headers=sec)
        refused(r, 422, "decline_reason_required")
        r = await client.post(f"{PUB}/match-requests/{match_id}/consent",
                              json={"consent": True, "contact": HOLDER_CONTACT}, headers=holder)
        refused(r, 404, "match_not_found")  # not yet the holder's to answer

    r = await client.post(f"{PUB}/match-requests/{match_id}/triage", json={"accepted": True}, headers=sec)
    assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    # The holder sees the requester's organisation and need, never the contact.
    (seen,) = (await client.get(f"{PUB}/match-requests", headers=holder)).json()["requests"]
    assert (seen["organisation"], seen["need"], seen["kind_name"]) == (ASK["organisation"], ASK["need"], "落地")
    assert ASK["contact"] not in str(seen) and "contact" not in seen

    async with Nothing():  # consent by someone who is not the holder; an outcome and a contact before consent
        r = await client.post(f"{PUB}/match-requests/{match_id}/consent",
                              json={"consent": True, "contact": HOLDER_CONTACT}, headers=other_unit)
        refused(r, 404, "match_not_found")
        r = await client.post(f"{PUB}/match-requests/{match_id}/consent",
                              json={"consent": True, "contact": HOLDER_CONTACT}, headers=requester)
        refused(r, 403, "role_not_allowed")
        r = await client.post(f"{PUB}/match-requests/{match_id}/outcomes", json={"outcome": "signed"}, headers=requester)
        refused(r, 409, "not_introduced")
        for who in (holder, requester):
            r = await client.get(f"{PUB}/match-requests/{match_id}/contacts", headers=who)
            refused(r, 403, "contact_before_consent")
        r = await client.post(f"{PUB}/match-requests/{match_id}/consent", json={"consent": True}, headers=holder)
        refused(r, 422, "invalid_match_request")  # a consent gives the holder's contact

    r = await client.post(f"{PUB}/match-requests/{match_id}/consent",
                          json={"consent": True, "contact": HOLDER_CONTACT}, headers=holder)
    assert r.status_code == 200 and r.json()["status"] == "introduced", r.text
    assert [e["type"] for e in r.json()["events"]] == ["MatchConsented", "MatchIntroduced"]
    # Introduced: each side gets the other's contact; the secretariat both.
    r = await client.get(f"{PUB}/match-requests/{match_id}/contacts", headers=holder)
    assert r.json()["contacts"] == {"requester": ASK["contact"]}, r.text
    r = await client.get(f"{PUB}/match-requests/{match_id}/contacts", headers=requester)
    assert r.json()["contacts"] == {"holder": HOLDER_CONTACT}, r.text
    r = await client.get(f"{PUB}/match-requests/{match_id}/contacts", headers=sec)
    assert r.json()["contacts"] == {"requester": ASK["contact"], "holder": HOLDER_CONTACT}
    # Outcomes over time: the latest counts.
    for who, outcome in ((requester, "negotiating"), (holder, "signed"), (sec, "landed")):
        r = await client.post(f"{PUB}/match-requests/{match_id}/outcomes", json={"outcome": outcome}, headers=who)
        assert r.status_code == 200 and r.json()["status"] == f"outcome_{outcome}", r.text
    r = await client.get(f"{PUB}/match-requests/{match_id}", headers=requester)
    assert (r.json()["status"], r.json()["status_name"], r.json()["outcome_name"]) == ("outcome_landed", "落地", "落地")

    on_log = events_of(await read_topic(PUBLISH.name), MatchRequested, MatchTriaged, MatchConsented,
                       MatchIntroduced, MatchOutcomeRecorded)
    assert [type(e).__name__ for e in on_log] == ["MatchRequested", "MatchTriaged", "MatchConsented", "MatchIntroduced",
                                                  "MatchOutcomeRecorded", "MatchOutcomeRecorded", "MatchOutcomeRecorded"]
    assert {e.key for e in on_log} == {entry_key(C, elec_b)}
    assert [e.actor.role for e in on_log] == ["requester", "secretariat", "unit", "unit", "requester", "unit",
                                              "secretariat"]

    # A second request, declined at triage with a coded reason: the holder never sees it.
    r = await client.post(f"{PUB}/entries/{facts.elec_a.nomination_id}/match-requests",
                          json={**ASK, "kind": "investment"}, headers=requester)
    declined = r.json()["match_id"]
    r = await client.post(f"{PUB}/match-requests/{declined}/triage",
                          json={"accepted": False, "reason": "too_early", "note": "尚在实验室阶段。"}, headers=sec)
    assert r.status_code == 200 and r.json()["status"] == "declined", r.text
    assert (await client.get(f"{PUB}/match-requests", headers=as_(client, "unit", "unit-a"))).json()["requests"] == []
    r = await client.get(f"{PUB}/match-requests/{declined}", headers=requester)
    assert (r.json()["decline_reason"], r.json()["decline_reason_name"]) == ("too_early", "时机尚早")
    # Another requester sees neither.
    assert (await client.get(f"{PUB}/match-requests", headers=as_(client, "requester", "other-org"))).json()[
        "requests"] == []
    refused(await client.get(f"{PUB}/match-requests/{match_id}", headers=as_(client, "requester", "other-org")),
            404, "match_not_found")

    # The statistics (public): by kind and outcome.
    stats = (await client.get(f"{PUB}/match-statistics")).json()
    assert (stats["requests"], stats["introduced"]) == (2, 1)
    assert stats["by_kind"] == {"tech_cooperation": 0, "investment": 1, "procurement": 0, "landing": 1, "talent": 0}
    assert stats["by_outcome"] == {"negotiating": 0, "signed": 0, "landed": 1, "failed": 0}
    assert stats["by_kind_outcome"]["landing"]["landed"] == 1 and stats["by_status"]["declined"] == 1
    # The year's public statistics page shows the same counts: one row per kind, its requests then each outcome.
    page = (await client.get(f"/campaigns/{C}/statistics")).text
    assert "对接请求共 2 项，其中已对接 1 项；落地 1 项，签约 0 项。" in page
    row = page.split('<table id="match-by-kind">')[1].split("<th scope=\"row\">落地</th>")[1].split("</tr>")[0]
    assert re.findall(r'<td class="number">(\d+)</td>', row) == ["1", "0", "0", "1", "0"]

    # The requester's contact erased (`kczg privacy erase match_contact:<id>:requester`): it reads 已删除.
    conn = await asyncpg.connect(database_url())
    try:
        assert await privacy.erase(conn, match_contact_id(requested.match_id, "requester"), "request", AFTER_NOTICE)
    finally:
        await conn.close()
    r = await client.get(f"{PUB}/match-requests/{match_id}/contacts", headers=holder)
    assert r.json()["contacts"] == {"requester": ERASED}
    r = await client.get(f"{PUB}/match-requests/{match_id}/contacts", headers=requester)
    assert r.json()["contacts"] == {"holder": HOLDER_CONTACT}


async def test_a_package_selects_entries_renders_its_files_and_counts_its_requests(publish_2022):
    client, facts = publish_2022, publish_2022.facts
    await released(client)
    sec, requester = secretariat(client.keys), as_(client, "requester", PARK)
    async with Nothing():
        r = await client.post(f"{PUB}/packages", json={"audience": "某省园区", "region": "西藏"}, headers=sec)
        refused(r, 422, "package_empty")
        r = await client.post(f"{PUB}/packages", json={"audience": "某省园区"}, headers=requester)
        refused(r, 403, "role_not_allowed")
        r = await client.post(f"{PUB}/entries/{facts.elec_b.nomination_id}/match-requests",
                              json={**ASK, "package_id": "00000000-0000-4000-8000-000000000000"}, headers=requester)
        refused(r, 404, "package_not_found")
    # 北京: the entries recommended by 北京市科学技术协会 (unit-b), as listed now.
    r = await client.post(f"{PUB}/packages", json={"audience": "北京市各试点园区", "addresses": ["parks@example.gov.cn"],
                                                   "list_code": "leading_tech", "region": "北京"}, headers=sec)
    assert r.status_code == 201, r.text
    package_id = r.json()["package_id"]
    assert set(r.json()["entries"]) == {str(facts.elec_b.nomination_id), str(facts.reselected.nomination_id)}
    (sent,) = events_of(await read_topic(PUBLISH.name), PackageSent)
    assert (sent.audience, sent.addresses, sent.region) == ("北京市各试点园区", ("parks@example.gov.cn",), "北京")
    pdf = await client.get(f"{PUB}/packages/{package_id}/brochure.pdf", headers=sec)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.text[:200]
    sheet = await client.get(f"{PUB}/packages/{package_id}/sheet.xlsx", headers=sec)
    assert sheet.status_code == 200 and sheet.content.startswith(b"PK")
    # The audience was mailed the address, not an account: the files answer anyone who holds it, a second later
    # the same bytes (dated by the package, not by the time of printing).
    await asyncio.sleep(1.1)
    anyone = await client.get(f"{PUB}/packages/{package_id}/sheet.xlsx")
    assert anyone.status_code == 200 and anyone.content == sheet.content
    anyone = await client.get(f"{PUB}/packages/{package_id}/brochure.pdf")
    assert anyone.status_code == 200 and anyone.content == pdf.content
    refused(await client.get(f"{PUB}/packages/00000000-0000-4000-8000-000000000000/sheet.xlsx"), 404,
            "package_not_found")
    # Two requests from the package, one not: the package counts its two.
    for nomination, package in ((facts.elec_b, package_id), (facts.reselected, package_id), (facts.elec_a, None)):
        r = await client.post(f"{PUB}/entries/{nomination.nomination_id}/match-requests",
                              json={**ASK, "package_id": package}, headers=requester)
        assert r.status_code == 201, r.text
    (counted,) = (await client.get(f"{PUB}/packages", headers=sec)).json()["packages"]
    assert (counted["package_id"], counted["entries"], counted["requests"], counted["introduced"]) == (
        package_id, 2, 2, 0)
    assert (await client.get(f"{PUB}/match-statistics")).json()["packages"][0]["requests"] == 2
