"""`kczg deadletters`: the dead-letter topic's records — consumer, topic, partition, offset, reason —
oldest first, all of them or since an instant, for one consumer or every one."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from aiokafka.structs import ConsumerRecord

from eventlog.consume.deadletter import DeadLetter, send_dead_letters
from eventlog.write.producer import EventPublisher, event_producer
from kczg.deadletters_cli import read_dead_letters, since_instant
from tests.support.processes import ROOT


def _record(topic: str, offset: int, value: bytes) -> ConsumerRecord:
    return ConsumerRecord(topic=topic, partition=3, offset=offset, timestamp=0, timestamp_type=0, key=b"kczg-2022:u",
                          value=value, checksum=None, serialized_key_size=11, serialized_value_size=len(value),
                          headers=())


async def _send(consumer: str, *letters: DeadLetter) -> None:
    producer = event_producer()
    await producer.start()
    try:
        await send_dead_letters(EventPublisher(producer), consumer, list(letters))
    finally:
        await producer.stop()


async def test_the_letters_are_listed_with_where_they_came_from_and_why(env):
    await _send("quota", DeadLetter(_record("t.kczg.nominations", 7, b"\x00bad"), "undecodable: not JSON"))
    # The broker's timestamps (milliseconds) tell the two sends apart: the first was stamped before its ack, so
    # any instant in a later millisecond falls between them — no need to wait a whole second.
    acked = datetime.now(UTC)
    while (between := datetime.now(UTC)).timestamp() * 1000 // 1 <= acked.timestamp() * 1000 // 1:
        await asyncio.sleep(0.001)
    await _send("review.views", DeadLetter(_record("t.kczg.review", 9, b"{}"), "unprocessable: KeyError('x')"))

    every = await read_dead_letters()
    assert [(x.consumer, x.topic, x.partition, x.offset, x.reason) for x in every] == [
        ("quota", "t.kczg.nominations", 3, 7, "undecodable: not JSON"),
        ("review.views", "t.kczg.review", 3, 9, "unprocessable: KeyError('x')")]
    assert every[0].value == b"\x00bad" and every[0].key == "kczg-2022:u"
    assert [x.consumer for x in await read_dead_letters(since=between)] == ["review.views"]
    assert [x.offset for x in await read_dead_letters(consumer="quota")] == [7]
    assert await read_dead_letters(since=datetime.now(UTC) + timedelta(hours=1)) == []

    # The command, as an operator runs it.
    listed = subprocess.run([sys.executable, "-m", "kczg.cli", "deadletters", "--since", "1h"], cwd=ROOT,
                            env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    rows = listed.stdout.splitlines()
    assert len(rows) == 2 and "quota" in rows[0] and "t.kczg.nominations[3]@7" in rows[0]
    assert "undecodable: not JSON" in rows[0] and "2 dead letter(s) since" in listed.stderr
    as_json = subprocess.run([sys.executable, "-m", "kczg.cli", "deadletters", "--consumer", "review.views", "--json"],
                             cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    (letter,) = [orjson.loads(line) for line in as_json.stdout.splitlines()]
    assert (letter["consumer"], letter["topic"], letter["partition"], letter["offset"]) == ("review.views",
                                                                                           "t.kczg.review", 3, 9)


def test_since_reads_a_span_or_an_instant():
    now = datetime(2022, 11, 1, tzinfo=UTC)
    assert since_instant("90s", now) == now - timedelta(seconds=90)
    assert since_instant("2h", now) == now - timedelta(hours=2) and since_instant("7d", now) == now - timedelta(days=7)
    assert since_instant("2022-10-31T23:00:00+08:00") == datetime(2022, 10, 31, 15, tzinfo=UTC)
    with pytest.raises(ValueError):
        since_instant("yesterday")
