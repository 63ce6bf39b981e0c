"""What a write request to the intake must carry, read one way for the FastAPI routes and the fast lane:
the caller (bearer token, role), the Idempotency-Key with its fingerprint and the body limit (the JSON
media types: eventlog.fast_lane.is_json). Refusals are rendered by eventlog.http_problems for both."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from contracts.identity import Identity
from eventlog.auth import TokenVerifier, authorise, bearer_scheme, identify, verifier_of
from eventlog.idempotency import IdempotentRequest, idempotent_request

MAX_BODY_BYTES = int(os.environ.get("INTAKE_MAX_BODY_BYTES", str(256 * 1024)))


@dataclass(frozen=True)
class WriteRequest:
    who: Identity
    idem: IdempotentRequest | None


def parse_write(verifier: TokenVerifier | None, headers: Mapping[str, str], method: str, path: str, body: bytes,
                roles: tuple[str, ...]) -> WriteRequest:
    """The caller, who must hold one of `roles`, and the request's idempotency (raises DomainError)."""
    who = authorise(identify(verifier, headers.get("authorization")), roles)
    return WriteRequest(who, idempotent_request(who.org, headers.get("idempotency-key"), method, path, body))


def writer(*roles: str):
    """FastAPI dependency factory: the parsed write request of a caller holding one of `roles`."""
    async def dependency(request: Request,
                         _documented: HTTPAuthorizationCredentials | None = Depends(bearer_scheme)) -> WriteRequest:
        return parse_write(verifier_of(request), request.headers, request.method, request.url.path,
                           await request.body(), roles)

    return dependency
