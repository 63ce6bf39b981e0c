"""A throwaway database on the live server: created empty, dropped when the block ends (even on failure)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from eventlog.settings import database_url


def with_database(dsn: str, name: str) -> str:
    return urlunsplit(urlsplit(dsn)._replace(path=f"/{name}"))


@asynccontextmanager
async def scratch_database(purpose: str, dsn: str | None = None) -> AsyncIterator[str]:
    """Yields the DSN of a new database named after `purpose` (same server, user and settings as `dsn`)."""
    dsn = dsn or database_url()
    name = f"kczg_{purpose}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield with_database(dsn, name)
        finally:
            await _drop(admin, name)
    finally:
        await admin.close()


async def _drop(admin: asyncpg.Connection, name: str) -> None:
    for _ in range(20):
        try:  # FORCE: a pool closed a moment ago may still hold a backend
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except asyncpg.ObjectInUseError:
            await asyncio.sleep(0.25)
