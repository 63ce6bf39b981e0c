"""LazyConnection (services/intake/service.py): a connection is taken at the first query only, given
back once, and a failed or cancelled acquire surfaces as itself (nothing is given back for it)."""

from __future__ import annotations

import asyncio

import pytest

from services.intake.service import LazyConnection


class Pool:
    """Hands out one fake connection, or fails to, and records what was given back."""

    def __init__(self, fails_with: BaseException | None = None) -> None:
        self.fails_with, self.taken, self.returned = fails_with, 0, 0

    def acquire(self):
        pool = self

        class Taking:
            async def __aenter__(self):
                if pool.fails_with is not None:
                    raise pool.fails_with
                pool.taken += 1
                return Connection()

            async def __aexit__(self, *exc):
                pool.returned += 1

        return Taking()


class Connection:
    async def fetchval(self, query: str, *args):
        return 1


async def test_no_query_takes_no_connection():
    pool = Pool()
    async with LazyConnection(pool):
        pass
    assert (pool.taken, pool.returned) == (0, 0)


async def test_queries_share_one_connection_given_back_once():
    pool = Pool()
    async with LazyConnection(pool) as conn:
        assert await conn.fetchval("SELECT 1") == 1
        assert await conn.fetchval("SELECT 1") == 1
    assert (pool.taken, pool.returned) == (1, 1)


@pytest.mark.parametrize("failure", [OSError("database unreachable"), asyncio.CancelledError()])
async def test_a_failed_acquire_surfaces_as_itself(failure):
    pool = Pool(fails_with=failure)
    with pytest.raises(type(failure)):
        async with LazyConnection(pool) as conn:
            await conn.fetchval("SELECT 1")
    assert pool.returned == 0
