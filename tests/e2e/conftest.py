from __future__ import annotations

import time

import httpx
import pytest

from tests.support.intake import Keys
from tests.support.events import open_campaign
from tests.support.processes import ServiceProcess, free_port, wait_http_ready

IN_COLLECTION = "2022-10-15T10:00:00+08:00"


@pytest.fixture
async def services(env, tmp_path):
    """Intake and quota, each its own process, on the test's own database and topics; campaign kczg-2022
    open; both trust the test's signing key; the intake's clock fixed inside the collection period."""
    keys = Keys(tmp_path)
    await open_campaign()
    common = {**keys.env(), "KCZG_CLOCK": IN_COLLECTION, "KCZG_CLOCK_HEADER": "1"}
    port, quota_port = free_port(), free_port()
    intake = ServiceProcess("services.intake", env, tmp_path / "intake.log",
                            extra_env={**common, "INTAKE_PORT": str(port)}).start()
    quota = ServiceProcess("services.quota", env, tmp_path / "quota.log",
                           extra_env={**common, "QUOTA_FIXED_LIMIT": "3", "QUOTA_PORT": str(quota_port)}).start()
    base, quota_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{quota_port}"
    try:
        wait_http_ready(base, intake)
        wait_http_ready(quota_base, quota)
        yield {"base": base, "quota_base": quota_base, "intake": intake, "quota": quota, "keys": keys,
               "register": lambda units: register_units(quota_base, base, keys, units)}
    finally:
        intake.stop()
        quota.stop()


@pytest.fixture
async def review_services(services, env, tmp_path):
    """`services`, and the review service as its own process beside them (same database, topics, key and
    clock; requests may name their own instant, as the simulator's do for the review window)."""
    port = free_port()
    review = ServiceProcess("services.review", env, tmp_path / "review.log", extra_env={
        **services["keys"].env(), "KCZG_CLOCK": IN_COLLECTION, "KCZG_CLOCK_HEADER": "1",
        "REVIEW_PORT": str(port)}).start()
    try:
        wait_http_ready(f"http://127.0.0.1:{port}", review)
        yield {**services, "review_base": f"http://127.0.0.1:{port}", "review": review}
    finally:
        review.stop()


@pytest.fixture
async def release_services(review_services, env, tmp_path):
    """`review_services`, and the publish service as its own process beside them (same database, topics, key
    and clock; requests name their own instant, as the simulator's do past the notice's close)."""
    port = free_port()
    publish = ServiceProcess("services.publish", env, tmp_path / "publish.log", extra_env={
        **review_services["keys"].env(), "KCZG_CLOCK": IN_COLLECTION, "KCZG_CLOCK_HEADER": "1",
        "PUBLISH_PORT": str(port)}).start()
    try:
        wait_http_ready(f"http://127.0.0.1:{port}", publish)
        yield {**review_services, "publish_base": f"http://127.0.0.1:{port}", "publish": publish}
    finally:
        publish.stop()


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
