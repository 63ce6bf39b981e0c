"""Clients that keep writing through a fault: each write under its own Idempotency-Key, retried with
the same key until it has a definite answer (or its deadline passes: then it fails and says what it got),
every attempt's status and latency recorded."""

from __future__ import annotations

import asyncio
import collections
import time
from dataclasses import dataclass, field

import httpx


@dataclass
class Attempt:
    started: float   # monotonic
    seconds: float
    url: str
    status: int | None  # None: no answer (connection refused or reset, or the client timed out)
    code: str | None = None
    retry_after: str | None = None
    problem_json: bool = False
    hung: bool = False  # no answer within the client's bound (the request timed out, rather than being refused)
    key: str | None = None  # the write's Idempotency-Key


@dataclass
class KeyedWriter:
    """Writes under Idempotency-Keys; `acked` holds each key's final 2xx body."""

    timeout_s: float = 10.0
    deadline_s: float = 300.0  # one write's retries, all told: past it the write fails
    attempts: list[Attempt] = field(default_factory=list)
    acked: dict[str, dict] = field(default_factory=dict)
    sent: dict[str, tuple[str, str, dict, dict]] = field(default_factory=dict)  # key -> method, url, json, headers

    async def write(self, client: httpx.AsyncClient, method: str, url: str, key: str, json: dict,
                    headers: dict) -> dict:
        self.sent[key] = (method, url, json, headers)
        deadline = time.monotonic() + self.deadline_s
        while True:
            if time.monotonic() > deadline:
                mine = [(a.status, a.code, round(a.seconds, 1)) for a in self.attempts if a.key == key]
                raise AssertionError(f"{method} {url} ({key}): no 2xx within {self.deadline_s:.0f}s; attempts {mine}")
            started = time.monotonic()
            try:
                r = await client.request(method, url, json=json, headers={**headers, "Idempotency-Key": key},
                                         timeout=self.timeout_s)
            except httpx.HTTPError as exc:  # refused, reset, or no answer in time: retry under the same key
                self.attempts.append(Attempt(started, time.monotonic() - started, url, None,
                                             hung=isinstance(exc, httpx.TimeoutException), key=key))
                await asyncio.sleep(0.3)
                continue
            problem = r.headers.get("content-type", "").startswith("application/problem+json")
            self.attempts.append(Attempt(started, time.monotonic() - started, url, r.status_code,
                                         r.json().get("code") if problem else None, r.headers.get("retry-after"),
                                         problem, key=key))
            if r.status_code < 300:
                self.acked[key] = r.json()
                return r.json()
            if r.status_code != 503:
                raise AssertionError(f"{method} {url}: {r.status_code} {r.text}")
            await asyncio.sleep(0.3)

    async def replay(self, client: httpx.AsyncClient, concurrency: int = 16) -> dict[str, dict]:
        """Every acked key sent once more, as it was, several at once (each key's answer is stored: the
        order they come back in changes nothing): the answers (each should be the first one again)."""
        again = KeyedWriter(self.timeout_s, self.deadline_s)
        slots = asyncio.Semaphore(concurrency)

        async def send_again(key: str) -> None:
            async with slots:
                await again.write(client, *self.sent[key][:2], key, *self.sent[key][2:])
        await asyncio.gather(*(send_again(key) for key in self.acked))
        return {key: again.acked[key] for key in self.acked}

    def during(self, start: float, end: float) -> list[Attempt]:
        return [a for a in self.attempts if start <= a.started <= end]

    def summary(self) -> str:
        """One line for the fault tests' output: what the clients saw of the fault."""
        ok = sorted(a.started + a.seconds for a in self.attempts if a.status is not None and a.status < 300)
        gap = max((b - a for a, b in zip(ok, ok[1:])), default=0.0)  # the longest stretch without a 2xx
        seen = collections.Counter("no answer" if a.status is None else f"{a.status} {a.code or ''}".strip()
                                   for a in self.attempts)
        slowest = max((a.seconds for a in self.attempts), default=0.0)
        return (f"{len(self.sent):,} writes, {len(self.attempts):,} attempts {dict(seen)}; "
                f"longest stretch without a 2xx {gap:.1f} s; slowest attempt {slowest:.2f} s")
