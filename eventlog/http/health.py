"""Whether a service's dependencies answer now: the broker and PostgreSQL, checked every second in the
background. Liveness (/healthz) is the process itself and stays green; readiness (/readyz) goes red
while a dependency is down, and writes are refused at once then (503, nothing written) instead of
hanging on a dead broker; it is also red, saying why, while what a service found missing at start
(`app.state.service.unready`, e.g. the publish service's PDF renderer) is missing. Every service resumes by
itself when a dependency returns: nothing here needs a restart."""

from __future__ import annotations

import asyncio
import logging
import time

import asyncpg
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts.errors import DomainError

from eventlog.http import metrics
from eventlog.http.docs import json_response
from eventlog.http.problems import problem

log = logging.getLogger(__name__)
RETRY_AFTER_S = 5


class EventLogUnavailable(DomainError):
    """The broker does not answer: nothing was written, the command may simply be sent again."""

    code = "event_log_unavailable"
    http_status = 503


class Dependencies:
    def __init__(self, pool: asyncpg.Pool, producer: AIOKafkaProducer, every_s: float = 1.0,
                 timeout_s: float = 1.0, service: str = "") -> None:
        self.pool, self.producer, self.every_s, self.timeout_s = pool, producer, every_s, timeout_s
        self.broker_up = self.database_up = True  # optimistic at start: the write side just connected to both
        self.down_since: dict[str, float] = {}
        self._gauges = {name: metrics.DEPENDENCY_UP.labels(service, name) for name in ("broker", "database")}
        for gauge in self._gauges.values():
            gauge.set(1)

    def check_writes(self) -> None:
        """Refuse a write at once while the broker is known to be down (nothing is written)."""
        if not self.broker_up:
            raise EventLogUnavailable("事件日志暂不可用，本次操作未生效，请稍后重试。")

    async def watch(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._record("broker", await self._still_answers("broker", self.producer.client.fetch_all_metadata))
            self._record("database", await self._still_answers("database", self._select_one))
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.every_s)
            except TimeoutError:
                pass

    async def _still_answers(self, name: str, probe) -> bool:
        """One probe; if it fails while `name` was up, one more at once before calling it down. A busy
        process (a burst of requests, 2 cores shared with the broker) can miss one probe's timeout while the
        dependency is fine, and a false "down" refuses every write for a second. A real outage costs one
        more timeout to detect."""
        if await self._answers(probe()):
            return True
        return False if not getattr(self, f"{name}_up") else await self._answers(probe())

    async def _answers(self, call) -> bool:
        try:
            async with asyncio.timeout(self.timeout_s):
                await call
            return True
        except Exception:  # noqa: BLE001 — any failure to answer in time is "down"
            return False

    async def _select_one(self) -> None:
        async with self.pool.acquire() as conn:
            await conn.fetchval("SELECT 1")

    def _record(self, name: str, up: bool) -> None:
        was = getattr(self, f"{name}_up")
        setattr(self, f"{name}_up", up)
        self._gauges[name].set(1 if up else 0)
        if was and not up:
            self.down_since[name] = time.monotonic()
            log.warning("%s does not answer: refusing writes, /readyz red", name)
        elif up and not was:
            log.warning("%s answers again after %.1f s", name, time.monotonic() - self.down_since.pop(name, 0))

    def status(self) -> dict:
        return {"broker": "up" if self.broker_up else "down", "database": "up" if self.database_up else "down"}


def health_router() -> APIRouter:
    """/healthz (liveness: the process answers) and /readyz (its broker and database answer)."""
    router = APIRouter(tags=["服务"])

    @router.get("/healthz", summary="存活检查（进程在运行）")
    async def healthz() -> dict:
        return {"status": "ok"}

    @router.get("/readyz", summary="就绪检查（事件日志与数据库均可用）",
                responses={503: {"description": "事件日志或数据库暂不可用"}})
    async def readyz(request: Request) -> Response:
        service = request.app.state.service  # eventlog/http/front_door.py ServiceState
        deps: Dependencies | None = service.dependencies
        if deps is None:
            return problem(503, "starting", "服务正在启动。", headers={"Retry-After": str(RETRY_AFTER_S)})
        # What else a service found at start that keeps it from serving everything (part -> DomainError)
        unready: dict[str, DomainError] = service.unready
        if deps.broker_up and deps.database_up and not unready:
            return json_response({"status": "ready", **deps.status()})
        down = "、".join(n for n, s in (("事件日志", deps.broker_up), ("数据库", deps.database_up)) if not s)
        reasons = [f"{down}暂不可用，服务暂停写入，恢复后自动继续。"] if down else []
        return problem(503, "not_ready", "".join(reasons + [e.message for e in unready.values()]),
                       errors=[{"field": k, "code": v, "message": v} for k, v in deps.status().items()]
                       + [{"field": k, "code": e.code, "message": e.message} for k, e in unready.items()],
                       headers={"Retry-After": str(RETRY_AFTER_S)})

    return router
