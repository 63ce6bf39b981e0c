"""schemathesis against the four services running in-process on the test's event loop, each served by
uvicorn on a port of its own (`serving`), as a new user would reach it.

The apps keep their lifespans (pool, producer, projections) on that loop, as in every in-process test;
hypothesis runs in a worker thread, generating each case with schemathesis from the app's own OpenAPI
document and sending it with schemathesis's own transport. Every answer is validated by all of
schemathesis's checks (ALL_CHECKS; those that probe again, like ignored_auth, reach the same server)
plus the house rules: a refusal is problem+json with a code and a Chinese detail, and a method a path
does not take is a 405 whose `Allow` names exactly the methods its document gives."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import hypothesis
import hypothesis.errors
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import RejectedPositiveData

from tests.support.processes import free_port

load_all_checks()
# Every check schemathesis 4.32.5 has, as `st run --checks all` runs them. unsupported_method and
# missing_required_header judge only the coverage phase's probes (which `st run` makes, not a hypothesis
# strategy), allow_header_conformance only OPTIONS, use_after_free and ensure_resource_availability only a
# stateful run's recorded cases: `undeclared_methods` below asks what the first three would.
ALL_CHECKS = list(CHECKS.get_all())
CHECK_NAMES = [check.__name__ for check in ALL_CHECKS]
CJK = re.compile(r"[\u4e00-\u9fff]")
HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "PATCH", "TRACE")


@asynccontextmanager
async def serving(app) -> AsyncIterator[str]:
    """`app` (its lifespan already running) served by uvicorn on the running loop; its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                                           access_log=False))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises why it could not start
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def problem_failures(status: int, content_type: str, text: str) -> list[str]:
    """What is wrong with a 4xx that is not problem+json with a `code` and a Chinese `detail`."""
    if not 400 <= status < 500:
        return []
    if not content_type.startswith("application/problem+json"):
        return [f"{status} not problem+json ({content_type}): {text[:200]}"]
    body = json.loads(text)
    out = [] if body.get("code") else [f"{status} without a code: {text[:200]}"]
    if not CJK.search(str(body.get("detail") or "")):
        out.append(f"{status} detail not in Chinese: {text[:200]}")
    return out


# What the HTTP layer answers when a request is not what the document describes: were a schema-valid
# request answered with one of these, the document would promise what the parser refuses.
PARSER_CODES = frozenset({"invalid_request", "malformed_json", "invalid_character"})


def refused_by_a_rule(failure: Exception, case, response) -> bool:
    """A ST202 that is not the document promising what the parser refuses:
    - a value of the documented shape refused by a campaign's rule (an unknown list or unit, a form's required
      field, a file type not admitted) in a body or a path: the shape is the document's, the rules are data
      (the campaign's), so positive_data_acceptance cannot know them. A query parameter gets no such leeway:
      a value the document allows there is never refused (an unknown filter is an empty page);
    - U+0000 deep in free JSON: the document forbids it at any depth (components JsonValue), but schemathesis
      stops following a recursive schema after a few levels and generates any JSON below."""
    if not isinstance(failure, RejectedPositiveData) or not 400 <= response.status_code < 500:
        return False
    try:
        problem = json.loads(response.text)
    except ValueError:
        return False
    fields = {e.get("field", "").split(".")[0] for e in problem.get("errors") or []}
    if problem.get("code") in PARSER_CODES:
        nul = bool(fields) and all(e.get("code") == "nul_character" for e in problem["errors"])
        return nul and "\\u0000" in json.dumps(case.body)
    queried = {p.name for p in case.operation.query}
    return not fields & queried and (bool(case.operation.body) or bool(case.operation.path_parameters))


# The 503s a service answers while a dependency does not answer its health check: nothing was written.
TRANSIENT = frozenset({"event_log_unavailable", "database_unavailable"})
TRANSIENT_RETRIES = 4


def transient_code(response) -> str | None:
    try:
        return json.loads(response.content).get("code")
    except ValueError:
        return None


