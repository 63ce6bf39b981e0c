"""A database away for a moment, however asyncpg says so, is a 503 problem+json with a Retry-After and a
Chinese message, from the unit of work and from any handler alike: never a plain 500."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from eventlog.http import problems as http_problems
from eventlog.write.unit_of_work import DatabaseUnavailable, UnitOfWork

# What the database's death and restart looked like to the services (tests/fault/test_dependencies_down.py).
AWAY = [
    # A pooled connection left mid-protocol when the server vanished: raised by the next BEGIN on it.
    asyncpg.InternalClientError("cannot switch to state 15; another operation (2) is in progress"),
    asyncpg.InterfaceError("cannot call Connection.execute(): connection is closed"),
    asyncpg.InterfaceError("pool is closing"),
    asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.CannotConnectNowError("the database system is starting up"),
    asyncpg.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.CrashShutdownError("terminating connection because of crash of another server process"),
    ConnectionRefusedError(111, "Connection refused"),
    ConnectionResetError(104, "Connection reset by peer"),
]


def app_raising(exc: BaseException) -> FastAPI:
    app = FastAPI()
    http_problems.install(app)

    @app.get("/read")
    async def read():
        raise exc

    return app


@pytest.mark.parametrize("exc", AWAY, ids=lambda e: type(e).__name__)
async def test_a_handler_meeting_the_database_away_answers_503_problem_json(exc):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app_raising(exc), raise_app_exceptions=False),
                                 base_url="http://service") as client:
        r = await client.get("/read")
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == http_problems.PROBLEM_JSON and r.headers["retry-after"] == "5"
    assert r.json()["code"] == "database_unavailable" and "数据库暂不可用" in r.json()["detail"]


async def test_no_answer_in_time_is_a_503_too():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app_raising(TimeoutError()),
                                                               raise_app_exceptions=False),
                                 base_url="http://service") as client:
        r = await client.get("/read")
    assert (r.status_code, r.json()["code"], r.headers["retry-after"]) == (503, "dependency_timeout", "5")


class BrokenPool:
    """Hands out a connection whose BEGIN fails as `exc`, like a connection the server vanished under."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def acquire(self):
        exc = self.exc

        class Connection:
            def transaction(self):
                class Begin:
                    async def __aenter__(self):
                        raise exc

                    async def __aexit__(self, *info):
                        return False

                return Begin()

        class Taking:
            async def __aenter__(self):
                return Connection()

            async def __aexit__(self, *info):
                return False

        return Taking()


@pytest.mark.parametrize("exc", AWAY, ids=lambda e: type(e).__name__)
async def test_the_unit_of_work_meeting_the_database_away_refuses_with_database_unavailable(exc):
    uow = UnitOfWork(BrokenPool(exc), outbox=None, keys=None)  # neither is reached: BEGIN fails first
    with pytest.raises(DatabaseUnavailable) as refused:
        await uow.run(cmd=None)
    assert refused.value.http_status == 503 and refused.value.__cause__ is exc
    response = http_problems.error_response(refused.value)
    assert (response.status_code, response.headers["retry-after"]) == (503, "5")
