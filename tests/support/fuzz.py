"""schemathesis against an app running in-process on the test's event loop.

The app keeps its lifespan (pool, producer, projections) on that loop, as in every in-process test;
hypothesis runs in a worker thread, generating each case with schemathesis from the app's own OpenAPI
document, and every case is sent through the test's httpx ASGI client on the loop and validated there
by schemathesis's checks plus the house rule for refusals (problem+json, a code, a Chinese detail)."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import Counter
from typing import Any

import httpx
import hypothesis
import hypothesis.errors
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
CJK = re.compile(r"[\u4e00-\u9fff]")


def problem_failures(response: httpx.Response) -> list[str]:
    """What is wrong with a 4xx that is not problem+json with a `code` and a Chinese `detail`."""
    if not 400 <= response.status_code < 500:
        return []
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return [f"{response.status_code} not problem+json ({response.headers.get('content-type')}): {response.text[:200]}"]
    body = response.json()
    out = [] if body.get("code") else [f"{response.status_code} without a code: {response.text[:200]}"]
    if not CJK.search(str(body.get("detail") or "")):
        out.append(f"{response.status_code} detail not in Chinese: {response.text[:200]}")
    return out


class Fuzzer:
    """Counts the cases sent per service and collects every failing one (nothing raises mid-run, so
    hypothesis never shrinks: the budget is exactly `examples` cases per call)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, examples: int, derandomize: bool = True) -> None:
        self.loop, self.examples, self.derandomize = loop, examples, derandomize
        self.cases: Counter[str] = Counter()
        self.server_errors: Counter[str] = Counter()
        self.unsendable: Counter[str] = Counter()  # generated cases no HTTP client can put on the wire
        self.failures: list[str] = []
        self._addresses = itertools.count(1)

    def operations(self, client: httpx.AsyncClient):
        """Every operation of the app's OpenAPI document (`app.openapi()`; schemathesis.openapi.from_asgi
        would start a second lifespan of the app on schemathesis's own event-loop thread)."""
        return [result.ok() for result in schemathesis.openapi.from_dict(client.app.openapi()).get_all_operations()]

    def run(self, service: str, client: httpx.AsyncClient, operation, mode: GenerationMode,
            path: dict[str, str], auth: dict[str, str], anonymous_every: int = 4) -> None:
        """`examples` cases of `operation` in `mode`, path parameters `path` fixed; sent with `auth`, except
        every `anonymous_every`-th case, sent without credentials. Call from a worker thread."""
        label = f"{service} {operation.label} [{mode.value}{', fixed ' + ','.join(path) if path else ''}]"

        @hypothesis.given(case=operation.as_strategy(generation_mode=mode, path_parameters=path or None))
        @hypothesis.settings(max_examples=self.examples, deadline=None, database=None, derandomize=self.derandomize,
                             phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        def one(case) -> None:
            n = next(self._addresses)
            # Objections are rate-limited per client address: each case comes from its own.
            headers = {"X-Forwarded-For": f"10.7.{n // 250 % 250}.{n % 250}", **({} if n % anonymous_every == 0 else auth)}
            try:
                request = self._request(client, case.as_transport_kwargs(base_url=str(client.base_url), headers=headers))
            except (ValueError, requests.RequestException):  # no HTTP client could send it (e.g. a header's bytes)
                self.unsendable[service] += 1
                return
            self.cases[service] += 1
            try:
                response = asyncio.run_coroutine_threadsafe(request, self.loop).result(timeout=120)
            except Exception as exc:  # noqa: BLE001 — the app raised: a server would have answered 500
                self.server_errors[service] += 1
                self.failures.append(f"{label}: the app raised {type(exc).__name__}: {exc} — for {case!r}"[:1500])
                return
            self.server_errors[service] += response.status_code >= 500
            problems = problem_failures(response)
            try:
                case.validate_response(response, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 — collected, reported at the end
                problems.append(str(exc).strip()[:1500])
            self.failures.extend(f"{label}: {p}" for p in problems)

        try:
            one()
        except hypothesis.errors.Unsatisfiable:  # nothing to make invalid: an operation without parameters
            assert mode is GenerationMode.NEGATIVE, label

    @staticmethod
    def _request(client: httpx.AsyncClient, kwargs: dict[str, Any]):
        """The case as schemathesis would send it with `requests` (its body encodings), through `client`:
        the coroutine to run on the app's loop."""
        prepared = requests.Request(**{k: kwargs[k] for k in ("method", "url", "headers", "params", "json", "data",
                                                               "files") if k in kwargs}).prepare()
        headers = httpx.Headers({k: v for k, v in prepared.headers.items()})  # refuses what no client would send
        return client.request(prepared.method, prepared.url, headers=headers, content=prepared.body or b"")
