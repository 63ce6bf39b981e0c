"""Prometheus metrics every service shares: HTTP requests by route template, consumer lag, outbox depth,
dead letters, whether the broker and the database answer; and the `/metrics` route that serves them
(beside the projections' own series, eventlog/projection/metrics.py, and each service's counters).

What is cheap to count is counted where it happens (requests, dead letters, health changes). What
needs a question to the broker or the database — how far each consumer is behind the log end, how
many outbox rows wait — is asked when /metrics is scraped, bounded by a short timeout: a scrape
while a dependency is away answers at once with the last values.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from time import perf_counter
from typing import Protocol

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, disable_created_metrics, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
disable_created_metrics()  # a *_created series per counter doubles every scrape for nothing an operator reads

_HTTP = ("service", "method", "route", "status")
HTTP_REQUESTS = Counter("kczg_http_requests", "HTTP requests answered, by route template and status", _HTTP)
HTTP_DURATION = Histogram("kczg_http_request_duration_seconds", "Time to answer an HTTP request", _HTTP,
                          buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
CONSUMER_LAG = Gauge("kczg_consumer_lag_records", "Records on the log a consumer has not applied yet "
                     "(log end minus its stored offset), per assigned partition",
                     ("consumer", "group", "topic", "partition"))
OUTBOX_PENDING = Gauge("kczg_outbox_pending_rows", "Outbox rows committed but not yet acked by the broker", ("schema",))
OUTBOX_OLDEST = Gauge("kczg_outbox_oldest_pending_seconds", "Age of the oldest pending outbox row (0: none)", ("schema",))
OUTBOX_RELAYED = Counter("kczg_outbox_relayed_rows", "Outbox rows the relay had to publish (a crash or a lost ack "
                         "left them)", ("schema",))
DEAD_LETTERS = Counter("kczg_dead_letters", "Records sent to the dead-letter topic", ("consumer",))
DEPENDENCY_UP = Gauge("kczg_dependency_up", "1 while the dependency answers (eventlog/http/health.py)",
                      ("service", "dependency"))

UNMATCHED = "<unmatched>"  # no route: never the raw path, whose values are unbounded
SCRAPE_TIMEOUT_S = 2.0

_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))


class ReportsAtScrape(Protocol):
    async def report_metrics(self) -> None: ...


# What is asked at scrape time: the running consumers and outboxes of this process (weakly held: one
# a test forgot to stop does not outlive it).
_reporters: weakref.WeakSet = weakref.WeakSet()


def report_at_scrape(owner: ReportsAtScrape) -> None:
    _reporters.add(owner)


def forget(owner: ReportsAtScrape) -> None:
    _reporters.discard(owner)


async def refresh() -> None:
    """Ask every reporter, each bounded by SCRAPE_TIMEOUT_S (a failure keeps its last values)."""
    async def bounded(owner: ReportsAtScrape) -> None:
        try:
            async with asyncio.timeout(SCRAPE_TIMEOUT_S):
                await owner.report_metrics()
        except Exception:  # noqa: BLE001 — a dependency away: the last values stand
            log.debug("metrics of %r not refreshed", owner, exc_info=True)

    await asyncio.gather(*(bounded(owner) for owner in list(_reporters)))


def remove_series(metric, labels: tuple[str, ...]) -> None:
    try:
        metric.remove(*labels)
    except KeyError:  # already gone (another owner of the same series removed it)
        pass


def metrics_router() -> APIRouter:
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        await refresh()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


class HttpMetrics:
    """ASGI middleware: requests and their duration by method, route template and status. The template is
    the route Starlette matched (`scope["route"]`), or `scope[ROUTE_TEMPLATE]` set by a path that answers
    outside the router (the intake's fast lane); anything else is counted as UNMATCHED."""

    ROUTE_TEMPLATE = "kczg.route_template"

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app, self.service = app, service
        self._series: dict[tuple[str, str, int], tuple] = {}  # labelled children, looked up once each

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = perf_counter()
        status = 500  # an exception before the response started: what the server error handler answers

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self._observe(scope, status, perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = scope.get(self.ROUTE_TEMPLATE) or getattr(scope.get("route"), "path", None) or UNMATCHED
        method = scope["method"]
        key = (method if method in _METHODS else "other", route, status)  # "other": a client's made-up verb
        series = self._series.get(key)
        if series is None:
            labels = (self.service, *key[:2], str(status))
            series = self._series[key] = (HTTP_REQUESTS.labels(*labels), HTTP_DURATION.labels(*labels))
        series[0].inc()
        series[1].observe(seconds)
