"""Every consumer sends an undecodable or invalid record to the dead-letter topic with its reason, and
goes on: the intake's projection, the quota decider, the review views and both publish views, each
running in its own service (in-process, real broker and database)."""

from __future__ import annotations

import base64
import collections
from uuid import uuid4

import orjson

from contracts.topics import APPLICATIONS, DEADLETTER, NOMINATIONS, PUBLISH, QUOTA, REVIEW
from eventlog.clock import FixedClock
from tests.support.events import LogWriter, open_campaign, register_units, submitted
from tests.support.intake import Keys, intake_in_process, wait_for
from tests.support.kafka import read_topic
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
READERS = {NOMINATIONS: {"intake:views", "quota", "review.views", "publish.rankings", "publish.release_facts"},
           QUOTA: {"intake:views", "review.views", "publish.rankings", "publish.release_facts"},
           REVIEW: {"review.views", "publish.rankings", "publish.release_facts"},
           PUBLISH: {"intake:views", "review.views", "publish.rankings", "publish.release_facts"},
           APPLICATIONS: {"intake:views"}}


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
        expected = {(consumer, topic.name, raw) for topic, consumers in READERS.items() for consumer in consumers
                    for _, raw in POISON}

        async def all_lettered():
            got = {(l["consumer"], l["topic"], base64.b64decode(l["value_base64"])) for l in await letters()}
            return expected <= got
        try:
            await wait_for(all_lettered, timeout_s=90, interval_s=0.5)
        except AssertionError:
            got = {(l["consumer"], l["topic"], base64.b64decode(l["value_base64"])) for l in await letters()}
            raise AssertionError(f"not dead-lettered: {sorted(expected - got)}") from None
        # ...and each went on: the good record behind the poison is applied (the intake shows it, the
        # quota decided it).
        async def intake_shows_it():
            r = await intake.get(f"/v1/nominations/{after.nomination_id}", headers=keys.headers("unit", "unit-a"))
            return r.status_code == 200 and r.json()["status"] == "reserved"
        await wait_for(intake_shows_it, timeout_s=60)
    by_consumer = collections.Counter(l["consumer"] for l in await letters())
    assert set(by_consumer) == {c for cs in READERS.values() for c in cs}
    sample = next(l for l in await letters() if l["consumer"] == "quota")
    assert sample["topic"] == NOMINATIONS.name and sample["reason"].startswith("undecodable") and sample["offset"] >= 0
    assert {l["key"] for l in await letters()} == {"kczg-2022:unit-a"}
