"""Every service's FastAPI app, built one way: `create_service_app` puts the front of the app in one
order for all of them, and pins it (tests/integration/test_service_front.py):

    HTTP metrics -> page session -> fast lane -> body limit -> the FastAPI app (problems, routes, health, metrics)

The lane answers its declared requests before any of the app's own middleware runs, so what must see
every request sits in front of it, in `FRONT`: the metrics, and the pages' session (the cookie login
and its CSRF check: eventlog/http/page_session.py, which touches /workbench/ paths only). A middleware added to the app instead (`add_middleware`) is skipped by the lane,
and the pinning test says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from eventlog.http import problems as http_problems
from eventlog.http.body_limit import BodySizeLimit
from eventlog.http.fast_lane import FastLane, LaneRoute
from eventlog.http.front_door import ServiceState
from eventlog.http.health import health_router
from eventlog.http.metrics import HttpMetrics, metrics_router
from eventlog.http.page_session import PageSession


def _metrics(behind: ASGIApp, state: ServiceState) -> ASGIApp:
    return HttpMetrics(behind, service=state.name)  # counts the lane's answers and the app's alike


def _page_session(behind: ASGIApp, state: ServiceState) -> ASGIApp:
    return PageSession(behind, state.page_uploads)  # a forged form is refused before the lane or any route reads it


# What sits in front of the lane, outermost first, each built as `layer(what is behind it, the service's state)`.
FRONT: tuple[Callable[[ASGIApp, ServiceState], ASGIApp], ...] = (_metrics, _page_session)


class ServiceApp(FastAPI):
    """A FastAPI app whose entry (`entry`: FRONT -> lane) runs before FastAPI's and Starlette's own layers."""

    entry: ASGIApp
    lane: FastLane

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.entry(scope, receive, send)

    async def behind_lane(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)

    def front(self) -> list[ASGIApp]:
        """The layers a request passes before the app's own stack, outermost first."""
        layers, layer = [], self.entry
        while layer != self.behind_lane:
            layers.append(layer)
            layer = layer.app
        return layers


def create_service_app(state: ServiceState, *, title: str, version: str, description: str, lifespan,
                       routers: Iterable[APIRouter], max_body: int, per_path: dict[str, int] | None = None,
                       lanes: Sequence[LaneRoute] = (),
                       exception_handlers: dict[type[Exception], Callable[..., Any]] | None = None,
                       page_homes: dict[str, str] | None = None) -> ServiceApp:
    """The service's app: `state` on `app.state.service` (its lifespan fills it), its routers behind the
    body limit (`max_body` bytes, or `per_path`'s), and its lane routes answered in front of it all.
    A service with pages names each role's start page (`page_homes`) and gets the login exchange."""
    app = ServiceApp(title=title, version=version, description=description, lifespan=lifespan)
    app.state.service = state
    state.page_uploads = dict(per_path or {})  # the page session reads an upload's form to its limit, no further
    app.lane = FastLane(app.behind_lane, service_app=app, routes=lanes)
    app.entry = app.lane
    for layer in reversed(FRONT):
        app.entry = layer(app.entry, state)
    app.add_middleware(BodySizeLimit, max_bytes=max_body, per_path=per_path)
    http_problems.install(app)
    for kind, handler in (exception_handlers or {}).items():
        app.add_exception_handler(kind, handler)
    app.include_router(health_router())
    app.include_router(metrics_router())
    if page_homes is not None:
        from eventlog.pages.access import Refused  # Jinja2 and the layout: for services with pages only
        from eventlog.pages.login import login_router
        app.include_router(login_router(page_homes))
        app.add_exception_handler(Refused, _refused_page)
        http_problems.answer_pages_in_html(app)
    for router in routers:
        app.include_router(router)
    return app


async def _refused_page(request, refused) -> Any:
    """A page asked for by someone it is not for: the login's pointer (401) or the refusal (403) that
    `signed_in` built, so a page route says who it is for in one line."""
    return refused.response
