"""An unexpected error is a 500 problem+json on a connection that stays usable: uvicorn closed a kept-alive
connection after Starlette re-raised the error (no `Connection: close`), and the client's next request on
it failed with "connection reset by peer". The app is served by uvicorn, as every service is."""

from __future__ import annotations

import importlib
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from eventlog.http import problems as http_problems


def failing_app() -> FastAPI:
    app = FastAPI()
    http_problems.install(app)

    @app.get("/boom")
    async def boom() -> dict:
        raise RuntimeError("a bug")

    @app.get("/ok")
    async def ok() -> dict:
        return {"ok": True}

    return app


@pytest.fixture
def base_url() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # log_config=None: leaves the logging set-up alone (a level set here would leak into later tests)
    server = uvicorn.Server(uvicorn.Config(failing_app(), host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def local_port(response: httpx.Response) -> int:
    return response.extensions["network_stream"].get_extra_info("client_addr")[1]


def test_after_a_500_the_same_connection_answers_the_next_request(base_url):
    with httpx.Client(base_url=base_url, timeout=5) as client:
        failed = client.get("/boom")
        connection = local_port(failed)
        assert failed.status_code == 500
        assert failed.headers["content-type"] == "application/problem+json"
        assert failed.json()["code"] == "internal_error"
        assert "connection" not in failed.headers  # kept alive, so it must stay usable
        time.sleep(0.2)  # long enough for a close by the server to arrive
        after = client.get("/ok")
        assert (after.status_code, after.json()) == (200, {"ok": True})
        assert local_port(after) == connection  # the same connection, not a new one


@pytest.mark.parametrize("module", ["services.intake.api", "services.quota.api", "services.publish.api",
                                    "services.review.api"])
def test_every_service_answers_errors_outermost(module):
    app = importlib.import_module(module).app
    assert isinstance(app.build_middleware_stack(), http_problems.ErrorsStayAnswers)
