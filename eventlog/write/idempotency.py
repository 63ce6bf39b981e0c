"""Idempotency-Key: a retried request gets the first answer (same status and body) and causes nothing new.

The key row is claimed inside the command's own transaction: a concurrent request with the same key
waits on that row until the first commits, then replays its answer (or, past the lock timeout, gets
409). If the first fails without an answer its transaction rolls back and the key is free again.
Each service keeps its keys in its own schema (`<schema>.idempotency`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid5

import asyncpg
import orjson

from contracts.errors import Conflict, DomainError

from eventlog.ddl import apply_ddl

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
WAIT_FOR_FIRST = "10s"
_NS = uuid5(NAMESPACE_URL, "urn:kczg:intake:idempotency")

DDL = """
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {schema}.idempotency (
    org         text NOT NULL,
    key         text NOT NULL,
    fingerprint bytea NOT NULL,
    status      integer NOT NULL,
    body        bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org, key)
);
-- The partition keys of the events the first attempt staged: a replay publishes what is still pending.
ALTER TABLE {schema}.idempotency ADD COLUMN IF NOT EXISTS event_keys text[] NOT NULL DEFAULT '{{}}';
"""


@dataclass(frozen=True)
class IdempotentRequest:
    org: str
    key: str
    fingerprint: bytes

    def derived_id(self, what: str) -> UUID:
        """An id the retried request derives again (so even a half-finished first attempt is repeated, not doubled)."""
        return uuid5(_NS, f"{self.org}:{self.key}:{what}")


@dataclass(frozen=True)
class Reply:
    """What a command answers: the HTTP status and JSON body (remembered for a retry under the same key)."""

    status: int
    body: dict
    replayed: bool = False
    event_keys: tuple[str, ...] = ()  # partition keys of the events behind it (what a replay must see published)


def idempotent_request(org: str, key: str | None, method: str, path: str, body: bytes) -> IdempotentRequest | None:
    if key is None:
        return None
    if not KEY_PATTERN.match(key):
        raise DomainError("Idempotency-Key 须为 8–128 位字母、数字或 _.:- 。", code="invalid_idempotency_key",
                          field="Idempotency-Key", http_status=400)
    return IdempotentRequest(org, key, hashlib.sha256(b"%s %s\n%s" % (method.encode(), path.encode(), body)).digest())


class IdempotencyKeys:
    """The keys of one service schema. A command's transaction claims its key and remembers its answer;
    a group of commands (eventlog/write/unit_of_work.py) claims and remembers all of theirs in one
    statement each, the same statements a command alone runs with one key."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self._claim = (f"INSERT INTO {schema}.idempotency (org, key, fingerprint, status, body) "
                       "SELECT o, k, f, 0, '' FROM unnest($1::text[], $2::text[], $3::bytea[]) AS x(o, k, f) "
                       "ORDER BY o, k ON CONFLICT DO NOTHING RETURNING org, key")
        self._firsts = (f"SELECT i.fingerprint, i.status, i.body, i.event_keys FROM unnest($1::text[], $2::text[]) "
                        f"WITH ORDINALITY AS x(org, key, n) LEFT JOIN {schema}.idempotency i "
                        "ON i.org = x.org AND i.key = x.key ORDER BY x.n")
        # event_keys as one JSON array per answer: PostgreSQL has no arrays of arrays of different lengths.
        self._remember = (f"UPDATE {schema}.idempotency i SET status = x.status, body = x.body, "
                          "event_keys = ARRAY(SELECT jsonb_array_elements_text(x.event_keys::jsonb)) "
                          "FROM unnest($1::text[], $2::text[], $3::int[], $4::bytea[], $5::text[]) "
                          "AS x(org, key, status, body, event_keys) WHERE i.org = x.org AND i.key = x.key")

    async def ensure_schema(self, conn: asyncpg.Connection) -> None:
        await apply_ddl(conn, DDL.format(schema=self.schema))

    async def claim(self, conn: asyncpg.Connection, req: IdempotentRequest) -> Reply | None:
        """None: this request owns the key; else the first request's reply to replay."""
        (first,) = await self.claim_all(conn, [req])
        if isinstance(first, DomainError):
            raise first
        return first

    async def claim_all(self, conn: asyncpg.Connection,
                        reqs: Sequence[IdempotentRequest]) -> list[Reply | DomainError | None]:
        """For each request (their keys distinct): None if it owns its key now, else the first request's
        reply to replay, or the refusal of a key used for another request. A key whose first request is
        still in flight past WAIT_FOR_FIRST raises Conflict (for all of them: none is claimed)."""
        await conn.execute(f"SET LOCAL lock_timeout = '{WAIT_FOR_FIRST}'")
        try:
            owned = await conn.fetch(self._claim, [r.org for r in reqs], [r.key for r in reqs],
                                     [r.fingerprint for r in reqs])
        except asyncpg.LockNotAvailableError:
            raise Conflict("相同 Idempotency-Key 的请求仍在处理中，请稍后重试。", code="idempotency_in_progress") from None
        await conn.execute("SET LOCAL lock_timeout = 0")
        mine = {(r["org"], r["key"]) for r in owned}
        claimed = [r for r in reqs if (r.org, r.key) not in mine]
        if not claimed:
            return [None] * len(reqs)
        rows = await conn.fetch(self._firsts, [r.org for r in claimed], [r.key for r in claimed])
        firsts = {(r.org, r.key): _first(r, row) for r, row in zip(claimed, rows)}
        return [firsts.get((r.org, r.key)) for r in reqs]

    async def remember(self, conn: asyncpg.Connection, req: IdempotentRequest, reply: Reply) -> None:
        await self.remember_all(conn, [(req, reply)])

    async def remember_all(self, conn: asyncpg.Connection, replies: Sequence[tuple[IdempotentRequest, Reply]]) -> None:
        """The answer of each request, for a retry under its key (inside the transaction that claimed it)."""
        if replies:
            await conn.execute(self._remember, [r.org for r, _ in replies], [r.key for r, _ in replies],
                               [a.status for _, a in replies], [orjson.dumps(a.body) for _, a in replies],
                               [orjson.dumps(a.event_keys).decode() for _, a in replies])


def _first(req: IdempotentRequest, row: asyncpg.Record) -> Reply | DomainError:
    if bytes(row["fingerprint"]) != req.fingerprint:
        return DomainError("该 Idempotency-Key 已用于另一个不同的请求。", code="idempotency_key_reused")
    return Reply(row["status"], orjson.loads(row["body"]), replayed=True, event_keys=tuple(row["event_keys"]))
