"""schemathesis against every operation of the five services' OpenAPI documents, each service served on a
port of its own (tests/support/fuzz.py), on the authorization matrix's scenario (tests/support/world.py),
each case sent as a caller the matrix lets through the route (every fourth one anonymous).

Checks on every answer: all of schemathesis's (fuzz.ALL_CHECKS: no 5xx; the status, media type, headers
and schema the document declares for it; valid data accepted and invalid data refused; a secured route
refusing a request without credentials), every 4xx is application/problem+json with a `code` and a Chinese
`detail`, and every method a path does not take is a 405 naming the ones it does in `Allow`.

Per operation three passes: valid data on the matrix's own resources (bodies fuzzed against a real
nomination, target, notice...), valid data on any path, invalid data. The campaign path parameter is
the scenario's (an unknown code costs a read of the campaigns topic per request; the bad-input corpus
covers unknown campaigns). Budget: FUZZ_EXAMPLES cases per pass in CI; KCZG_FUZZ_DEEP=1 for 50 per pass,
randomised (KCZG_FUZZ_EXAMPLES sets the number)."""

from __future__ import annotations

import asyncio
import os

import pytest
from schemathesis import GenerationMode

from tests.integration.test_authorization_matrix import SERVICES, TABLE
from tests.support.callers import BAD_TOKENS, Callers
from tests.support.fuzz import CHECK_NAMES, Fuzzer, serving
from tests.support.intake import Keys
from tests.support.world import C, all_in_process, build_world

DEEP = os.environ.get("KCZG_FUZZ_DEEP") == "1"
FUZZ_EXAMPLES = int(os.environ.get("KCZG_FUZZ_EXAMPLES", "50" if DEEP else "4"))
SHOWN = 40  # failing cases printed in full
# schemathesis's own strategies draw from `random`; hypothesis warns on every case about it.
pytestmark = [pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
              pytest.mark.timeout(max(600, 61 * 3 * FUZZ_EXAMPLES // 5))]  # ~0.2 s a case at most


def allowed_kind(row) -> str:
    """A kind of caller with a valid token that the matrix lets through the route: answered with a success,
    or else past authorization to the domain's own refusal (a re-review with nothing divergent: 409), or else,
    where every caller gets the same 404 (a public check of a certificate never issued), the first kind."""
    kinds = [k for k in row.expect if k != "anonymous" and k not in BAD_TOKENS]
    return next((k for k in kinds if row.expect[k][0] < 400),
                next((k for k in kinds if row.expect[k][0] not in (401, 403, 404)), kinds[0]))


def in_thread(fn):
    """fn for asyncio.to_thread, its StopIteration raised as a RuntimeError: asyncio cannot set a
    StopIteration on a future, so one escaping the thread would leave the awaiting test waiting for ever."""
    def run(*args):
        try:
            return fn(*args)
        except StopIteration as exc:
            raise RuntimeError(f"StopIteration in {fn.__name__}") from exc
    return run


async def fuzz_services(names: tuple[str, ...], tmp_path, monkeypatch) -> None:
    """Fuzz the operations of the services `names` (all four run: the scenario spans them)."""
    monkeypatch.setenv("PUBLISH_TRUST_FORWARDED", "1")  # objections: each case from its own address
    fuzzer = Fuzzer(FUZZ_EXAMPLES, derandomize=not DEEP)
    async with all_in_process(Keys(tmp_path)) as services:
        world = await build_world(services)
        callers = Callers(services.keys, world)

        def fuzz(service: str, base_url: str, document: dict) -> None:
            for operation in fuzzer.operations(document):
                row = TABLE[(service, operation.method.upper(), operation.path)]
                auth = callers.headers(allowed_kind(row), row.owners)
                named = {k: C for k in ("campaign", "code") if f"{{{k}}}" in operation.path}
                real = {k: str(value(world)) for k, value in row.path.items()}
                for mode, path in ((GenerationMode.POSITIVE, real), (GenerationMode.POSITIVE, named),
                                   (GenerationMode.NEGATIVE, named)):
                    fuzzer.run(service, base_url, operation, mode, path, auth)
            fuzzer.undeclared_methods(service, base_url, document, {"campaign": C, "code": C})

        for service in names:
            app = getattr(services, service).app
            async with serving(app) as base_url:
                await asyncio.to_thread(in_thread(fuzz), service, base_url, app.openapi())
    print("\nschemathesis cases per service: " + ", ".join(f"{s} {fuzzer.cases[s]}" for s in names)
          + f" (examples per pass: {FUZZ_EXAMPLES}; {sum(fuzzer.unsendable.values())} unsendable, skipped); "
          f"server errors: {sum(fuzzer.server_errors.values())}; checks: {', '.join(CHECK_NAMES)}")
    assert all(fuzzer.cases[s] for s in names)
    assert not fuzzer.failures, (f"{len(fuzzer.failures)} failing cases:\n" + "\n\n".join(fuzzer.failures[:SHOWN]))


# Three files (this one, test_fuzz_apis_review.py and test_fuzz_apis_publish.py): the suite spreads files
# over its workers, and one file fuzzing every service was the longest test of the run.
async def test_fuzz_every_operation_of_intake_quota_and_notify(env, tmp_path, monkeypatch):
    await fuzz_services(("intake", "quota", "notify"), tmp_path, monkeypatch)
