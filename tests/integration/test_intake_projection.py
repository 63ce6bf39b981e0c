"""The intake's projection of its own events from the log: what another writer (or a crashed command)
put there is applied once, redelivered copies are not, and a broken record of an intake type goes to
the dead-letter topic while the projection goes on."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

import orjson

from contracts.events import NominationSubmitted, unit_key
from contracts.topics import DEADLETTER, NOMINATIONS
from services.intake.examples import example_form
from tests.support.events import LogWriter
from tests.support.intake import wait_for
from tests.support.events import SECRETARIAT
from tests.support.kafka import read_topic


def submitted(title: str) -> NominationSubmitted:
    form = example_form("leading_tech", technology_name=title)
    return NominationSubmitted(
        occurred_at=datetime.fromisoformat("2022-10-15T10:00:00+08:00"), campaign="kczg-2022",
        key=unit_key("kczg-2022", "unit-a"), actor=SECRETARIAT, nomination_id=uuid4(), unit_id="unit-a",
        list_code="leading_tech", domain=form["domain"], title=title, form=form)


async def test_events_from_the_log_are_applied_once_and_poison_is_set_aside(intake):
    first, second = submitted("日志中的技术一"), submitted("日志中的技术二")
    encoded = orjson.loads(first.model_dump_json())
    broken_id = uuid4()
    broken = orjson.dumps({**encoded, "event_id": str(broken_id), "revision": "not a number"})
    key = first.key.encode()
    async with LogWriter() as log:
        # first, a broken record of an intake type, first again (a redelivery), then second
        await log.unit_stream([first])
        await log.raw(NOMINATIONS.name, key, broken)
        await log.unit_stream([first, second])
    headers = intake.keys.headers("unit", "unit-a")

    async def listed() -> list[dict]:
        items = (await intake.get("/v1/nominations", headers=headers)).json()["items"]
        return items if len(items) >= 2 else []

    items = await wait_for(listed)
    assert sorted(i["title"] for i in items) == ["日志中的技术一", "日志中的技术二"]
    async def letters() -> list[dict]:
        return [orjson.loads(v) for v in await read_topic(DEADLETTER.name)]

    dead = await wait_for(letters)
    assert len(dead) == 1 and "undecodable" in str(dead[0])
    async with intake.app.state.intake.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM intake.nomination_status") == 2
        claimed = {r["event_id"] for r in await conn.fetch("SELECT event_id FROM intake.inbox")}
    # The broken record was not applied, so its id is not claimed: a fixed replay would still apply it.
    assert claimed == {first.event_id, second.event_id}
