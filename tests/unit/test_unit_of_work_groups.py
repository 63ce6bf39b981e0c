"""How the unit of work forms its groups (eventlog/write/unit_of_work.py): which waiting commands share the next
transaction, and which of them are decided together — without a database."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from eventlog.write.group_commit import GroupCommit
from eventlog.write.idempotency import IdempotentRequest
from eventlog.write.unit_of_work import Item, _runs, _take


@dataclass(frozen=True)
class Cmd:
    aggregates: tuple[str, ...]
    offload: bool = False
    shared: tuple[str, ...] = field(default=())


def keyed(key: str) -> IdempotentRequest:
    return IdempotentRequest("org", key, b"fingerprint")


def test_commands_on_different_aggregates_share_one_group_up_to_its_size():
    waiting = [Item(Cmd((f"a{i}",)), None) for i in range(5)]
    assert _take(waiting, 256) == [0, 1, 2, 3, 4]
    assert _take(waiting, 3) == [0, 1, 2]


def test_a_key_already_in_the_group_waits_with_every_later_command_on_its_aggregates():
    waiting = [Item(Cmd(("a",)), keyed("key-0001")), Item(Cmd(("b",)), keyed("key-0001")),
               Item(Cmd(("b",)), None), Item(Cmd(("c",)), None)]
    # The repeat of key-0001 must replay the first's answer: it waits, and so does the later command on "b".
    assert _take(waiting, 256) == [0, 3]


def test_two_commands_on_one_aggregate_share_a_group_in_arrival_order():
    waiting = [Item(Cmd(("a",)), None), Item(Cmd(("a",)), None)]
    assert _take(waiting, 256) == [0, 1]


def test_a_command_decided_in_a_worker_process_runs_in_a_group_of_its_own():
    waiting = [Item(Cmd(("a",)), None), Item(Cmd(("b",), offload=True), None), Item(Cmd(("c",)), None)]
    assert _take(waiting, 256) == [0, 2]        # it waits for a group of its own ...
    assert _take(waiting[1:], 256) == [0]       # ... which holds it alone


def test_consecutive_commands_of_one_batch_kind_are_decided_as_one_run():
    scores, other = object(), object()
    group = [Item(Cmd(("s1",)), None, scores), Item(Cmd(("s2",)), None, scores), Item(Cmd(("t",)), None),
             Item(Cmd(("u",)), None), Item(Cmd(("s3",)), None, scores), Item(Cmd(("o",)), None, other)]
    assert _runs(group, [0, 1, 2, 3, 4, 5]) == [[0, 1], [2], [3], [4], [5]]
    assert _runs(group, [1, 4]) == [[1, 4]]  # the replays between them are not decided: one run


async def test_a_group_that_cannot_be_chosen_fails_its_waiters_instead_of_hanging():
    def broken_take(waiting, max_group):
        raise RuntimeError("choosing failed")

    async def run(items):
        return items

    groups = GroupCommit(run, take=broken_take)
    with pytest.raises(RuntimeError, match="choosing failed"):
        await asyncio.wait_for(groups.submit("item"), timeout=5)
