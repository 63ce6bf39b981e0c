"""POST /v1/nominations without FastAPI's per-request machinery, for the requests it fully understands.

A campaign's traffic is mostly this one request, and FastAPI's routing, dependency solving and body
handling cost about 1 ms of CPU on it — more than the rules, the event and the broker together
(measured with py-spy under bench/intake.py). So the lane, in front of the whole app (IntakeApp in
app.py: not even FastAPI's and Starlette's outer layers run), answers it when the request is the
ordinary case: JSON (as eventlog.fast_lane.is_json reads it) with a length within the body limit, no
repeated header, no clock header where one is honoured (KCZG_CLOCK_HEADER=1), a caller and
Idempotency-Key the route's own parser accepts (http_contract.parse_write), and a body that validates. It runs the route's own work
(routes/nominations.submit_new, or submit_keyed with a key), and renders answers and the domain's
refusals with the app's renderer (eventlog.http_problems).

Anything else — a bad token or key, a body that does not validate or is of unknown length, a media
type that is not JSON — goes on to the FastAPI app, body and all, so every error before the domain
decides comes from one place. Because the lane sits outside the app's middleware, tests/integration/
test_intake_fast_lane.py pins that middleware stack: a middleware added later must decide whether
the lane needs it too. The HTTP metrics (eventlog/metrics.py) sit in front of the lane for that reason;
the lane names the route template it answered for.
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from contracts.errors import DomainError
from eventlog.clock import CLOCK_HEADER, header_clock_allowed
from eventlog.fast_lane import is_json, read_body, replaying
from eventlog.http_problems import DEPENDENCY_FAILURES, dependency_response, error_response, reply_response
from eventlog.metrics import HttpMetrics

from .domain.access import NOMINATOR_ROLES
from .http_contract import parse_write
from .routes.nominations import submit_keyed, submit_new
from .schemas import NominationRequest

PATH = "/v1/nominations"


class NominationFastLane:
    def __init__(self, app: ASGIApp, service_app: FastAPI, max_body: int) -> None:
        self.app, self.service_app, self.max_body = app, service_app, max_body
        self.enabled = True  # off: every request goes to the route (the parity tests compare the two)
        self.answered = 0    # requests this lane answered itself
        service_app.state.fast_lane = self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        raw = scope["headers"]
        headers = Headers(raw=raw)
        length = headers.get("content-length", "")
        if (len({k for k, _ in raw}) != len(raw)  # a repeated header: which copy counts is the route's call
                or not length.isdigit() or int(length) > self.max_body
                or not is_json(headers.get("content-type"))
                or (CLOCK_HEADER in headers and header_clock_allowed())):  # honoured: the route reads it
            return await self.app(scope, receive, send)  # an oversized body is refused there, unread
        read, whole = await read_body(receive, self.max_body)
        body = b"".join(m.get("body", b"") for m in read)
        if not whole:
            return await self.app(scope, replaying(read, receive), send)
        try:
            req = parse_write(self.service_app.state.token_verifier, headers, "POST", PATH, body, NOMINATOR_ROLES)
            request = NominationRequest.model_validate_json(body)
        except (DomainError, ValidationError):  # the route refuses it, through the same parser and renderer
            return await self.app(scope, replaying(read, receive), send)
        scope[HttpMetrics.ROUTE_TEMPLATE] = PATH  # answered here, not by the router: the metrics' route label
        svc = self.service_app.state.intake
        now = svc.clock.now()
        try:
            reply = await (submit_new(svc, req.who, request, now) if req.idem is None
                           else submit_keyed(svc, req.who, request, now, req.idem))
        except DomainError as exc:
            response = error_response(exc)
        except DEPENDENCY_FAILURES as exc:
            response = dependency_response(exc)
        else:
            response = reply_response(reply)
        self.answered += 1
        await response(scope, receive, send)