class Fuzzer:
    """Counts the cases sent per service and collects every failing one (nothing raises mid-run, so
    hypothesis never shrinks: the budget is exactly `examples` cases per call)."""

    def __init__(self, examples: int, derandomize: bool = True) -> None:
        self.examples, self.derandomize = examples, derandomize
        self.cases: Counter[str] = Counter()
        self.server_errors: Counter[str] = Counter()
        self.unsendable: Counter[str] = Counter()  # generated cases no HTTP client can put on the wire
        self.failures: list[str] = []
        self._addresses = itertools.count(1)

    @staticmethod
    def operations(document: dict[str, Any]):
        """Every operation of a service's OpenAPI document (its `app.openapi()`)."""
        return [result.ok() for result in schemathesis.openapi.from_dict(document).get_all_operations()]

    def run(self, service: str, base_url: str, operation, mode: GenerationMode, path: dict[str, str],
            auth: dict[str, str], anonymous_every: int = 4) -> None:
        """`examples` cases of `operation` in `mode`, path parameters `path` fixed; sent with `auth`, except
        every `anonymous_every`-th case, sent without credentials. Call from a worker thread."""
        label = f"{service} {operation.label} [{mode.value}{', fixed ' + ','.join(path) if path else ''}]"

        def send(case, headers):
            """The case sent as the README tells every client: a transient 503 (a dependency's health check
            missed, the test's loop being busy with the fuzz) is sent again after its Retry-After, a few times;
            a 503 that stays is kept and fails not_a_server_error."""
            for _ in range(TRANSIENT_RETRIES):
                response = case.call(base_url=base_url, headers=headers, timeout=120)
                if response.status_code != 503 or transient_code(response) not in TRANSIENT:
                    return response
                time.sleep(min(float(response.headers.get("retry-after", ["1"])[0]), 5.0))
            return response

        @hypothesis.given(case=operation.as_strategy(generation_mode=mode, path_parameters=path or None))
        @hypothesis.settings(max_examples=self.examples, deadline=None, database=None, derandomize=self.derandomize,
                             phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        def one(case) -> None:
            n = next(self._addresses)
            # Objections are rate-limited per client address: each case comes from its own.
            # A case whose credentials schemathesis made invalid on purpose is sent without ours.
            anonymous = n % anonymous_every == 0 or case.meta.is_negative_at(ParameterLocation.HEADER)
            headers = {"X-Forwarded-For": f"10.7.{n // 250 % 250}.{n % 250}", **({} if anonymous else auth)}
            try:
                response = send(case, headers)
            except (ValueError, requests.RequestException):  # no HTTP client could send it (e.g. a header's bytes)
                self.unsendable[service] += 1
                return
            self.cases[service] += 1
            self.server_errors[service] += response.status_code >= 500
            text = response.content.decode("utf-8", errors="replace")  # a file (PDF, XLSX) is no text
            problems = problem_failures(response.status_code, (response.headers.get("content-type") or [""])[0], text)
            try:
                case.validate_response(response, checks=ALL_CHECKS, headers=headers,
                                       transport_kwargs={"base_url": base_url, "headers": headers, "timeout": 120})
            except FailureGroup as group:
                kept = [f for f in group.exceptions if not refused_by_a_rule(f, case, response)]
                if kept:
                    problems.append("\n".join(f"{f.code} {f.title}: {f.message}" for f in kept)
                                    + f"\n[{response.status_code}] {text[:300]}\n{case.as_curl_command()}")
            except Exception as exc:  # noqa: BLE001 — collected, reported at the end
                problems.append(f"{type(exc).__name__}: {str(exc).strip()[:1500]}")
            self.failures.extend(f"{label}: {p}" for p in problems)

        try:
            one()
        except hypothesis.errors.Unsatisfiable:  # nothing to make invalid: an operation without parameters
            assert mode is GenerationMode.NEGATIVE, label

    def undeclared_methods(self, service: str, base_url: str, document: dict[str, Any],
                           path_values: Mapping[str, str]) -> None:
        """Every method a path of `document` does not take, sent to it: a 405 problem whose `Allow` names
        exactly the documented methods (what unsupported_method and allow_header_conformance ask)."""
        for path, operations in document["paths"].items():
            url = base_url + re.sub(r"\{([^}]+)\}", lambda m: path_values.get(m.group(1), "x"), path)
            allow = ", ".join(sorted(method.upper() for method in operations))
            for method in sorted(set(HTTP_METHODS) - {m.upper() for m in operations}):
                r = requests.request(method, url, timeout=60)
                self.cases[service] += 1
                problems = problem_failures(r.status_code, r.headers.get("content-type", ""), r.text)
                if (r.status_code, r.headers.get("allow")) != (405, allow):
                    problems.append(f"{r.status_code}, Allow {r.headers.get('allow')!r}; documented: {allow}")
                self.failures.extend(f"{service} {method} {path} [undeclared method]: {p}" for p in problems)
