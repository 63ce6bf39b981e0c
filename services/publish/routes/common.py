"""What every publish route shares: the caller (or nobody), the campaign, the pool, the objector's
client (the service's state, key and instant are eventlog/http/front_door.py's, as for every service)."""

from __future__ import annotations

import hashlib
import os
from fastapi import Request

from contracts.campaign import Campaign
from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.http.auth import identify, verifier_of
from eventlog.http.front_door import service_of
from eventlog.http.answers import answers


@answers(401)  # a token sent is verified
async def optional_identity(request: Request) -> Identity | None:
    """The verified caller, or None for a request without credentials (the public); a bad token is a 401."""
    if not request.headers.get("authorization"):
        return None
    return identify(verifier_of(request), request.headers.get("authorization"))


async def previewing(request: Request) -> bool:
    """Whether the caller is the secretariat, who alone sees an embargoed release before its instant. On these
    public reads bad credentials are no error: the caller is answered as the public (never locked out)."""
    try:
        caller = await optional_identity(request)
    except DomainError:
        return False
    return caller is not None and caller.role == "secretariat"


async def campaign_of(request: Request, code: str) -> Campaign:
    return await service_of(request).campaigns.knowing(code)


def client_key(request: Request) -> str:
    """Who an objection came from, for the rate limit: a hash of the client address (never the address).
    Behind a proxy set PUBLISH_TRUST_FORWARDED=1 and the first X-Forwarded-For hop counts instead."""
    address = request.client.host if request.client else "unknown"
    if os.environ.get("PUBLISH_TRUST_FORWARDED") == "1" and (forwarded := request.headers.get("x-forwarded-for")):
        address = forwarded.split(",")[0].strip()
    return hashlib.sha256(f"kczg-objection-client:{address}".encode()).hexdigest()


def pool(request: Request):
    return service_of(request).pool
