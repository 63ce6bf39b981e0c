"""Scores through the grouped unit of work (eventlog/write/grouped_unit_of_work.py), against the real broker
and database: each test holds the scores' queue while its requests arrive, so they are run as one
group (or as the groups the rule makes), then lets it go and checks every answer and the log:

- two scores on one nomination by one expert in one group are decided in arrival order;
- a refusal inside a group leaves its neighbours' scores as they would be alone;
- a repeated Idempotency-Key in one group replays the first's answer, and makes one event;
- a group whose transaction fails runs each of its commands again alone.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal

import asyncpg

from contracts.events import ExpertScoreRecorded
from contracts.topics import REVIEW
from tests.integration.test_review_flow import GREEN, SCORES, _ready, as_, review  # noqa: F401 (fixture)
from tests.support.intake import events_of, wait_for
from tests.support.kafka import read_topic
from tests.support.review import ECO


class HeldGroups:
    """The scores' queue held while requests arrive: they wait in it in arrival order, then run as the
    groups the rule makes, one at a time; `sizes` records each group run."""

    def __init__(self, client) -> None:
        self.queue = client.app.state.service.own.groups
        self.sizes, run = [], self.queue.run

        async def recording(items):
            self.sizes.append(len(items))
            return await run(items)

        self.queue.run = recording

    async def send(self, client, requests: list[tuple[str, dict, dict]]) -> list:
        """Send each request once the one before waits in the queue (so their order is known), then run them."""
        self.queue.in_flight = 0  # held: nothing is taken from the queue
        tasks = []
        for url, body, headers in requests:
            tasks.append(asyncio.ensure_future(client.put(url, json=body, headers=headers)))
            await wait_for(lambda n=len(tasks): self._waiting(n), timeout_s=10)
        self.queue.in_flight = 1
        self.queue._start_drainers()
        return await asyncio.gather(*tasks)

    async def _waiting(self, n: int) -> bool:
        return len(self.queue._waiting) == n


def expert(client, sub: str) -> dict:
    return as_(client, "expert", ECO, sub=sub)


async def recorded() -> list[ExpertScoreRecorded]:
    return events_of(await read_topic(REVIEW.name), ExpertScoreRecorded)


async def test_two_scores_of_one_expert_on_one_nomination_in_one_group_are_decided_in_order(review):
    panel = await _ready(review)
    nid, seated = next(iter(panel.items()))
    url, who = f"{GREEN}/nominations/{nid}/scores", expert(review, seated[0])
    held = HeldGroups(review)
    # The same expert scores twice, then revises back: one group of three, decided as they came.
    first, second, third = await held.send(review, [
        (url, {"scores": SCORES}, who), (url, {"scores": {**SCORES, "innovation": "100"}}, who),
        (url, {"scores": {**SCORES, "innovation": "100"}}, who)])
    assert held.sizes[-1] == 3
    assert [(r.status_code, r.json()["total"]) for r in (first, second)] == [(200, "83.00"), (200, "86.00")]
    # The third is decided on the state the second left: the same scores again change nothing.
    assert (third.status_code, third.json()["event_id"]) == (200, None)
    events = [e for e in await recorded() if str(e.nomination_id) == nid]
    assert [(e.expert_id, e.total) for e in events] == [(seated[0], Decimal("83.00")), (seated[0], Decimal("86.00"))]
    conn = await asyncpg.connect(review.db)
    try:
        saved = await conn.fetchval("SELECT total FROM review.scores WHERE nomination_id = $1 AND expert_id = $2",
                                    events[0].nomination_id, seated[0])
    finally:
        await conn.close()
    assert saved == Decimal("86.00")  # the last of the group is what the table holds


async def test_a_refusal_in_a_group_leaves_its_neighbours_alone(review):
    panel = await _ready(review)
    (nid, seated), (other, others) = list(panel.items())[:2]
    idle = next(e for e in (f"e{i:02d}" for i in range(8)) if e not in seated)
    url, url2 = f"{GREEN}/nominations/{nid}/scores", f"{GREEN}/nominations/{other}/scores"
    keyed = {**expert(review, seated[1]), "Idempotency-Key": "out-of-range-0001"}
    held = HeldGroups(review)
    replies = await held.send(review, [
        (url, {"scores": SCORES}, expert(review, seated[0])),
        (url, {"scores": SCORES}, expert(review, idle)),                       # not assigned: 404, no key
        (url, {"scores": {**SCORES, "innovation": "101"}}, keyed),             # out of range: 422, remembered
        (url2, {"scores": SCORES}, expert(review, others[0]))])
    assert held.sizes[-1] == 4
    assert [r.status_code for r in replies] == [200, 404, 422, 200]
    assert [replies[1].json()["code"], replies[2].json()["code"]] == ["not_assigned", "score_out_of_range"]
    events = await recorded()
    assert sorted((str(e.nomination_id), e.expert_id) for e in events) == sorted([(nid, seated[0]), (other, others[0])])
    # The keyed refusal is its key's answer: a retry replays it and decides nothing.
    again = await review.put(url, json={"scores": {**SCORES, "innovation": "101"}}, headers=keyed)
    assert (again.status_code, again.json(), again.headers.get("idempotent-replayed")) == (
        422, replies[2].json(), "true")
    assert len(await recorded()) == 2


async def test_a_repeated_key_in_one_group_replays_the_first_answer(review):
    panel = await _ready(review)
    nid, seated = next(iter(panel.items()))
    url = f"{GREEN}/nominations/{nid}/scores"
    keyed = {**expert(review, seated[0]), "Idempotency-Key": "score-twice-0001"}
    neighbour = (f"{GREEN}/nominations/{nid}/scores", {"scores": SCORES}, expert(review, seated[1]))
    held = HeldGroups(review)
    first, other, second = await held.send(review, [(url, {"scores": SCORES}, keyed), neighbour,
                                                     (url, {"scores": SCORES}, keyed)])
    # The repeat waited for the next group (it must see the first committed), then replayed it.
    assert held.sizes[-2:] == [2, 1]
    assert (first.status_code, other.status_code, second.status_code) == (200, 200, 200)
    assert second.json() == first.json() and second.headers.get("idempotent-replayed") == "true"
    assert first.headers.get("idempotent-replayed") is None
    events = await recorded()
    assert sorted(e.expert_id for e in events) == sorted([seated[0], seated[1]])  # one event for the key
    assert str(next(e.event_id for e in events if e.expert_id == seated[0])) == first.json()["event_id"]


async def test_a_failed_group_runs_each_command_again_alone(review):
    panel = await _ready(review)
    nid, seated = next(iter(panel.items()))
    url = f"{GREEN}/nominations/{nid}/scores"
    scores = review.app.state.service.own
    failures = []
    save = scores.steps.save

    async def save_once_failing(conn, decided):
        if len(decided) > 1 and not failures:  # the group's first try: as a deadlock would
            failures.append(len(decided))
            raise asyncpg.DeadlockDetectedError("deadlock detected (simulated)")
        await save(conn, decided)

    scores.steps = replace(scores.steps, save=save_once_failing)
    held = HeldGroups(review)
    replies = await held.send(review, [(url, {"scores": SCORES}, expert(review, e)) for e in seated])
    assert failures == [len(seated)]
    assert held.sizes[-1] == len(seated)  # the group, then each alone inside it (not through the queue)
    assert [r.status_code for r in replies] == [200] * len(seated), [r.text for r in replies]
    events = await recorded()
    assert sorted(e.expert_id for e in events) == sorted(seated)  # each once: the failed try committed nothing
    assert {str(e.event_id) for e in events} == {r.json()["event_id"] for r in replies}
