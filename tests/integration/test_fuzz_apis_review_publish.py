"""The review's and the publish service's half of the fuzz (test_fuzz_apis.py says what it checks)."""

from __future__ import annotations

from tests.integration.test_fuzz_apis import fuzz_services, pytestmark  # noqa: F401  (its marks apply here too)
from tests.integration.test_fuzz_apis import SERVICES


async def test_fuzz_every_operation_of_review_and_publish(env, tmp_path, monkeypatch):
    await fuzz_services(("review", "publish"), tmp_path, monkeypatch)


def test_the_two_halves_cover_every_service():
    assert sorted(("intake", "quota", "notify", "review", "publish")) == sorted(SERVICES)
