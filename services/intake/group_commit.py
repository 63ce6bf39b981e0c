"""Group commit for brand-new nominations' rows.

A new nomination's row is written after its event is acked, only so the unit reads its own write at
once (the projection of the log would write the same row moments later). Written one statement per
request, those rows cost PostgreSQL a round trip and a parse/plan each; here the rows of every request
that finishes publishing while a write is in flight go out together in the next one (eventlog/
group_commit.py, the queue the review's grouped scores use too).

The rows are written with their event ids claimed in intake.inbox, as every writer does, so the
projection does not write them a second time: claim and save are one statement, its own transaction,
on connections that do not wait for the WAL flush (`row_pool`). A row that fails to write is still
on the log: the request has its answer (its event is acked) and the projection writes the row from
the log, so a failure here is logged, never raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import asyncpg

from contracts.events import NominationSubmitted
from eventlog.write.group_commit import GroupCommit

from . import store

log = logging.getLogger(__name__)


async def row_pool(dsn: str) -> asyncpg.Pool:
    """Connections for rows the log can rebuild: commits do not wait for the WAL flush
    (synchronous_commit off), so a crash may lose the last moments' rows and the projection rewrites
    them. One connection: the writer has one statement in flight at a time."""
    return await asyncpg.create_pool(dsn, min_size=1, max_size=1, server_settings={"synchronous_commit": "off"},
                                     init=store.init_connection, connection_class=store.PooledConnection)


class NewRowWriter:
    def __init__(self, pool: asyncpg.Pool, max_batch: int = 1000, timeout_s: float = 5.0) -> None:
        # A stalled database must not keep acked requests from their answer (a client timing out
        # would retry, and without an Idempotency-Key that is a second nomination).
        self.pool, self.timeout_s = pool, timeout_s
        self._rows: GroupCommit[Sequence[NominationSubmitted], None] = GroupCommit(
            self._write, max_group=max_batch, if_cancelled=lambda: None)  # even cancelled (shutting down): acked

    async def save(self, events: Sequence[NominationSubmitted]) -> None:
        """Returns once the row is written (or its write failed and the projection will write it)."""
        await self._rows.submit(events)  # cancelled (client gone): the group is written all the same

    async def _write(self, batch: list[Sequence[NominationSubmitted]]) -> list[None]:
        events = [e for evs in batch for e in evs]
        try:
            async with asyncio.timeout(self.timeout_s), self.pool.acquire() as conn:
                await store.save_new_nominations(conn, events)
        except Exception:  # noqa: BLE001 — see the module docstring: the log has them, the projection writes them
            log.warning("writing %d new nomination rows failed; the projection will write them from the log",
                        len(events), exc_info=True)
        return [None] * len(batch)  # every waiter gets its answer either way: the events are acked
