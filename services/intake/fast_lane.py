"""POST /v1/nominations without FastAPI's per-request machinery, for the requests it fully understands.

A campaign's traffic is mostly this one request, and FastAPI's routing, dependency solving and body
handling cost about 1 ms of CPU on it — more than the rules, the event and the broker together
(measured with py-spy under bench/intake.py). So the lane, in front of the whole app (IntakeApp in
app.py: not even FastAPI's and Starlette's outer layers run), answers it when the request is the
ordinary case: JSON with a length within the body limit, a valid bearer token of a nominating role,
a body that validates, a well-formed Idempotency-Key or none, and no clock header. It runs the same
code the FastAPI route runs (routes/nominations.submit_new, or submit_keyed with a key) and renders
refusals the way the app's handlers do.

Anything else — a bad token, a body that does not validate, a malformed key — goes on to the FastAPI
app, body and all, so every error before the domain decides has exactly one implementation, and the
route stays the documented contract (OpenAPI at /docs).
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.http_problems import domain_problem_body

from .clock import CLOCK_HEADER
from .idempotency import IdempotentRequest, Reply, idempotent_request
from .routes.common import answer
from .routes.nominations import NOMINATOR_ROLES, submit_keyed, submit_new
from .schemas import NominationRequest

PATH = "/v1/nominations"
_CLOCK = CLOCK_HEADER.lower().encode()


class NominationFastLane:
    def __init__(self, app: ASGIApp, service_app: FastAPI, max_body: int) -> None:
        self.app, self.service_app, self.max_body = app, service_app, max_body
        self.answered = 0  # requests this lane answered itself
        service_app.state.fast_lane = self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        token = headers.get(b"authorization", b"")
        length = headers.get(b"content-length", b"")
        if (len(headers) != len(scope["headers"])  # a repeated header: which copy counts is the route's call
                or not token.startswith(b"Bearer ") or not length.isdigit() or int(length) > self.max_body
                or not _is_json(headers.get(b"content-type", b"")) or _CLOCK in headers):
            return await self.app(scope, receive, send)  # an oversized body is refused there, unread
        read, whole = await _read_body(receive, self.max_body)
        understood = whole and self._understood(scope, token[7:].decode("latin-1"), headers.get(b"idempotency-key"),
                                                b"".join(m.get("body", b"") for m in read))
        if not understood:
            return await self.app(scope, _replaying(read, receive), send)
        who, request, idem = understood
        svc = self.service_app.state.intake
        try:
            if idem is None:
                reply = await submit_new(svc, who, request, svc.clock)
            else:
                reply = await submit_keyed(svc, who, request, svc.clock, idem)
        except DomainError as exc:
            reply = Reply(exc.http_status, domain_problem_body(exc))
        self.answered += 1
        await answer(reply)(scope, receive, send)

    def _understood(self, scope: Scope, token: str, key: bytes | None,
                    body: bytes) -> tuple[Identity, NominationRequest, IdempotentRequest | None] | None:
        """(caller, request, idempotency) when all are valid as the route would find them, else None."""
        verifier = getattr(self.service_app.state, "token_verifier", None)
        if verifier is None:
            return None
        try:
            who = verifier.verify(token)
            request = NominationRequest.model_validate_json(body)
            # Fingerprinted exactly as the route does (its path, headers decoded as Starlette does), so
            # a retry is recognised whichever of the two answers it.
            idem = None if key is None else idempotent_request(who.org, key.decode("latin-1"), "POST",
                                                               Request(scope).url.path, body)
        except (DomainError, ValidationError):
            return None
        return (who, request, idem) if who.role in NOMINATOR_ROLES else None


def _is_json(content_type: bytes) -> bool:
    media_type = content_type.split(b";", 1)[0].strip().lower()
    return media_type == b"application/json" or (media_type.startswith(b"application/") and media_type.endswith(b"+json"))


async def _read_body(receive: Receive, max_bytes: int) -> tuple[list[Message], bool]:
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


def _replaying(read: list[Message], receive: Receive) -> Receive:
    """`receive` for the app behind: the messages already read, then the rest as they come."""
    pending = list(reversed(read))

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay
