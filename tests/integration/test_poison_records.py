"""Every consumer sends an undecodable or invalid record to the dead-letter topic with its reason, and
goes on: the intake's projection, the quota decider, the review views and audit, and both publish views, each
running in its own service (in-process, real broker and database)."""

from __future__ import annotations

import base64
import collections
from uuid import uuid4

import asyncpg
import orjson

from contracts.topics import APPLICATIONS, DEADLETTER, NOMINATIONS, PUBLISH, QUOTA, REVIEW
from eventlog.clock import FixedClock
from tests.support.events import LogWriter, open_campaign, register_units, submitted
from tests.support.intake import Keys, intake_in_process, wait_for
from tests.support.kafka import end_offsets, read_records, read_topic
from tests.support.publish import publish_in_process
from tests.support.review import IN_REVIEW, services_in_process

# (what is wrong, the bytes): malformed JSON, an unknown type, a known type whose field does not validate
POISON = [(b"not json", b"{\"type\": "),
          (b"unknown type", orjson.dumps({"type": "NominationTeleported", "event_id": str(uuid4())})),
          (b"invalid field", orjson.dumps({"type": "QuotaReserved", "event_id": "not-a-uuid", "schema_version": 1,
                                           "occurred_at": "2022-10-10T00:00:00Z", "campaign": "kczg-2022",
                                           "key": "kczg-2022:unit-a", "actor": {"role": "system", "id": "quota"},
                                           "nomination_id": "nope", "unit_id": "unit-a", "list_code": "leading_tech",
                                           "slot": 0, "used": -1}))]
# Which consumer reads which topic (the AsyncAPI document's table: contracts/asyncapi.py).
READERS = {NOMINATIONS: {"intake:views", "quota", "review.views", "review.audit", "publish.rankings",
                         "publish.release_facts"},
           QUOTA: {"intake:views", "review.views", "review.audit", "publish.rankings", "publish.release_facts"},
           REVIEW: {"intake:views", "review.views", "review.audit", "publish.rankings", "publish.release_facts"},
           PUBLISH: {"intake:views", "review.views", "review.audit", "publish.rankings", "publish.release_facts",
                     "publish.matching"},
           APPLICATIONS: {"intake:views"}}
# A reader that does not read QuotaReserved passes the invalid one by without decoding it: no letter, and on.
SKIPS_INVALID_QUOTA = {"publish.matching"}


async def letters() -> list[dict]:
    return [orjson.loads(v) for v in await read_topic(DEADLETTER.name)]


async def test_every_consumer_dead_letters_poison_with_its_reason_and_goes_on(env, tmp_path):
    keys = Keys(tmp_path)
    await open_campaign()
    await register_units({"unit-a": ("provincial_cast",)})
    async with LogWriter() as log:
        for topic in READERS:
            for _, raw in POISON:
                await log.raw(topic.name, b"kczg-2022:unit-a", raw)
        after = submitted("unit-a")  # a good record behind the poison: every reader must still apply it
        await log.unit_stream([after])
    async with intake_in_process(keys, FixedClock(IN_REVIEW)) as intake, \
            services_in_process(keys, FixedClock(IN_REVIEW)), publish_in_process(keys, FixedClock(IN_REVIEW)):
        where = {}  # (topic, poison bytes) -> (partition, offset) on the log
        for topic in READERS:
            for partition, offset, value in await read_records(topic.name):
                if value in {raw for _, raw in POISON}:
                    assert (topic.name, value) not in where, "a poison record written twice"
                    where[(topic.name, value)] = (partition, offset)
        assert len(where) == len(READERS) * len(POISON)
        # One letter per (consumer, poison record) each reader was given, naming where it lay; nothing else.
        expected = {(consumer, topic.name, *where[(topic.name, raw)]): raw
                    for topic, consumers in READERS.items() for consumer in consumers for what, raw in POISON
                    if not (what == b"invalid field" and consumer in SKIPS_INVALID_QUOTA)}
        kind = {raw: what for what, raw in POISON}

        async def distinct_letters() -> dict[tuple, dict]:
            """By (consumer, topic, partition, offset): a re-sent letter (a batch rerun) must be the same letter."""
            seen: dict[tuple, dict] = {}
            for l in await letters():
                origin = (l["consumer"], l["topic"], l["partition"], l["offset"])
                assert seen.setdefault(origin, l) == l, f"two different letters for {origin}: {seen[origin]} / {l}"
            return seen

        async def all_lettered():
            return set(await distinct_letters()) >= set(expected)
        try:
            await wait_for(all_lettered, timeout_s=90, interval_s=0.5)
        except AssertionError:
            raise AssertionError(f"not dead-lettered: {sorted(set(expected) - set(await distinct_letters()))}") from None
        # ...and each went on: the good record behind the poison is applied (the intake shows it, the
        # quota decided it), and every one of the six consumers stored its offsets past the poison to the end
        # of every topic it reads (an offset is stored in the transaction of what it applied).
        async def intake_shows_it():
            r = await intake.get(f"/v1/nominations/{after.nomination_id}", headers=keys.headers("unit", "unit-a"))
            return r.status_code == 200 and r.json()["status"] == "reserved"
        await wait_for(intake_shows_it, timeout_s=60)

        async def behind() -> list:
            ends = {t.name: await end_offsets(t.name) for t in READERS}
            readers = {t.name: consumers for t, consumers in READERS.items()}
            conn = await asyncpg.connect(env["DATABASE_URL"])
            try:
                stored = {(r["consumer"], r["topic"], r["partition"]): r["next_offset"] for r in await conn.fetch(
                    "SELECT consumer, topic, partition, next_offset FROM eventlog.consumer_offsets")}
            finally:
                await conn.close()
            return [(c, t, p, stored.get((c, t, p), 0), end) for t, parts in ends.items() for p, end in parts.items()
                    for c in readers[t] if stored.get((c, t, p), 0) < end]
        try:
            await wait_for(lambda: _none(behind), timeout_s=60, interval_s=0.5)
        except AssertionError:
            raise AssertionError(f"consumers not past the poison (consumer, topic, partition, stored, end): "
                                 f"{await behind()}") from None
    got = await distinct_letters()
    assert set(got) == set(expected), (sorted(set(got) - set(expected)), sorted(set(expected) - set(got)))
    for origin, letter in got.items():
        assert base64.b64decode(letter["value_base64"]) == expected[origin], origin
        # Bad JSON and an unknown type cannot be decoded; a field that does not validate is refused while
        # decoding or, by a reader that decodes leniently, while applying.
        reasons = ("undecodable: ", "unprocessable: ") if kind[expected[origin]] == b"invalid field" else ("undecodable: ",)
        assert letter["key"] == "kczg-2022:unit-a" and letter["reason"].startswith(reasons), letter
    by_consumer = collections.Counter(l["consumer"] for l in await letters())
    assert set(by_consumer) == {c for cs in READERS.values() for c in cs}
    sample = next(l for l in await letters() if l["consumer"] == "quota")
    assert sample["topic"] == NOMINATIONS.name and sample["reason"].startswith("undecodable") and sample["offset"] >= 0
    assert {l["key"] for l in await letters()} == {"kczg-2022:unit-a"}


async def _none(check) -> bool:
    return not await check()
