"""Helpers for the intake tests: signing keys and tokens, the intake app in-process (real Kafka and
PostgreSQL) with a clock the test moves, request bodies, and topic offsets. Events are built in
tests/support/events.py; the `intake` fixture lives in tests/conftest.py."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from contracts.events import Event
from contracts.topics import ALL_TOPICS
from eventlog.http.auth import DEFAULT_AUDIENCE, DEFAULT_ISSUER, TokenVerifier
from eventlog.clock import FixedClock
from eventlog.settings import kafka_bootstrap
from kczg.token_cli import mint

IN_COLLECTION = datetime.fromisoformat("2022-10-15T10:00:00+08:00")


class Keys:
    """A fresh Ed25519 key pair; tokens signed with it; the verifier and env that trust it."""

    def __init__(self, directory: Path) -> None:
        key = ed25519.Ed25519PrivateKey.generate()
        self.private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption())
        self.public_path = directory / "jwt-test.pub.pem"
        self.public_path.write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        self.public_key = key.public_key()

    def token(self, role: str, org: str, ttl_s: int = 3600, **kw) -> str:
        return mint(self.private_pem, role=role, org=org, ttl_s=ttl_s, **kw)

    def headers(self, role: str, org: str, **kw) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, org, **kw)}"}

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(self.public_key, DEFAULT_ISSUER, DEFAULT_AUDIENCE)

    def env(self) -> dict[str, str]:
        return {"KCZG_JWT_PUBLIC_KEY": str(self.public_path)}


@asynccontextmanager
async def intake_in_process(keys: Keys, clock: FixedClock):
    """The intake app with its lifespan (pool, producer, campaign book, projection), over ASGI."""
    from services.intake.app import create_app

    app = create_app(clock=clock, verifier=keys.verifier())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://intake", timeout=30) as client:
            client.app = app
            yield client


async def wait_for(check, timeout_s: float = 30, interval_s: float = 0.05):
    """Poll an async `check` until it returns something truthy."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in {timeout_s}s; last: {result!r}")
        await asyncio.sleep(interval_s)


class OffsetWatch:
    """The end offset of every partition of every topic: unchanged means nothing was written."""

    async def __aenter__(self) -> OffsetWatch:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap())
        await self._consumer.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self._consumer.stop()

    async def ends(self) -> dict[tuple[str, int], int]:
        tps = [TopicPartition(t.name, p) for t in ALL_TOPICS for p in range(t.partitions)]
        return {(tp.topic, tp.partition): n for tp, n in (await self._consumer.end_offsets(tps)).items()}


async def end_offsets() -> dict[tuple[str, int], int]:
    async with OffsetWatch() as watch:
        return await watch.ends()


def events_of(values: list[bytes], *types: type[Event]) -> list[Event]:
    from contracts.events import decode_event

    decoded = [decode_event(v) for v in values]
    return [e for e in decoded if not types or isinstance(e, types)]


def distinct_events(values: list[bytes], *types: type[Event]) -> list[Event]:
    """The log's events, each once. The outbox relay republishes what a crash left between the broker's
    ack and the row's delete, under the same event id (consumers de-duplicate by it): such a repeat
    must be the same record byte for byte, never a second event for one write."""
    from contracts.events import decode_event

    first: dict[bytes, bytes] = {}
    out = []
    for value in values:
        event = decode_event(value)
        if (seen := first.setdefault(event.event_id.bytes, value)) is not value:
            assert seen == value, f"two different records under event id {event.event_id}"
            continue
        if not types or isinstance(event, types):
            out.append(event)
    return out


UNITS = {"unit-a": ("provincial_cast",), "unit-b": ("national_society", "provincial_cast")}


async def units_seen(client, n: int) -> bool:
    async with client.app.state.service.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM intake.units") >= n


def nomination_body(list_code: str = "leading_tech", domain: str | None = "advanced_materials",
                    opinion: str | None = "同意推荐。", **form_changes) -> dict:
    from services.intake.examples import example_form

    form = example_form(list_code, **form_changes)
    body = {"campaign": "kczg-2022", "list_code": list_code, "form": form}
    if opinion is not None:
        body["opinion"] = opinion
    if list_code == "leading_tech":
        body["domain"] = form["domain"] = domain
    return body


def application_body(unit_id: str = "unit-a", list_code: str = "emerging_enterprise", **form_changes) -> dict:
    from services.intake.examples import example_form

    form = example_form(list_code, **form_changes)
    form.pop("recommending_opinion", None)
    body = {"campaign": "kczg-2022", "unit_id": unit_id, "list_code": list_code, "form": form}
    if list_code == "leading_tech":
        body["domain"] = form["domain"]
    return body
