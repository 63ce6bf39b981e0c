"""`kczg deadletters [--since 2h|ISO] [--consumer NAME]`: the dead-letter topic's records — which consumer
refused which record (topic, partition, offset) and why — oldest first, read to the topic's current end."""

from __future__ import annotations

import asyncio
import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import typer
from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.topics import DEADLETTER
from eventlog.clock import parse_instant
from eventlog.settings import kafka_bootstrap

_SPAN = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class Letter:
    sent_at: datetime          # when it reached the dead-letter topic
    consumer: str
    topic: str
    partition: int
    offset: int
    reason: str
    key: str | None
    value: bytes               # the refused record as it was

    def as_json(self) -> dict:
        return {"sent_at": self.sent_at.isoformat(), "consumer": self.consumer, "topic": self.topic,
                "partition": self.partition, "offset": self.offset, "reason": self.reason, "key": self.key,
                "value_base64": base64.b64encode(self.value).decode()}


def since_instant(text: str, now: datetime | None = None) -> datetime:
    """`30m`, `2h`, `7d`, `90s` before now, or an ISO instant with its offset."""
    span = _SPAN.match(text.strip())
    if span:
        return (now or datetime.now(UTC)) - timedelta(**{_UNIT[span[2]]: float(span[1])})
    return parse_instant(text)


async def read_dead_letters(since: datetime | None = None, consumer: str | None = None) -> list[Letter]:
    kafka = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), enable_auto_commit=False)
    await kafka.start()
    try:
        for _ in range(50):
            if kafka.partitions_for_topic(DEADLETTER.name):
                break
            await kafka._client.force_metadata_update()  # aiokafka has no public wait-for-metadata
            await asyncio.sleep(0.1)
        tps = [TopicPartition(DEADLETTER.name, p) for p in sorted(kafka.partitions_for_topic(DEADLETTER.name) or ())]
        if not tps:
            raise LookupError(f"topic {DEADLETTER.name} does not exist; run `kczg topics create`")
        kafka.assign(tps)
        ends = await kafka.end_offsets(tps)
        starts = await kafka.beginning_offsets(tps)
        if since is not None:
            found = await kafka.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in tps})
            starts = {tp: (found[tp].offset if found.get(tp) else ends[tp]) for tp in tps}
        for tp in tps:
            kafka.seek(tp, starts[tp])
        letters = []
        while any([await kafka.position(tp) < ends[tp] for tp in tps]):
            for records in (await kafka.getmany(timeout_ms=1000)).values():
                letters += [_letter(r) for r in records if r.offset < ends[TopicPartition(r.topic, r.partition)]]
        return [x for x in letters if consumer is None or x.consumer == consumer]
    finally:
        await kafka.stop()


def _letter(record) -> Letter:
    body = orjson.loads(record.value)
    return Letter(datetime.fromtimestamp(record.timestamp / 1000, UTC), body.get("consumer", "?"),
                  body.get("topic", "?"), int(body.get("partition", -1)), int(body.get("offset", -1)),
                  body.get("reason", ""), body.get("key"), base64.b64decode(body.get("value_base64") or ""))


def deadletters(since: str = typer.Option(None, "--since", help="Only letters sent since then: 30m, 2h, 7d or an "
                                          "ISO instant with offset (default: all)."),
                consumer: str = typer.Option(None, "--consumer", help="Only this consumer's (e.g. quota, review.views)."),
                as_json: bool = typer.Option(False, "--json", help="One JSON object a line, the record included.")) -> None:
    """List the dead letters: who refused which record and why."""
    try:
        start = since_instant(since) if since else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from None
    letters = asyncio.run(read_dead_letters(start, consumer))
    if as_json:
        for letter in letters:
            typer.echo(orjson.dumps(letter.as_json()).decode())
        return
    for letter in letters:
        typer.echo(f"{letter.sent_at:%Y-%m-%d %H:%M:%S}Z  {letter.consumer:22} "
                   f"{letter.topic}[{letter.partition}]@{letter.offset}  key={letter.key}  {letter.reason[:200]}")
    typer.echo(f"{len(letters)} dead letter(s)" + (f" since {start.isoformat()}" if start else ""), err=True)
