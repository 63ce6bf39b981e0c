"""PUT …/nominations/{id}/scores without FastAPI's per-request machinery, for the requests it fully
understands.

Scoring is the review's one request that comes by the thousand, and FastAPI's routing, dependency
solving and body handling cost more CPU on it than the score itself (measured with py-spy under
bench/review.py --part scoring). So the lane, in front of the whole app (ReviewApp in api.py), answers
it when the request is the ordinary case: a PUT to a scores path of plain segments, JSON (as
eventlog.fast_lane.is_json reads it) with a length within the lane's limit, no repeated header, no
clock header where one is honoured (KCZG_CLOCK_HEADER=1), an expert the route's own dependency would accept (eventlog.auth.identify, authorise),
a valid Idempotency-Key or none (routes/common.idempotency_of), and a body that validates as the route
validates it (ScoreRequest from the JSON Starlette would decode). It runs the route's own work
(routes/experts.score) and renders answers and refusals with the app's renderer (eventlog.http_problems).

Anything else — a bad token or key, a body that does not validate, an odd path — goes on to the FastAPI
app, body and all, so every error before the domain decides comes from one place. The lane sits outside
the app's middleware: the HTTP metrics (eventlog/metrics.py) sit in front of it, and the lane names
the route template it answered for; the body limit is the app's (the lane takes only bodies far under it).
"""

from __future__ import annotations

import json
import re
from uuid import UUID

import asyncpg
from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from contracts.errors import DomainError
from eventlog.auth import authorise, identify
from eventlog.clock import CLOCK_HEADER, header_clock_allowed
from eventlog.fast_lane import is_json, read_body, replaying
from eventlog.http_problems import DEPENDENCY_FAILURES, dependency_response, error_response, problem, reply_response
from eventlog.metrics import HttpMetrics

from .routes.common import VIEWS_BUILDING, idempotency_of, now_for_headers
from .routes.experts import NOMINATION, score
from .schemas import ScoreRequest

_HEX = "[0-9a-fA-F]"
PATH = re.compile(rf"/v1/review/campaigns/([A-Za-z0-9_.-]+)/targets/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)"
                  rf"/nominations/({_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}})/scores")
ROUTE = NOMINATION + "/scores"  # the route template the metrics name
MAX_BODY = 16 * 1024  # a score set is a few hundred bytes; anything longer is the route's


class ScoreFastLane:
    def __init__(self, app: ASGIApp, service_app: FastAPI) -> None:
        self.app, self.service_app = app, service_app
        self.enabled = True  # off: every request goes to the route (the parity tests compare the two)
        self.answered = 0    # requests this lane answered itself
        service_app.state.fast_lane = self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (not self.enabled or scope["type"] != "http" or scope["method"] != "PUT"
                or (path := PATH.fullmatch(scope["path"])) is None):
            return await self.app(scope, receive, send)
        raw = scope["headers"]
        headers = Headers(raw=raw)
        length = headers.get("content-length", "")
        if (len({k for k, _ in raw}) != len(raw)  # a repeated header: which copy counts is the route's call
                or not length.isdigit() or int(length) > MAX_BODY
                or not is_json(headers.get("content-type"))
                or (CLOCK_HEADER in headers and header_clock_allowed())):  # honoured: the route reads it
            return await self.app(scope, receive, send)
        read, whole = await read_body(receive, MAX_BODY)
        body = b"".join(m.get("body", b"") for m in read)
        if not whole:
            return await self.app(scope, replaying(read, receive), send)
        try:
            who = authorise(identify(self.service_app.state.token_verifier, headers.get("authorization")), ("expert",))
            idem = idempotency_of(who, headers, "PUT", scope["path"], body)
            request = ScoreRequest.model_validate(json.loads(body))  # as Starlette's Request.json() decodes it
        except (DomainError, ValueError):  # the route refuses it, through the same parser and renderer
            return await self.app(scope, replaying(read, receive), send)
        scope[HttpMetrics.ROUTE_TEMPLATE] = ROUTE  # answered here, not by the router: the metrics' route label
        campaign, list_code, domain, nomination_id = path.groups()
        app = self.service_app
        try:
            reply = await score(app, who, campaign, list_code, domain, UUID(nomination_id), request,
                                now_for_headers(app, headers), idem)
        except DomainError as exc:
            response = error_response(exc)
        except DEPENDENCY_FAILURES as exc:
            response = dependency_response(exc)
        except asyncpg.UndefinedTableError:
            response = problem(503, *VIEWS_BUILDING)
        else:
            response = reply_response(reply)
        self.answered += 1
        await response(scope, receive, send)
