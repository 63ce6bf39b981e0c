"""Crypto-shredding against the real broker and database: an objector erased (`kczg privacy erase`) reads
已删除 in every view, page, export and replay, and nothing else changes (every page, answer and release file
compared before and after, the erased person's fields apart); a replay of the state, a projection rebuild and
a release build still pass and still open the other objector; the retention job (`kczg privacy expire`) at the
injectable clock destroys exactly the keys whose retention ran out, and says so."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg

from contracts.events import ObjectionFiled, decode_event
from contracts.personal import ERASED
from contracts.topics import PUBLISH
from eventlog import privacy
from eventlog.settings import database_url
from tests.integration.publish_support import publish_2022  # noqa: F401  (fixture)
from tests.support.intake import wait_for
from tests.support.kafka import read_topic
from tests.support.processes import ROOT
from tests.support.publish import AFTER_NOTICE, C, NOTICE_TIME, objection, open_notice, release, secretariat

ZHANG = {"name": "张三", "organisation": "某某大学", "contact": "zhangsan@example.edu.cn"}
LI = {"name": "李四", "organisation": "某研究所", "contact": "13800000000"}
FILES = ("release.json", "release.csv", "release.xlsx", "release.pdf", "manifest.json")


def kczg(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kczg.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "220", **env}, timeout=300)


async def cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    done = await asyncio.to_thread(kczg, *args, **env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


async def file_two(client) -> tuple[str, str]:
    """The notice of 先导技术榜 opened and 张三 and 李四 objecting: their person ids."""
    r = await open_notice(client, "leading_tech")
    assert r.status_code == 201, r.text
    notice_id = r.json()["notice_id"]
    ids = []
    for who, target in ((ZHANG, client.facts.bio_z), (LI, client.facts.bio_a)):
        filed = await client.post(f"/v1/publish/campaigns/{C}/notices/{notice_id}/objections",
                                  json=objection(target.nomination_id, **who))
        assert filed.status_code == 201, filed.text
        ids.append(f"objector:{filed.json()['objection_id']}")
    return ids[0], ids[1]


async def objections(client) -> list[dict]:
    r = await client.get(f"/v1/publish/campaigns/{C}/objections", headers=secretariat(client.keys))
    assert r.status_code == 200, r.text
    return r.json()["objections"]


async def everything(client) -> dict[str, bytes]:
    """Every page, answer and release file the publish service serves about the campaign."""
    paths = [f"/campaigns/{C}", f"/campaigns/{C}/lists/leading_tech", f"/v1/publish/campaigns/{C}/notices",
             f"/v1/publish/campaigns/{C}/lists",
             *[f"/v1/publish/campaigns/{C}/release/{name}" for name in FILES]]
    notices = (await client.get(f"/v1/publish/campaigns/{C}/notices")).json()
    paths += [f"/campaigns/{C}/notices/{n['notice_id']}" for n in notices.get("notices", [])]
    out = {}
    for path in paths:
        r = await client.get(path)
        assert r.status_code == 200, (path, r.text)
        out[path] = r.content
    for path in (f"/v1/rankings/nominations?campaign={C}", f"/v1/campaigns/{C}/progress",
                 f"/v1/publish/campaigns/{C}/notices"):  # the secretariat's views
        r = await client.get(path, headers=secretariat(client.keys))
        assert r.status_code == 200, (path, r.text)
        out[f"secretariat {path}"] = r.content
    return out


async def replayed() -> dict[str, tuple[str, str]]:
    """Every objection on the log, decoded from offset 0 and opened with the keys the vault holds now."""
    filed = [e for e in map(decode_event, await read_topic(PUBLISH.name)) if isinstance(e, ObjectionFiled)]
    conn = await asyncpg.connect(database_url())
    try:
        keys = await privacy.keys_of(conn, [e.name.pid for e in filed])
    finally:
        await conn.close()
    return {e.name.pid: (privacy.reveal(e.name, keys), privacy.reveal(e.contact, keys)) for e in filed}


async def test_an_erased_objector_reads_erased_everywhere_and_nothing_else_changes(publish_2022, tmp_path):
    client = publish_2022
    zhang, li = await file_two(client)
    for pid in (zhang, li):  # both dismissed, after the close the list is released
        objection_id = pid.split(":", 1)[1]
        r = await client.post(f"/v1/publish/campaigns/{C}/objections/{objection_id}/resolution",
                              json={"upheld": False, "note": "经核实不成立"}, headers=secretariat(client.keys))
        assert r.status_code == 200, r.text
    client.clock.at = AFTER_NOTICE
    r = await release(client, "leading_tech")
    assert r.status_code == 201, r.text

    async def released():
        r = await client.get(f"/v1/publish/campaigns/{C}/release/manifest.json")
        return r.status_code == 200 and r.json()["versions"] == {"leading_tech": 1}

    await wait_for(released)
    listed_before, served_before = await objections(client), await everything(client)
    assert sorted((o["name"], o["contact"]) for o in listed_before) == [("张三", ZHANG["contact"]), ("李四", LI["contact"])]
    assert await replayed() == {zhang: ("张三", ZHANG["contact"]), li: ("李四", LI["contact"])}

    # 张三 asks to be erased.
    done = await cli("privacy", "erase", zhang, "--why", "PIPL-47 request 1")
    assert done.stdout.strip() == f"erased {zhang}: key destroyed"

    # The secretariat's list: 张三's name and contact 已删除; every other field of every objection as it was.
    erased = [{**o, "name": ERASED, "contact": ERASED} if o["name"] == "张三" else o for o in listed_before]
    assert await objections(client) == erased
    # Every page, answer and release file byte for byte as before (none ever showed an objector).
    assert await everything(client) == served_before
    # A replay of the log opens 李四 and shows 张三 erased.
    assert await replayed() == {zhang: (ERASED, ERASED), li: ("李四", LI["contact"])}

    # The state replayed from the log equals the live state; rebuilt projections and release files likewise.
    assert "identical to a replay of the log" in (await cli("state", "verify", "publish")).stdout
    await cli("projections", "rebuild", "publish.release_facts")
    await cli("projections", "rebuild", "publish.rankings")
    built = tmp_path / "built"
    await cli("release", "build", C, "--out", str(built))
    for name in FILES:
        assert (built / C / name).read_bytes() == served_before[f"/v1/publish/campaigns/{C}/release/{name}"], name
    # After the rebuilds (the service's views caught up with them) 李四 still opens with his key, 张三 stays erased.
    async def as_before():
        return await everything(client) == served_before

    await wait_for(as_before, timeout_s=60)
    assert await objections(client) == erased

    # Erasing again destroys nothing more, and says so.
    again = await cli("privacy", "erase", zhang)
    assert again.stdout.strip() == f"erased {zhang}: no live key (already erased or never held); recorded as erased"


async def test_the_retention_job_erases_exactly_what_expired_at_the_clock(publish_2022):
    client = publish_2022
    zhang, li = await file_two(client)
    # Another campaign's objector (not on this log) keeps its key whatever the job does.
    conn = await asyncpg.connect(database_url())
    try:
        await privacy.key_for(conn, "objector:other-campaign", "demo-2023", NOTICE_TIME)
    finally:
        await conn.close()
    # kczg-2022 keeps objectors 180 days after release_planned_until (2023-02-01 00:00 Beijing): to 2023-07-31.
    before = await cli("privacy", "expire", KCZG_CLOCK="2023-07-30T23:59:59+08:00")
    assert before.stdout.splitlines() == [
        "retention at 2023-07-30T23:59:59+08:00:",
        "  kczg-2022 · objector · until 2023-07-31T00:00:00+08:00 · kept",
        "  kczg-2022 · expert · until 2024-04-30T00:00:00+08:00 · kept"]
    assert sorted((o["name"], o["contact"]) for o in await objections(client)) == [
        ("张三", ZHANG["contact"]), ("李四", LI["contact"])]

    at = await cli("privacy", "expire", "--at", "2023-07-31T00:00:00+08:00")
    assert at.stdout.splitlines() == [
        "retention at 2023-07-31T00:00:00+08:00:",
        "  kczg-2022 · objector · until 2023-07-31T00:00:00+08:00 · expired: 2 key(s) destroyed",
        *[f"    erased {pid}" for pid in sorted((zhang, li))],
        "  kczg-2022 · expert · until 2024-04-30T00:00:00+08:00 · kept"]
    assert [(o["name"], o["contact"]) for o in await objections(client)] == [(ERASED, ERASED)] * 2
    conn = await asyncpg.connect(database_url())
    try:
        keys = await privacy.keys_of(conn, [zhang, li, "objector:other-campaign"])
        why = await conn.fetch("SELECT person_id, erased_why FROM privacy.person_keys WHERE key IS NULL")
    finally:
        await conn.close()
    assert (keys[zhang], keys[li]) == (None, None) and keys["objector:other-campaign"] is not None
    assert sorted(tuple(r) for r in why) == sorted((pid, "retention:release_planned_until+180d") for pid in (zhang, li))
    # The next day's run finds nothing left to destroy.
    later = await cli("privacy", "expire", "--at", "2023-08-01T00:00:00+08:00")
    assert later.stdout.splitlines()[1] == "  kczg-2022 · objector · until 2023-07-31T00:00:00+08:00 · expired: 0 key(s) destroyed"
    # A new objection under an erased person id is refused: no key is ever made again for that person.
    conn = await asyncpg.connect(database_url())
    try:
        try:
            await privacy.key_for(conn, zhang, C, AFTER_NOTICE)
            raise AssertionError("a key was made again for an erased person")
        except privacy.PersonErased as refused:
            assert refused.code == "person_erased" and "已删除" in str(refused)
    finally:
        await conn.close()


async def test_an_erased_expert_is_not_written_to_and_the_notifier_holds_no_clear_address(env, tmp_path):
    from contracts.events import RosterExpert
    from services.notify.domain import expert_recipient
    from tests.support.events import publish
    from tests.support.intake import Keys
    from tests.support.notify import (address, assigned, mail_to, notices, notices_made, notify_in_process, on_review,
                                      on_units, roster_filed, submitted, unit_registered)

    mail = {e: address(e) for e in ("e1", "e2")}
    people = {e: f"expert:{C}:{e}" for e in mail}
    # The roster as the review service files it: each expert's name and address sealed with their own key.
    conn = await asyncpg.connect(database_url())
    try:
        await privacy.ensure_schema(conn)
        async with conn.transaction():
            held = await privacy.held_keys(conn, people.values(), C, NOTICE_TIME)
            await privacy.store_new_keys(conn, held)
    finally:
        await conn.close()
    seal = privacy.KeySealer(held.keys).seal
    plan = roster_filed(dict.fromkeys(mail))
    plan = plan.model_copy(update={"roster": tuple(
        RosterExpert(expert_id=e, name=seal(people[e], f"专家{e}"), affiliation="某大学",
                     contact_email=seal(people[e], mail[e])) for e in mail)})
    # e2 asks to be erased before any notice goes out.
    await cli("privacy", "erase", people["e2"])
    keys = Keys(tmp_path)
    async with notify_in_process(keys) as notify:
        await unit_registered("unit-x", None)
        a = submitted("unit-x", "肿瘤早筛试剂盒")
        await publish(*on_units(a))
        await publish(*on_review(plan, assigned(a, "e1"), assigned(a, "e2")))
        await notices_made(1 + 2)
        await notify.sender.send_due()
        # The secretariat's message log: e1's address as sent; then e1 is erased too, and it reads 已删除.
        log = f"{C}:leading_tech:biomedicine"
        secretariat_ = keys.headers("secretariat", "kczg_secretariat")
        sent = (await notify.get("/v1/notify/messages", params={"subject": log}, headers=secretariat_)).json()
        await cli("privacy", "erase", people["e1"])
        hidden = (await notify.get("/v1/notify/messages", params={"subject": log}, headers=secretariat_)).json()
        conn = await asyncpg.connect(database_url())
        try:
            stored = " ".join(f"{r['name']} {r['contact_email']}" for r in await conn.fetch("SELECT * FROM notify.experts"))
        finally:
            await conn.close()
    # e1 is written to by name; e2 has no address any more: nothing goes to the address e2 gave.
    (first,) = mail_to(mail["e1"])
    assert first.text().startswith("专家e1专家：")
    assert mail_to(mail["e2"]) == []
    rows = {r["recipient"]: (r["status"], r["result"]) for r in await notices() if r["kind"] == "expert_assigned"}
    assert rows[expert_recipient(C, "e2")] == ("unaddressed", "no_contact_email")
    assert rows[expert_recipient(C, "e1")][0] == "sent"
    # The notifier's table keeps the envelopes: no name, no address in clear.
    assert not any(text in stored for text in (*mail.values(), "专家e1", "专家e2")) and people["e1"] in stored
    by_recipient = {m["recipient"]: m["address"] for m in sent["messages"]}
    assert by_recipient == {expert_recipient(C, "e1"): mail["e1"], expert_recipient(C, "e2"): None}
    assert hidden == {**sent, "messages": [{**m, "address": ERASED} if m["address"] else m for m in sent["messages"]]}
