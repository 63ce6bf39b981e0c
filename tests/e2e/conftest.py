from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.support.intake import Keys
from tests.support.events import open_campaign
from tests.support.processes import ServiceProcess, free_port, stop_all, wait_http_ready

IN_COLLECTION = "2022-10-15T10:00:00+08:00"


# Each service: its module, the variable naming its port, and what else it is given.
SERVICES = {"intake": ("services.intake", "INTAKE_PORT", {}),
            "quota": ("services.quota", "QUOTA_PORT", {"QUOTA_FIXED_LIMIT": "3"}),
            "review": ("services.review", "REVIEW_PORT", {}),
            "publish": ("services.publish", "PUBLISH_PORT", {}),
            # The notifier sends to the session's SMTP sink (SMTP_HOST, SMTP_PORT). Its clock is the system's,
            # later than every instant a simulated campaign names, so nothing is held for an embargo, and no
            # event is too old to tell (NOTIFY_MAX_AGE_DAYS): the simulator's X-Kczg-Clock reaches no follower.
            "notify": ("services.notify", "NOTIFY_PORT", {"KCZG_CLOCK": "system", "NOTIFY_MAX_AGE_DAYS": "36500"})}


@contextmanager
def running(env: dict, tmp_path, keys: Keys, *names: str) -> Iterator[dict]:
    """The named services, each its own process on the test's own database and topics, trusting the test's
    signing key, the clock fixed inside the collection period (requests may name their own instant, as the
    simulator's do): all started at once, then awaited, so their start-ups overlap."""
    common = {**keys.env(), "KCZG_CLOCK": IN_COLLECTION, "KCZG_CLOCK_HEADER": "1"}
    started = {}
    try:
        for name in names:
            module, port_variable, extra = SERVICES[name]
            port = free_port()
            started[name] = ServiceProcess(module, env, tmp_path / f"{name}.log",
                                           extra_env={**common, **extra, port_variable: str(port)}).start()
            started[f"{name}_base"] = f"http://127.0.0.1:{port}"
        for name in names:
            wait_http_ready(started[f"{name}_base"], started[name])
        started["base"] = started.pop("intake_base")
        yield {**started, "keys": keys,
               "register": lambda units: register_units(started["quota_base"], started["base"], keys, units)}
    finally:
        stop_all([started[name] for name in names if name in started])


@pytest.fixture
async def services(env, tmp_path):
    """Intake and quota, each its own process, on the test's own database and topics; campaign kczg-2022
    open; both trust the test's signing key; the intake's clock fixed inside the collection period."""
    keys = Keys(tmp_path)
    await open_campaign()
    with running(env, tmp_path, keys, "intake", "quota") as started:
        yield started


@pytest.fixture
async def release_services(env, tmp_path):
    """`services`, and the review and publish services as their own processes beside them (same database,
    topics, key and clock), and the notifier sending to the session's SMTP sink."""
    keys = Keys(tmp_path)
    await open_campaign()
    with running(env, tmp_path, keys, "intake", "quota", "review", "publish", "notify") as started:
        yield started


def register_units(quota_base: str, intake_base: str, keys: Keys, units: dict[str, list[str]],
                   campaign: str = "kczg-2022", timeout: float = 60) -> None:
    """Register units through the quota service's registry API, then wait until the intake has seen them."""
    secretariat = keys.headers("secretariat", "kczg_secretariat")
    with httpx.Client(timeout=10) as client:
        for unit_id, channels in units.items():
            r = client.post(f"{quota_base}/v1/campaigns/{campaign}/units", headers=secretariat,
                            json={"unit_id": unit_id, "name": f"推荐单位{unit_id}", "channels": channels})
            assert r.status_code in (200, 201), r.text
        deadline = time.monotonic() + timeout
        while client.get(f"{intake_base}/v1/campaigns/{campaign}").json().get("registered_units", 0) < len(units):
            assert time.monotonic() < deadline, "the intake never saw the registrations"
            time.sleep(0.1)


def wait_for_status(client: httpx.Client, nomination_id: str, wanted: set[str], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        r = client.get(f"/v1/nominations/{nomination_id}")
        if r.status_code == 200:
            last = r.json()
            if last["status"] in wanted:
                return last
        time.sleep(0.1)
    raise AssertionError(f"nomination {nomination_id} never reached {wanted}; last seen {last}")
