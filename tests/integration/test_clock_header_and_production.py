"""X-Kczg-Clock is a demo convenience: ignored unless KCZG_CLOCK_HEADER=1 (the instant is the service's
clock), honoured with it, and never in production — where a service refuses to start with it, with a
moved clock, or without the platform's public key (eventlog/production.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from eventlog.http.auth import verifier_from_env
from eventlog.clock import header_clock_allowed
from eventlog.entrypoint import EXIT_UNSAFE_SETTINGS
from eventlog.production import UnsafeProductionSettings, production_problems
from tests.support.intake import IN_COLLECTION, Keys, nomination_body
from tests.support.processes import ROOT

AFTER_THE_DEADLINE = "2022-11-05T10:00:00+08:00"


async def test_the_header_is_ignored_without_the_flag(intake, monkeypatch):
    monkeypatch.delenv("KCZG_CLOCK_HEADER", raising=False)
    moved = {"X-Kczg-Clock": AFTER_THE_DEADLINE}
    clock = (await intake.get("/v1/clock", headers=moved)).json()
    assert clock == {"now": IN_COLLECTION.isoformat(), "header_override": False}
    # A deadline decision takes the service's clock (mid-October): the nomination is accepted.
    unit_a = intake.keys.headers("unit", "unit-a")
    r = await intake.post("/v1/nominations", json=nomination_body(), headers={**unit_a, **moved})
    assert r.status_code == 202, r.text
    assert intake.app.lane.answered == 1  # nothing to honour: the lane answers it as any other


async def test_the_header_is_honoured_with_the_flag(intake, monkeypatch):
    monkeypatch.setenv("KCZG_CLOCK_HEADER", "1")
    moved = {"X-Kczg-Clock": AFTER_THE_DEADLINE}
    assert (await intake.get("/v1/clock", headers=moved)).json() == {"now": AFTER_THE_DEADLINE, "header_override": True}
    unit_a = intake.keys.headers("unit", "unit-a")
    r = await intake.post("/v1/nominations", json=nomination_body(), headers={**unit_a, **moved})
    assert (r.status_code, r.json()["code"]) == (422, "submission_closed"), r.text
    assert intake.app.lane.answered == 1  # the lane reads the header as the route does
    r = await intake.get("/v1/clock", headers={"X-Kczg-Clock": "2022-11-05 10:00"})  # no offset: ambiguous
    assert (r.status_code, r.json()["code"]) == (400, "invalid_clock_header")


def test_production_never_honours_the_header(monkeypatch):
    monkeypatch.setenv("KCZG_CLOCK_HEADER", "1")
    assert header_clock_allowed()
    monkeypatch.setenv("KCZG_ENV", "production")
    assert not header_clock_allowed()


def test_production_settings_are_checked(monkeypatch, tmp_path):
    for name in ("KCZG_CLOCK_HEADER", "KCZG_CLOCK", "KCZG_JWT_PUBLIC_KEY", "KCZG_LINK_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KCZG_CLOCK", "start:2022-10-15T10:00:00+08:00")
    assert production_problems() == []  # not production: anything goes
    monkeypatch.setenv("KCZG_ENV", "production")
    monkeypatch.setenv("KCZG_CLOCK_HEADER", "1")
    header, clock, key, link = production_problems()
    assert header.startswith("KCZG_CLOCK_HEADER is set") and clock.startswith("KCZG_CLOCK='start:2022-10-15")
    assert key.startswith("KCZG_JWT_PUBLIC_KEY is not set") and link.startswith("KCZG_LINK_KEY is not set")
    monkeypatch.setenv("KCZG_LINK_KEY", "too short")
    assert "at least 32 characters" in production_problems()[-1]
    monkeypatch.setenv("KCZG_LINK_KEY", "0123456789abcdef0123456789abcdef")
    assert verifier_from_env() is None  # and the development key is no fallback
    monkeypatch.setenv("KCZG_JWT_PUBLIC_KEY", str(tmp_path / "missing.pem"))
    assert "cannot be loaded" in production_problems()[-1]
    monkeypatch.setenv("KCZG_JWT_PUBLIC_KEY", str(Keys(tmp_path).public_path))
    monkeypatch.setenv("KCZG_CLOCK", "system")
    monkeypatch.delenv("KCZG_CLOCK_HEADER")
    assert production_problems() == []


async def test_a_production_write_side_refuses_to_start(monkeypatch):
    from services.quota.api import app

    monkeypatch.setenv("KCZG_ENV", "production")
    monkeypatch.setenv("KCZG_CLOCK_HEADER", "1")
    with pytest.raises(UnsafeProductionSettings, match="KCZG_CLOCK_HEADER"):
        async with app.router.lifespan_context(app):
            pass


@pytest.mark.parametrize("service", ["intake", "quota", "publish", "review"])
def test_every_service_process_refuses_to_start_in_production_saying_why(service, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "KCZG_ENV": "production", "KCZG_CLOCK_HEADER": "1",
           "KCZG_CLOCK": "2022-10-15T10:00:00+08:00", "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
           "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"}
    done = subprocess.run([sys.executable, "-m", f"services.{service}"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == EXIT_UNSAFE_SETTINGS, done.stderr
    assert done.stderr.startswith(f"{service}: refusing to start with KCZG_ENV=production:")
    for setting in ("KCZG_CLOCK_HEADER", "KCZG_CLOCK=", "KCZG_JWT_PUBLIC_KEY is not set", "KCZG_LINK_KEY is not set"):
        assert setting in done.stderr
