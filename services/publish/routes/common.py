"""What every publish route shares: the injected clock, the caller (or nobody), the campaign, the pool."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime

from fastapi import Request

from contracts.campaign import Campaign
from contracts.identity import Identity
from eventlog.auth import identify, verifier_of
from eventlog.clock import request_clock
from eventlog.http_answers import answers
from eventlog.idempotency import IdempotentRequest, idempotent_request


def now_for(request: Request) -> datetime:
    return request_clock(request.app.state.clock, request.headers).now()


@answers(401)  # a token sent is verified
async def optional_identity(request: Request) -> Identity | None:
    """The verified caller, or None for a request without credentials (the public); a bad token is a 401."""
    if not request.headers.get("authorization"):
        return None
    return identify(verifier_of(request), request.headers.get("authorization"))


async def campaign_of(request: Request, code: str) -> Campaign:
    return await request.app.state.campaigns.knowing(code)


async def idempotency(request: Request, org: str, key: str | None = None) -> IdempotentRequest | None:
    """The request under its Idempotency-Key header (or `key`, a form's own token), if it has one."""
    key = key if key is not None else request.headers.get("idempotency-key")
    return idempotent_request(org, key, request.method, request.url.path, await request.body())


def client_key(request: Request) -> str:
    """Who an objection came from, for the rate limit: a hash of the client address (never the address).
    Behind a proxy set PUBLISH_TRUST_FORWARDED=1 and the first X-Forwarded-For hop counts instead."""
    address = request.client.host if request.client else "unknown"
    if os.environ.get("PUBLISH_TRUST_FORWARDED") == "1" and (forwarded := request.headers.get("x-forwarded-for")):
        address = forwarded.split(",")[0].strip()
    return hashlib.sha256(f"kczg-objection-client:{address}".encode()).hexdigest()


def pool(request: Request):
    return request.app.state.pool
