"""The vault of person keys (privacy.person_keys), asyncpg. A writer holds its people's keys inside its unit of
work (`held_keys` in gather, a new one only in memory) and stores the new ones with the events that need them
(`store_new_keys` in save): a refused command leaves no key behind. Readers fetch the keys of the fields they show;
`erase` destroys a key for ever (the row stays as a tombstone: no key is made for that person again)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from contracts.errors import Conflict
from contracts.personal import purpose_of
from eventlog.ddl import apply_sql_file


class PersonErased(Conflict):
    code = "person_erased"

    def __init__(self, pid: str) -> None:
        super().__init__(f"该人员的个人信息已删除，不能再记录（{pid}）。")


Erased = tuple[str, str, str]  # (person id, purpose, campaign) of a key destroyed


async def ensure_schema(conn: asyncpg.Connection) -> None:
    await apply_sql_file(conn, __package__, "schema.sql")


@dataclass
class HeldKeys:
    """Keys a command seals with: `keys` by person id; `new` those made for it, stored only if it saves."""

    campaign: str
    made_at: datetime
    keys: dict[str, bytes] = field(default_factory=dict)
    new: list[str] = field(default_factory=list)


def _lock_id(pid: str) -> int:
    return int.from_bytes(hashlib.sha256(b"person-key:" + pid.encode()).digest()[:8], "big", signed=True)


async def held_keys(conn: asyncpg.Connection, pids: Iterable[str], campaign: str, now: datetime) -> HeldKeys:
    """Each person's key, locked to this transaction (no other command makes a different one meanwhile), a new one
    made in memory for a person without; PersonErased for one whose key was destroyed."""
    held = HeldKeys(campaign, now)
    for pid in sorted(set(pids)):  # one order for every transaction: no deadlock between two of them
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _lock_id(pid))
        row = await conn.fetchrow("SELECT key FROM privacy.person_keys WHERE person_id = $1", pid)
        if row is not None and row["key"] is None:
            raise PersonErased(pid)
        if row is None:
            held.new.append(pid)
        held.keys[pid] = bytes(row["key"]) if row is not None else os.urandom(32)
    return held


async def store_new_keys(conn: asyncpg.Connection, held: HeldKeys | None) -> None:
    if held is not None and held.new:
        await conn.executemany("""INSERT INTO privacy.person_keys (person_id, purpose, campaign, key, created_at)
                                  VALUES ($1, $2, $3, $4, $5)""",
                               [(pid, purpose_of(pid), held.campaign, held.keys[pid], held.made_at)
                                for pid in held.new])


async def key_for(conn: asyncpg.Connection, pid: str, campaign: str, now: datetime) -> bytes:
    """The person's key, made on first use; PersonErased once it was destroyed."""
    await conn.execute("""INSERT INTO privacy.person_keys (person_id, purpose, campaign, key, created_at)
                          VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id) DO NOTHING""",
                       pid, purpose_of(pid), campaign, os.urandom(32), now)
    key = await conn.fetchval("SELECT key FROM privacy.person_keys WHERE person_id = $1", pid)
    if key is None:
        raise PersonErased(pid)
    return bytes(key)


async def keys_of(conn: asyncpg.Connection, pids: Iterable[str]) -> dict[str, bytes | None]:
    """The keys of these people that the vault knows: None for an erased one; absent: never held."""
    rows = await conn.fetch("SELECT person_id, key FROM privacy.person_keys WHERE person_id = ANY($1::text[])",
                            sorted(set(pids)))
    return {r["person_id"]: (bytes(r["key"]) if r["key"] is not None else None) for r in rows}


async def erase(conn: asyncpg.Connection, pid: str, why: str, now: datetime) -> bool:
    """Destroys the person's key; True if there was one to destroy. An unknown person gets a tombstone too
    (a field upcast from before sealing is then no longer shown either)."""
    destroyed = await conn.fetchval("""UPDATE privacy.person_keys SET key = NULL, erased_at = $2, erased_why = $3
                                       WHERE person_id = $1 AND key IS NOT NULL RETURNING person_id""", pid, now, why)
    if destroyed is None:
        await conn.execute("""INSERT INTO privacy.person_keys (person_id, purpose, campaign, created_at, erased_at,
                              erased_why) VALUES ($1, $2, '', $3, $3, $4) ON CONFLICT (person_id) DO NOTHING""",
                           pid, purpose_of(pid), now, why)
    return destroyed is not None


async def live_people(conn: asyncpg.Connection, campaign: str, purpose: str) -> list[str]:
    rows = await conn.fetch("""SELECT person_id FROM privacy.person_keys WHERE campaign = $1 AND purpose = $2
                               AND key IS NOT NULL ORDER BY person_id""", campaign, purpose)
    return [r["person_id"] for r in rows]


async def expire(conn: asyncpg.Connection, campaign: str, purpose: str, why: str, now: datetime) -> list[Erased]:
    """Destroys every live key of one purpose of one campaign (its retention ran out): what it destroyed."""
    rows = await conn.fetch("""UPDATE privacy.person_keys SET key = NULL, erased_at = $3, erased_why = $4
                               WHERE campaign = $1 AND purpose = $2 AND key IS NOT NULL
                               RETURNING person_id""", campaign, purpose, now, why)
    return sorted((r["person_id"], purpose, campaign) for r in rows)
