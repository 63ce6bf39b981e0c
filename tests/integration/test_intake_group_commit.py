"""Brand-new nominations' rows by group commit (services/intake/group_commit.py): concurrent
submissions share statements yet each unit reads its own at once; a failed row write still answers
202, because the event is on the log and the projection writes the row from it."""

from __future__ import annotations

import asyncio

from contracts.events import NominationSubmitted
from contracts.topics import NOMINATIONS
from tests.support.intake import events_of, nomination_body, wait_for
from tests.support.kafka import read_topic


class CountingPool:
    """The real pool, counting how often a connection is taken from it."""

    def __init__(self, pool) -> None:
        self.pool, self.acquired = pool, 0

    def acquire(self):
        self.acquired += 1
        return self.pool.acquire()


class BrokenPool:
    def acquire(self):
        raise ConnectionError("PostgreSQL unreachable (test)")


class StalledPool:
    """A database that never answers."""

    def acquire(self):
        return self

    async def __aenter__(self):
        await asyncio.Event().wait()

    async def __aexit__(self, *exc):
        return False


async def test_concurrent_submissions_share_row_writes_and_each_reads_its_own(intake):
    writer = intake.app.state.service.own.new_rows
    writer.pool = counting = CountingPool(writer.pool)
    headers = intake.keys.headers("unit", "unit-b")
    replies = await asyncio.gather(*(intake.post("/v1/nominations", json=nomination_body(technology_name=f"技术{i}"),
                                                 headers=headers) for i in range(60)))
    assert [r.status_code for r in replies] == [202] * 60
    assert counting.acquired < 60  # rows that waited together were written together
    # Read-your-writes: every row is there as soon as its 202 came back.
    for r in replies:
        got = await intake.get(f"/v1/nominations/{r.json()['nomination_id']}", headers=headers)
        assert got.status_code == 200, got.text


async def test_a_failed_row_write_still_answers_202_and_the_projection_writes_the_row(intake):
    intake.app.state.service.own.new_rows.pool = BrokenPool()
    headers = intake.keys.headers("unit", "unit-a")
    r = await intake.post("/v1/nominations", json=nomination_body(), headers=headers)
    assert r.status_code == 202, r.text
    nid = r.json()["nomination_id"]
    assert [str(e.nomination_id) for e in events_of(await read_topic(NOMINATIONS.name), NominationSubmitted)] == [nid]

    async def shown() -> bool:
        return (await intake.get(f"/v1/nominations/{nid}", headers=headers)).status_code == 200

    await wait_for(shown)


async def test_a_stalled_database_does_not_hold_back_an_acked_answer(intake):
    writer = intake.app.state.service.own.new_rows
    writer.pool, writer.timeout_s = StalledPool(), 0.5
    r = await asyncio.wait_for(intake.post("/v1/nominations", json=nomination_body(),
                                           headers=intake.keys.headers("unit", "unit-a")), timeout=10)
    assert r.status_code == 202, r.text
    assert len(events_of(await read_topic(NOMINATIONS.name), NominationSubmitted)) == 1


async def test_an_ordinary_nomination_takes_no_pooled_connection_before_its_ack(intake):
    svc = intake.app.state.service.own
    headers = intake.keys.headers("unit", "unit-a")
    first = await intake.post("/v1/nominations", json=nomination_body(technology_name="首项"), headers=headers)
    assert first.status_code == 202, first.text  # unit-a's registration is now known to this process
    svc.pool = counting = CountingPool(svc.pool)
    ordinary = await intake.post("/v1/nominations", json=nomination_body(technology_name="次项"), headers=headers)
    assert ordinary.status_code == 202, ordinary.text
    assert counting.acquired == 0
    # What needs the database still asks it: an attachment is looked up (and refused when unknown) ...
    unknown = await intake.post("/v1/nominations", json={**nomination_body(), "attachments": ["0" * 64]},
                            headers=headers)
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_attachment")
    assert counting.acquired == 1
    # ... and a unit this process has not seen yet is looked up in the registry.
    other = await intake.post("/v1/nominations", json=nomination_body(technology_name="他项"),
                              headers=intake.keys.headers("unit", "unit-b"))
    assert other.status_code == 202, other.text
    assert counting.acquired == 2
