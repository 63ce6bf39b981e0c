"""The publish service's part of the fuzz (test_fuzz_apis.py says what it checks)."""

from __future__ import annotations

from tests.integration.test_fuzz_apis import fuzz_services, pytestmark  # noqa: F401  (its marks apply here too)


async def test_fuzz_every_operation_of_publish(env, tmp_path, monkeypatch):
    await fuzz_services(("publish",), tmp_path, monkeypatch)
