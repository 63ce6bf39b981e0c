"""A fast lane: in front of a FastAPI app (eventlog/http/service_app.py puts it there), it answers the
ordinary case of a few declared requests itself and hands everything else to the app, body and all.

A lane route is a declaration — method, path pattern, parse, handle — and `FastLane` is all the rest,
for every service. The request is the lane's only when it is the ordinary case: JSON (as FastAPI reads
it, `is_json`) with a declared length within the route's limit, no repeated header (which copy counts is
the app's call), a body read whole, and a `parse` that accepts it (the caller, key, clock and body as the
route's own parser reads them: eventlog/http/front_door.py, a demo's X-Kczg-Clock included). Anything
else — a bad token, key or clock, a body that does not validate, an odd path — goes to the app, so every
error before the domain decides comes from one place. The handler is the one the route calls
(services/<svc>/handlers.py); its answers and refusals are rendered by the app's own exception handlers
(eventlog/http/problems.py), and the metrics are told the route template.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eventlog.http.problems import reply_response
from eventlog.write.idempotency import Reply
from eventlog.http.metrics import HttpMetrics

log = logging.getLogger("eventlog.http.fast_lane")

# parse(service state, headers, the path matched, body) -> the handler's arguments; raises to fall through
Parse = Callable[[Any, Headers, "re.Match[str]", bytes], tuple]
Handle = Callable[..., Awaitable[Reply]]


@dataclass(frozen=True)
class LaneRoute:
    method: str
    path: re.Pattern[str]  # matched whole; the match goes to `parse`
    template: str          # the route template the app declares, for the metrics' route label
    parse: Parse
    handle: Handle         # handle(service state, *parsed)
    max_body: int


class FastLane:
    def __init__(self, app: ASGIApp, service_app: Any, routes: Sequence[LaneRoute] = ()) -> None:
        self.app, self.service_app, self.routes = app, service_app, tuple(routes)
        self.enabled = True  # off: every request goes to the app (the parity tests compare the two)
        self.answered = 0    # requests this lane answered itself

    def _route(self, scope: Scope) -> tuple[LaneRoute, re.Match[str]] | None:
        for route in self.routes:
            if scope["method"] == route.method and (found := route.path.fullmatch(scope["path"])) is not None:
                return route, found
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http" or (matched := self._route(scope)) is None:
            return await self.app(scope, receive, send)
        route, path = matched
        raw = scope["headers"]
        headers = Headers(raw=raw)
        length = headers.get("content-length", "")
        if (len({k for k, _ in raw}) != len(raw)  # a repeated header: which copy counts is the app's call
                or not length.isdigit() or int(length) > route.max_body
                or not is_json(headers.get("content-type"))):
            return await self.app(scope, receive, send)  # an oversized body is refused there, unread
        read, whole = await read_body(receive, route.max_body)
        if not whole:
            return await self.app(scope, replaying(read, receive), send)
        service = self.service_app.state.service
        try:
            parsed = route.parse(service, headers, path, b"".join(m.get("body", b"") for m in read))
        except Exception:  # noqa: BLE001 — the app refuses it, through the same parser and renderer
            return await self.app(scope, replaying(read, receive), send)
        scope[HttpMetrics.ROUTE_TEMPLATE] = route.template  # answered here, not by the router
        try:
            response = reply_response(await route.handle(service, *parsed))
        except Exception as exc:  # noqa: BLE001 — rendered as the app renders it
            response = await self._rendered(scope, receive, exc)
        self.answered += 1
        await response(scope, receive, send)

    async def _rendered(self, scope: Scope, receive: Receive, exc: Exception):
        handlers = self.service_app.exception_handlers
        kind = next((kind for kind in type(exc).__mro__ if kind in handlers), None)
        if kind is None:
            raise exc
        if kind is Exception:  # a bug: answered as the app answers it (500), and logged as the app logs it
            log.error("unexpected error in the fast lane", exc_info=exc)
        return await handlers[kind](Request(scope, receive), exc)


def is_json(content_type: str | None) -> bool:
    """Whether FastAPI reads a body of this media type as JSON (application/json or application/*+json)."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


async def read_body(receive: Receive, max_bytes: int) -> tuple[list[Message], bool]:
    """The messages of the body, and whether they are all of it: not cut short by a disconnect, nor
    past `max_bytes` (then the app behind refuses it as it reads on)."""
    read, size = [], 0
    while True:
        message = await receive()
        read.append(message)
        if message["type"] != "http.request":
            return read, False
        size += len(message.get("body", b""))
        if size > max_bytes:
            return read, False
        if not message.get("more_body", False):
            return read, True


def replaying(read: list[Message], receive: Receive) -> Receive:
    """`receive` for the app behind: the messages already read, then the rest as they come."""
    pending = list(reversed(read))

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay
