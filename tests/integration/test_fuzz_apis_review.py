"""The review's half of the fuzz (test_fuzz_apis.py says what it checks); the publish service's is in
test_fuzz_apis_publish.py. One file each: the suite spreads files over its workers, and the longest file
sets the run's length."""

from __future__ import annotations

from tests.integration.test_fuzz_apis import fuzz_services, pytestmark  # noqa: F401  (its marks apply here too)
from tests.integration.test_fuzz_apis import SERVICES


async def test_fuzz_every_operation_of_review(env, tmp_path, monkeypatch):
    await fuzz_services(("review",), tmp_path, monkeypatch)


def test_the_three_files_cover_every_service():
    assert sorted(("intake", "quota", "notify", "review", "publish")) == sorted(SERVICES)
