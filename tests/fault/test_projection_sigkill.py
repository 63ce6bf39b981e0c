"""SIGKILL of the publish service (its projections run in-process) in the middle of its first rebuild
and in the middle of the live stream; after a restart the views equal a clean rebuild from the log."""

from __future__ import annotations

import asyncio

from eventlog.verify.projections import verify
from services.publish.views import RANKINGS
from tests.support.processes import ServiceProcess, free_port, wait_http_ready
from tests.support.projections import caught_up, status_of
from tests.support.ranking_log import produce_mix


def publish_service(env: dict, log, **extra: str) -> ServiceProcess:
    return ServiceProcess("services.publish", env, log, extra_env={"PUBLISH_PORT": str(free_port()), **extra}).start()


async def until(condition, what: str, service: ServiceProcess, timeout_s: float = 120):
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not (found := await condition()):
        assert service.alive(), service.log_tail()
        assert asyncio.get_running_loop().time() < deadline, f"never {what}:\n{service.log_tail()}"
        await asyncio.sleep(0.05)
    return found


async def test_sigkill_mid_rebuild_then_restart_resumes_and_equals_a_clean_rebuild(env, tmp_path):
    total = await produce_mix(60_000, seed=21)
    # Small batches: many commits, so the kill lands between two of them with work on both sides.
    slow = {"PUBLISH_REBUILD_BATCH": "1000"}
    service = publish_service(env, tmp_path / "publish1.log", **slow)

    async def rebuilding():
        applied = sum((await status_of(RANKINGS)).rebuilding.values())
        return 0.2 * total < applied < 0.8 * total and applied

    try:
        applied = await until(rebuilding, "mid-rebuild", service)
        service.kill9()
    finally:
        service.stop()
    status = await status_of(RANKINGS)
    assert not status.live and sum(status.rebuilding.values()) >= applied  # the shadow kept what it committed

    service = publish_service(env, tmp_path / "publish2.log", **slow)
    try:
        await caught_up(RANKINGS, timeout_s=180)
    finally:
        service.stop()
    assert "rebuilt (resumed)" in (tmp_path / "publish2.log").read_text()
    result = await verify(RANKINGS)
    assert result.ok, result.differences[:3]
    assert result.records == total


async def test_sigkill_mid_live_stream_then_restart_equals_a_clean_rebuild(env, tmp_path):
    await produce_mix(2_000, seed=22)
    slow = {"PUBLISH_LIVE_BATCH": "100"}
    service = publish_service(env, tmp_path / "publish1.log", **slow)
    try:
        await asyncio.to_thread(wait_http_ready, f"http://127.0.0.1:{service.extra_env['PUBLISH_PORT']}", service)
        first = await caught_up(RANKINGS)
        stream = asyncio.create_task(produce_mix(30_000, seed=23))

        async def behind_but_moving():
            status = await status_of(RANKINGS)
            applied = sum(p.next_offset for p in status.partitions)
            return status.lag > 1000 and applied > sum(p.next_offset for p in first.partitions) + 1000

        await until(behind_but_moving, "mid-stream", service)
        service.kill9()
        await stream
    finally:
        service.stop()
    assert (await status_of(RANKINGS)).lag > 0, "the kill must leave work for the restart"

    service = publish_service(env, tmp_path / "publish2.log", **slow)
    try:
        await caught_up(RANKINGS, timeout_s=180)
    finally:
        service.stop()
    result = await verify(RANKINGS)
    assert result.ok, result.differences[:3]
    assert result.records == 32_000
