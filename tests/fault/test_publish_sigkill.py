"""SIGKILL of the publish service, twice, in the middle of its write paths: the notice's objections (the
public's, each under its own Idempotency-Key, from many addresses) and the secretariat's resolutions
(each objection against one nomination upheld, the rest not); then the release. Each client retries
under its key until it has an answer. Afterwards every key's write is on the log exactly once, a replay
of every key answers as before and logs nothing, the release lists the notice minus the upheld
nomination, and both publish views equal a clean rebuild from the log."""

from __future__ import annotations

import asyncio
import collections
import time

import httpx

from contracts.events import ListPublished, ObjectionFiled, ObjectionResolved, PublicNoticeOpened
from contracts.topics import PUBLISH
from eventlog.verify.projections import verify
from services.publish.views import PROJECTIONS
from tests.integration.publish_support import Facts
from tests.support.events import open_campaign, publish
from tests.support.intake import Keys, distinct_events, end_offsets
from tests.support.kafka import read_topic
from tests.support.processes import ServiceProcess, free_port, wait_http_ready
from tests.support.publish import AFTER_NOTICE, C, NOTICE_TIME, objection, secretariat
from tests.support.traffic import KeyedWriter
from tests.support.state import assert_state_equals_replay

OBJECTIONS = 180
KILL_AT = (0.3, 0.65)   # of the objections and resolutions answered
LIST = f"/v1/publish/campaigns/{C}"


def start_publish(env, keys: Keys, log, port: int) -> ServiceProcess:
    return ServiceProcess("services.publish", env, log, extra_env={
        **keys.env(), "PUBLISH_PORT": str(port), "KCZG_CLOCK": NOTICE_TIME.isoformat(), "KCZG_CLOCK_HEADER": "1",
        "PUBLISH_TRUST_FORWARDED": "1"}).start()


async def object_and_resolve(writer: KeyedWriter, client, keys: Keys, notice_id: str, i: int, target: str,
                             upheld: bool) -> None:
    # Each objector from an address of their own: the rate limit is per address.
    public = {"X-Forwarded-For": f"10.0.{i // 250}.{i % 250 + 1}"}
    filed = await writer.write(client, "POST", f"{LIST}/notices/{notice_id}/objections", f"objection-{i:04d}",
                               objection(target, grounds=f"第{i}条异议理由。"), public)
    await writer.write(client, "POST", f"{LIST}/objections/{filed['objection_id']}/resolution", f"resolve-{i:04d}",
                       {"upheld": upheld, "note": "经核实，异议成立。" if upheld else "经核实，异议不成立。"},
                       secretariat(keys))


async def test_sigkill_of_publish_mid_objections_and_resolutions_then_the_release(env, tmp_path):
    keys, facts = Keys(tmp_path), Facts()
    await open_campaign()
    await publish(*facts.events())
    notice_entries = [c.nomination_id for c in facts.listed]
    upheld_against = facts.bio_a.nomination_id
    port = free_port()
    service = start_publish(env, keys, tmp_path / "publish-0.log", port)
    writer = KeyedWriter(timeout_s=10)
    answered_at_kill, restart_s = [], []  # restart: from the kill to the new process answering
    try:
        await asyncio.to_thread(wait_http_ready, f"http://127.0.0.1:{port}", service)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            opened = await writer.write(client, "POST", f"{LIST}/lists/leading_tech/notice", "notice-0001", {},
                                        secretariat(keys))
            flows = asyncio.gather(*(object_and_resolve(
                writer, client, keys, opened["notice_id"], i, str(notice_entries[i % len(notice_entries)]),
                upheld=notice_entries[i % len(notice_entries)] == upheld_against) for i in range(OBJECTIONS)))
            for n, share in enumerate(KILL_AT, start=1):
                deadline = time.monotonic() + 300
                while len(writer.acked) < 1 + share * 2 * OBJECTIONS:
                    assert not flows.done(), flows.exception() if flows.done() else None
                    assert time.monotonic() < deadline, f"only {len(writer.acked)} acked before kill {n}"
                    await asyncio.sleep(0.01)
                service.kill9()
                killed_at = time.monotonic()
                answered_at_kill.append(len(writer.acked))
                service = start_publish(env, keys, tmp_path / f"publish-{n}.log", port)
                await asyncio.to_thread(wait_http_ready, f"http://127.0.0.1:{port}", service)
                restart_s.append(time.monotonic() - killed_at)
            await flows
            released = await writer.write(client, "POST", f"{LIST}/lists/leading_tech/release", "release-0001", {},
                                          {**secretariat(keys), "X-Kczg-Clock": AFTER_NOTICE.isoformat()})
            first_answers = dict(writer.acked)
            before = await end_offsets()
            assert await writer.replay(client) == first_answers
            assert await end_offsets() == before
            listed = (await client.get(f"{LIST}/objections", headers=secretariat(keys))).json()["objections"]
    finally:
        service.stop()

    print(f"\npublish killed at {answered_at_kill} of {1 + 2 * OBJECTIONS} answered; answering again after "
          f"{', '.join(f'{t:.1f}' for t in restart_s)} s; {writer.summary()}")
    assert [a < 1 + 2 * OBJECTIONS for a in answered_at_kill] == [True] * len(KILL_AT), answered_at_kill
    assert len({a.url for a in writer.attempts if a.status is None}) > len(KILL_AT), "the kills must cut requests off"
    on_log = distinct_events(await read_topic(PUBLISH.name))
    filed = [e for e in on_log if isinstance(e, ObjectionFiled)]
    resolved = [e for e in on_log if isinstance(e, ObjectionResolved)]
    assert len([e for e in on_log if isinstance(e, PublicNoticeOpened)]) == 1
    assert sorted(str(e.objection_id) for e in filed) == sorted(
        a["objection_id"] for k, a in first_answers.items() if k.startswith("objection-"))
    assert len(filed) == OBJECTIONS and collections.Counter(e.objection_id for e in resolved) == collections.Counter(
        e.objection_id for e in filed)
    target_of = {e.objection_id: e.nomination_id for e in filed}
    assert {e.objection_id for e in resolved if e.upheld} == {o for o, n in target_of.items() if n == upheld_against}
    assert sorted((o["objection_id"], o["upheld"]) for o in listed) == sorted(
        (str(o), n == upheld_against) for o, n in target_of.items())
    (published,) = [e for e in on_log if isinstance(e, ListPublished)]
    assert [e.nomination_id for e in published.entries] == [n for n in notice_entries if n != upheld_against]
    assert released["version"] == 1 and released["entries"] == len(notice_entries) - 1
    for projection in PROJECTIONS:
        result = await verify(projection)
        assert result.ok, (projection.name, result.differences[:3])
    # The service's own tables, as well as its views, equal a replay of the log.
    await assert_state_equals_replay("publish")
