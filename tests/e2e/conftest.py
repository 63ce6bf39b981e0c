from __future__ import annotations

import time

import httpx
import pytest

from tests.support.processes import ServiceProcess, free_port, wait_http_ready


@pytest.fixture
def services(env, tmp_path):
    """Intake and quota, each its own process, on the test's own database and topics."""
    port = free_port()
    intake = ServiceProcess("services.intake", env, tmp_path / "intake.log",
                            extra_env={"INTAKE_PORT": str(port)}).start()
    quota = ServiceProcess("services.quota", env, tmp_path / "quota.log",
                           extra_env={"QUOTA_FIXED_LIMIT": "3"}).start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http_ready(base, intake)
        yield {"base": base, "intake": intake, "quota": quota}
    finally:
        intake.stop()
        quota.stop()


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
