"""The outbox: events committed in the same transaction as the state that caused them, published after.

`stage` writes a command's (or a consumer batch's) events as rows inside its transaction, so an event
exists exactly when its state change does. After the commit, `publish` sends them with the idempotent
producer (acks=all) and deletes them once the broker acked; the caller answers only then. A crash in
between leaves rows behind, and the relay republishes them with the same event ids, which every
consumer de-duplicates.

Order: the events of one partition key reach Kafka in the order they were staged, whichever process
publishes them (so one aggregate's events keep its commands' commit order: its commands hold its lock
until they commit). A publish first takes an advisory lock per partition key (in hash order, so two
publishers never deadlock), then takes the pending rows of its keys in sequence order and deletes them
in one statement, sends every one of them — a row an earlier command left pending goes first — and
commits once the broker acked; a send that fails rolls the deletion back. The relay takes only keys
nobody is publishing (a try-lock) and rows staged more than its grace period ago (their write time, not
their transaction's start), a thousand at most, so a large command's own publish never waits long behind
it. Requests that finish while a publish is in flight share the next one (one transaction and one produce
round per group, not per request).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence

import asyncpg

from contracts.events import Event, encode_event
from contracts.topics import Topic

from eventlog.http import metrics
from eventlog.ddl import apply_ddl
from eventlog.write.producer import EventPublisher

log = logging.getLogger(__name__)
SLOW_S = 1.0  # a publish slower than this is logged: the ack window (timeout_s) is 5 s
KEY_LOCKS = 1801680488  # advisory-lock namespace of partition keys being published (the aggregates' is …487)
_HASH = "hashtext(encode(key, 'hex'))"

DDL = """
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {schema}.outbox (
    seq   bigserial PRIMARY KEY,
    topic text  NOT NULL,
    key   bytea NOT NULL,
    value bytea NOT NULL
);
ALTER TABLE {schema}.outbox ADD COLUMN IF NOT EXISTS staged_at timestamptz NOT NULL DEFAULT clock_timestamp();
-- When the row was written, not when its transaction began: a long command's rows are not stale at its commit.
ALTER TABLE {schema}.outbox ALTER COLUMN staged_at SET DEFAULT clock_timestamp();
CREATE INDEX IF NOT EXISTS outbox_by_key ON {schema}.outbox (key, seq);
"""


class Outbox:
    """The outbox of one service schema; `publisher` is the service's idempotent producer."""

    def __init__(self, schema: str, pool: asyncpg.Pool, publisher: EventPublisher,
                 relay_grace_s: float = 2.0, timeout_s: float = 5.0) -> None:
        self.schema, self.pool, self.publisher = schema, pool, publisher
        self.relay_grace_s = relay_grace_s  # rows younger than this are their command's own to publish
        self.timeout_s = timeout_s          # a publish that waits longer gives up: the relay takes over
        self._waiting: list[tuple[frozenset[bytes], asyncio.Future]] = []
        self._flusher: asyncio.Task | None = None
        # (topic, partition) -> the offset after the last record this process saw acked there: a write's
        # events are at or before it once `publish` returns (read_your_writes.WritesShown waits for it).
        self.acked: dict[tuple[str, int], int] = {}
        self._stage_sql = self.stage_sql(1, 2, 3)
        taken = (f"DELETE FROM {schema}.outbox o USING due WHERE o.seq = due.seq "
                 "RETURNING o.seq, o.topic, o.key, o.value")
        self._lock_keys_sql = (f"SELECT pg_advisory_xact_lock({KEY_LOCKS}, h) FROM (SELECT DISTINCT {_HASH} AS h "
                               "FROM unnest($1::bytea[]) AS x(key) ORDER BY h) AS keys")
        self._pending_sql = (f"WITH due AS (SELECT seq FROM {schema}.outbox WHERE key = ANY($1::bytea[]) "
                             f"ORDER BY seq FOR UPDATE) {taken}")
        # The relay takes only keys no publisher holds now (try-lock): it never makes a command's publish wait for
        # it beyond one short batch, and a key's rows still leave in sequence order, whoever sends them.
        self._stale_sql = (f"WITH stale AS (SELECT DISTINCT key FROM {schema}.outbox "
                           "WHERE staged_at < now() - $1::float8 * interval '1 second'), "
                           f"free AS (SELECT key FROM stale WHERE pg_try_advisory_xact_lock({KEY_LOCKS}, {_HASH})), "
                           f"due AS (SELECT seq FROM {schema}.outbox WHERE key IN (SELECT key FROM free) "
                           f"ORDER BY seq LIMIT $2 FOR UPDATE) {taken}")
        self._depth_sql = (f"SELECT count(*), coalesce(extract(epoch FROM now() - min(staged_at)), 0)::float8 "
                           f"FROM {schema}.outbox")
        self._relayed = metrics.OUTBOX_RELAYED.labels(schema)

    async def ensure_schema(self, conn: asyncpg.Connection) -> None:
        await apply_ddl(conn, DDL.format(schema=self.schema))

    async def stage(self, conn: asyncpg.Connection, items: Sequence[tuple[Topic, Event]]) -> None:
        """Write `items` as outbox rows inside the caller's transaction, in the given order."""
        if items:
            await conn.execute(self._stage_sql, *self.stage_args(items))

    def stage_sql(self, topic: int, key: int, value: int) -> str:
        """`stage` as a data-modifying statement (a WITH item), its rows in parameters $topic, $key and
        $value (arrays, as `stage_args` gives them)."""
        return (f"INSERT INTO {self.schema}.outbox (topic, key, value) SELECT t, k, v FROM unnest(${topic}::text[], "
                f"${key}::bytea[], ${value}::bytea[]) WITH ORDINALITY AS x(t, k, v, n) ORDER BY n")

    @staticmethod
    def stage_args(items: Sequence[tuple[Topic, Event]]) -> list:
        return [[t.name for t, _ in items], [e.key.encode() for _, e in items], [encode_event(e) for _, e in items]]

    async def publish(self, keys: Iterable[bytes]) -> None:
        """Publish every pending row of partition `keys` (after the commit that staged them); returns once
        the broker acked them all. Raises if that cannot be done within `timeout_s` — the rows stay for
        the relay, so the events will still be published: the outcome is then unknown to the caller."""
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((frozenset(keys), done))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush_all())
        done.add_done_callback(_retrieved)
        async with asyncio.timeout(self.timeout_s):
            await asyncio.shield(done)  # cancelled (client gone, timeout): the group is published all the same

    async def _flush_all(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                try:
                    await self._flush(set().union(*(keys for keys, _ in group)))
                except Exception as exc:  # noqa: BLE001 — the waiters hear it; the rows stay for the relay
                    for _, done in group:
                        if not done.done():
                            done.set_exception(exc)
                else:
                    for _, done in group:
                        if not done.done():
                            done.set_result(None)
        finally:
            self._flusher = None

    async def _flush(self, keys: set[bytes]) -> int:
        started = time.monotonic()
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(self._lock_keys_sql, list(keys))
            rows = await conn.fetch(self._pending_sql, sorted(keys))
            taken = time.monotonic()
            sent = await self._send(rows)
        if (spent := time.monotonic() - started) > SLOW_S:
            log.warning("%s outbox publish took %.1f s: %d rows of %d keys (%.1f s to take them, %.1f s to send)",
                        self.schema, spent, sent, len(keys), taken - started, spent - (taken - started))
        return sent

    async def _send(self, taken: list) -> int:
        """Send the rows taken (locked and deleted, not yet committed), in sequence order."""
        if taken:
            rows = sorted(taken, key=lambda r: r["seq"])
            for sent in await self.publisher.publish_rows([(r["topic"], r["key"], r["value"]) for r in rows]):
                position = (sent.topic, sent.partition)
                self.acked[position] = max(self.acked.get(position, 0), sent.offset + 1)
        return len(taken)

    async def relay_once(self, grace_s: float | None = None, limit: int = 1000) -> int:
        """Republish rows older than the grace period (what a crash left between commit and ack)."""
        started = time.monotonic()
        async with self.pool.acquire() as conn, conn.transaction():
            sent = await self._send(await conn.fetch(self._stale_sql,
                                                     self.relay_grace_s if grace_s is None else grace_s, limit))
        self._relayed.inc(sent)
        if sent:
            log.warning("%s outbox relay republished %d rows in %.1f s", self.schema, sent, time.monotonic() - started)
        return sent

    async def report_metrics(self) -> None:
        """kczg_outbox_pending_rows and kczg_outbox_oldest_pending_seconds of this schema, asked now."""
        async with self.pool.acquire() as conn:
            pending, oldest = await conn.fetchrow(self._depth_sql)
        metrics.OUTBOX_PENDING.labels(self.schema).set(pending)
        metrics.OUTBOX_OLDEST.labels(self.schema).set(oldest)

    async def relay_forever(self, stop: asyncio.Event, every_s: float = 1.0) -> None:
        """The relay: at start (a previous run's leftovers are old already) and every `every_s` after."""
        while not stop.is_set():
            try:
                while await self.relay_once() and not stop.is_set():
                    pass
            except Exception:  # noqa: BLE001 — broker or database away: try again next round
                log.warning("%s outbox relay failed; retrying", self.schema, exc_info=True)
            try:
                await asyncio.wait_for(stop.wait(), timeout=every_s)
            except TimeoutError:
                pass


def _retrieved(done: asyncio.Future) -> None:
    if not done.cancelled():
        done.exception()  # a waiter that gave up has still "seen" the failure: no never-retrieved warning
