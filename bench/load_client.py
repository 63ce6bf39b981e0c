"""The benches' load client: keep-alive HTTP/1.1 connections driven by a bare asyncio Protocol (an httpx
client tops out near 350 requests/s on this box), a CPU meter for the service's process tree and the
machine, and the raw aiokafka acked-produce baseline. Used by bench/intake.py and bench/review_scoring.py.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from bench.baseline import acked_produce
from bench.proc import cpu_seconds


def with_fresh_key(request: bytes, key: str) -> bytes:
    """The request with an Idempotency-Key header of its own."""
    return request.replace(b"\r\nContent-Type:", f"\r\nIdempotency-Key: {key}\r\nContent-Type:".encode(), 1)


class LoadConnection(asyncio.Protocol):
    """One keep-alive connection sending the next request as soon as the previous answer is complete.
    A bare protocol (no stream reader coroutines) so the load generator stays cheap next to the server."""

    def __init__(self, requests: list[bytes], stop_at: float, warm_until: float, stats: dict,
                 done: asyncio.Future, key_prefix: str | None = None) -> None:
        self.requests, self.stop_at, self.warm_until, self.stats, self.done = requests, stop_at, warm_until, stats, done
        self.key_prefix = key_prefix  # set: every request carries a new Idempotency-Key
        self.buffer, self.sent_at, self.i = b"", 0.0, 0

    def connection_made(self, transport) -> None:
        self.transport = transport
        self._send()

    def _send(self) -> None:
        self.sent_at = time.perf_counter()
        if self.sent_at >= self.stop_at:
            self.transport.close()
            return
        request = self.requests[self.i % len(self.requests)]
        if self.key_prefix is not None:
            request = with_fresh_key(request, f"{self.key_prefix}-{self.i}")
        self.transport.write(request)
        self.i += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end].lower()
        at = head.find(b"content-length:")
        length = int(head[at + 15:head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None]) if at >= 0 else 0
        if len(self.buffer) < end + 4 + length:
            return
        status = self.buffer[9:12]
        self.buffer = self.buffer[end + 4 + length:]
        if self.sent_at >= self.warm_until:
            self.stats["latencies"].append(time.perf_counter() - self.sent_at)
            self.stats["status"][status] = self.stats["status"].get(status, 0) + 1
        self._send()

    def connection_lost(self, exc) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def http_load(port: int, per_conn: list[list[bytes]], seconds: float, warmup: float,
                    key_prefix: str | None = None, ok: bytes = b"202") -> dict:
    """One connection per list of requests, each cycling through its own for `seconds` after `warmup`;
    with `key_prefix` every request carries a new Idempotency-Key. Answers `ok` per second and latencies."""
    stats: dict = {"latencies": [], "status": {}}
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    done = [loop.create_future() for _ in per_conn]
    for c, requests in enumerate(per_conn):
        await loop.create_connection(
            lambda c=c, requests=requests: LoadConnection(requests, start + warmup + seconds, start + warmup, stats,
                                                          done[c], f"{key_prefix}-{c}" if key_prefix else None),
            "127.0.0.1", port)
    await asyncio.gather(*done)
    lat = sorted(stats["latencies"]) or [0.0]
    return {"ok_per_s": stats["status"].get(ok, 0) / seconds, "requests": len(stats["latencies"]),
            "p50_ms": 1000 * lat[len(lat) // 2], "p99_ms": 1000 * lat[int(len(lat) * 0.99)],
            "status": {k.decode(): v for k, v in stats["status"].items()}}


class CpuMeter:
    """CPU seconds used by a process tree, and busy cores of the whole machine, between start and stop
    (Linux /proc), so the figures say where the time went: the service, or everything else."""

    def __init__(self, root_pid: int) -> None:
        self.root_pid = root_pid

    def _tree_seconds(self) -> float:
        return cpu_seconds(self.root_pid)

    @staticmethod
    def _machine() -> tuple[float, float]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return (sum(values) - idle) / os.sysconf("SC_CLK_TCK"), time.monotonic()

    def start(self) -> None:
        self._tree0, (self._busy0, self._t0), self._own0 = self._tree_seconds(), self._machine(), time.process_time()

    def stop(self) -> dict:
        busy, t = self._machine()
        return {"tree_cpu_s": self._tree_seconds() - self._tree0, "machine_busy_cores": (busy - self._busy0) / (t - self._t0),
                "load_generator_cores": (time.process_time() - self._own0) / (t - self._t0),
                "load_average": os.getloadavg()[0]}


async def produce_baseline(seconds: float, concurrency: int, size: int) -> float:
    done, _ = await acked_produce(seconds=seconds, concurrency=concurrency, size=size)
    return done / seconds
