"""How a request becomes a command, written once for every service's routes and fast lanes: the
service's state on `app.state.service`, and the write request — the caller, the Idempotency-Key and the
clock's instant — read from the headers one way (eventlog/http/service_app.py builds the app around it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from contracts.errors import DomainError
from contracts.identity import Identity

from eventlog.http.auth import TokenVerifier, authorise, bearer_scheme, identify, verifier_from_env
from eventlog.clock import Clock, clock_from_env, request_clock
from eventlog.write.idempotency import IdempotentRequest, idempotent_request
from eventlog.consume.campaign_follower import CampaignFollower
from eventlog.http.health import Dependencies
from eventlog.write.producer import EventPublisher
from eventlog.projection.status import LogEnds
from eventlog.write.unit_of_work import UnitOfWork
from eventlog.write.write_side import WriteSide


class ServiceState:
    """What a service's routes and lanes need, one layout for every service: the write side (pool,
    unit of work, campaigns, publisher, health), the clock, the token verifier, and the service's own
    parts (`own`: e.g. the intake's facts, the review's grouped scores) — set in the app's lifespan."""

    def __init__(self, name: str, clock: Clock | None = None, verifier: TokenVerifier | None = None) -> None:
        self.name, self.clock, self._given_clock = name, clock, clock
        self._verifier, self._verifier_read = verifier, verifier is not None
        self.pool: asyncpg.Pool | None = None
        self.uow: UnitOfWork | None = None
        self.campaigns: CampaignFollower | None = None
        self.publisher: EventPublisher | None = None
        self.dependencies: Dependencies | None = None  # eventlog/http/health.py: whether the broker and PostgreSQL answer
        self.unready: dict[str, DomainError] = {}      # eventlog/http/health.py: what else keeps /readyz red, with why
        self.log_ends: LogEnds | None = None
        self.views: Any = None  # a service's live views, where it keeps them itself
        self.own: Any = None    # the service's own part: intake IntakeService, review grouped scores, publish Pages
        self.page_uploads: dict[str, int] = {}  # body limits of upload paths (eventlog/http/service_app.py)

    def serve(self, ws: WriteSide) -> None:
        """Take the write side's parts, and the environment's clock unless one was given at creation."""
        self.pool, self.uow, self.campaigns, self.publisher = ws.pool, ws.uow, ws.campaigns, ws.publisher
        self.dependencies = ws.health
        self.clock = self._given_clock or clock_from_env()  # at every start, as the environment says then

    @property
    def verifier(self) -> TokenVerifier | None:
        """The verifier given, else the environment's (read at first use; None: none configured)."""
        if not self._verifier_read:
            self._verifier, self._verifier_read = verifier_from_env(), True
        return self._verifier

    @verifier.setter
    def verifier(self, verifier: TokenVerifier | None) -> None:
        # None: read from the environment again at the next request (a test's keys went with it)
        self._verifier, self._verifier_read = verifier, verifier is not None


def service_of(request: Request) -> ServiceState:
    return request.app.state.service


def now_for(request: Request) -> datetime:
    """The service's clock now, or the instant named in X-Kczg-Clock where demos enable that."""
    return request_clock(service_of(request).clock, request.headers).now()


# Whose keys a write's Idempotency-Key is among: the caller's organisation, one person of it (an
# expert's keys are theirs, not their body's), or the public's one space (a caller without an account).
KeySpace = Callable[[Identity | None], str]


def by_org(who: Identity | None) -> str:
    return who.org


def by_person(who: Identity | None) -> str:
    return f"{who.org}/{who.sub}"


def public(who: Identity | None) -> str:
    return "public"


@dataclass(frozen=True)
class WriteRequest:
    who: Identity | None  # None: a public write (no account)
    idem: IdempotentRequest | None
    now: datetime


def write_request(service: ServiceState, who: Identity | None, headers: Mapping[str, str], method: str, path: str,
                  body: bytes, key_space: KeySpace = by_org, key: str | None = None) -> WriteRequest:
    """The write of a known caller: its key (`key`, a form's own token, else the header), fingerprinted
    over `body`, and the instant it is decided at (raises DomainError)."""
    key = key if key is not None else headers.get("idempotency-key")
    idem = idempotent_request(key_space(who), key, method, path, body)
    return WriteRequest(who, idem, request_clock(service.clock, headers).now())


def parse_write(service: ServiceState, headers: Mapping[str, str], method: str, path: str, body: bytes,
                roles: tuple[str, ...], key_space: KeySpace = by_org) -> WriteRequest:
    """The caller, who must hold one of `roles`, then the key, then the clock (raises DomainError)."""
    who = authorise(identify(service.verifier, headers.get("authorization")), roles)
    return write_request(service, who, headers, method, path, body, key_space)


def writer(*roles: str, key_space: KeySpace = by_org):
    """FastAPI dependency factory: the parsed write request of a caller holding one of `roles`."""
    async def dependency(request: Request,
                         _documented: HTTPAuthorizationCredentials | None = Depends(bearer_scheme)) -> WriteRequest:
        return parse_write(service_of(request), request.headers, request.method, request.url.path,
                           await request.body(), roles, key_space)

    return dependency


async def public_write(request: Request, key: str | None = None) -> WriteRequest:
    """The write request of the public (no account; keys in the public's space)."""
    return write_request(service_of(request), None, request.headers, request.method, request.url.path,
                         await request.body(), public, key)
