"""Accepted submissions per second through the intake HTTP API, with p50/p99 latency, at a fixed
concurrency, against the real stack; and, in the same run, the raw aiokafka acked-produce rate.

    python bench/intake.py [--workers 2] [--concurrency 64] [--seconds 20] [--keyed]

Needs KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL. The intake runs as its own process (uvicorn
workers); the load comes from keep-alive HTTP/1.1 connections driven by a bare asyncio Protocol
(an httpx client tops out near 350 requests/s on this box). Prints one final JSON line; besides
the figures the issue asks for, the intake's CPU per request (its whole process tree), how many
cores the machine was busy over the same window and how many of them the load generator itself used
— on a saturated machine the first says what to cut, the last what the measurement costs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.baseline import acked_produce
from bench.proc import cpu_seconds
from services.intake.examples import example_form
from tests.support.intake import Keys
from tests.support.events import open_campaign, register_units
from tests.support.isolation import isolated_env
from tests.support.processes import ServiceProcess, free_port, wait_http_ready

ALL_CHANNELS = ("national_society", "provincial_cast", "xpcc_cast", "pilot_city_park", "central_enterprise_cast",
                "consortium_member", "other_unit")


def request_bytes(port: int, token: str, n: int) -> bytes:
    form = example_form("leading_tech", domain="biomedicine", technology_name=f"基准技术{n}")
    body = orjson.dumps({"campaign": "kczg-2022", "list_code": "leading_tech", "domain": "biomedicine", "form": form,
                         "opinion": "同意推荐。"})
    head = (f"POST /v1/nominations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


def with_fresh_key(request: bytes, key: str) -> bytes:
    """The request with an Idempotency-Key header of its own (--keyed): the route's transactional path."""
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


async def http_load(port: int, tokens: list[str], concurrency: int, seconds: float, warmup: float,
                    keyed: bool = False) -> dict:
    stats = {"latencies": [], "status": {}}
    loop = asyncio.get_running_loop()
    per_conn = [[request_bytes(port, tokens[(c + k) % len(tokens)], c * 1000 + k) for k in range(8)]
                for c in range(concurrency)]
    start = time.perf_counter()
    done = [loop.create_future() for _ in range(concurrency)]
    for c in range(concurrency):
        await loop.create_connection(lambda c=c: LoadConnection(per_conn[c], start + warmup + seconds, start + warmup,
                                                                stats, done[c], f"bench-{c}" if keyed else None),
                                     "127.0.0.1", port)
    await asyncio.gather(*done)
    lat = sorted(stats["latencies"])
    accepted = stats["status"].get(b"202", 0)
    return {"accepted_per_s": accepted / seconds, "requests": len(lat), "p50_ms": 1000 * lat[len(lat) // 2],
            "p99_ms": 1000 * lat[int(len(lat) * 0.99)], "status": {k.decode(): v for k, v in stats["status"].items()}}


class CpuMeter:
    """CPU seconds used by a process tree, and busy cores of the whole machine, between start and stop
    (Linux /proc), so the figures say where the time went: the intake, or everything else."""

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
        return {"intake_cpu_s": self._tree_seconds() - self._tree0, "machine_busy_cores": (busy - self._busy0) / (t - self._t0),
                "load_generator_cores": (time.process_time() - self._own0) / (t - self._t0)}


async def produce_baseline(seconds: float, concurrency: int, size: int) -> float:
    done, _ = await acked_produce(seconds=seconds, concurrency=concurrency, size=size)
    return done / seconds


async def main(args) -> dict:
    async with isolated_env({k: os.environ[k] for k in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL")}) as env:
        keys = Keys(Path(tempfile.mkdtemp()))
        units = [f"bench-u{i:03d}" for i in range(args.units)]
        await open_campaign()
        await register_units({u: ALL_CHANNELS for u in units})
        port = free_port()
        intake = ServiceProcess("services.intake", env, Path(tempfile.mkdtemp()) / "intake.log", extra_env={
            **keys.env(), "KCZG_CLOCK": "2022-10-15T10:00:00+08:00", "INTAKE_PORT": str(port),
            "INTAKE_WORKERS": str(args.workers), "LOG_LEVEL": "WARNING"}).start()
        try:
            await asyncio.to_thread(wait_http_ready, f"http://127.0.0.1:{port}", intake)
            await asyncio.sleep(3)  # the projection's consumer group settles across the workers
            tokens = [keys.token("unit", u, ttl_s=3600) for u in units]
            cpu = CpuMeter(intake.proc.pid)
            loop = asyncio.get_running_loop()
            loop.call_later(args.warmup, cpu.start)  # measured over the same window as the requests
            load = await http_load(port, tokens, args.concurrency, args.seconds, args.warmup, args.keyed)
            used = cpu.stop()
        finally:
            intake.stop()
        size = len(request_bytes(port, tokens[0], 0))
        baseline = await produce_baseline(args.seconds, args.concurrency, size)
    return {"bench": "intake", "accepted_per_s": round(load["accepted_per_s"], 1), "p50_ms": round(load["p50_ms"], 2),
            "p99_ms": round(load["p99_ms"], 2), "baseline_produce_per_s": round(baseline, 1),
            "ratio": round(load["accepted_per_s"] / baseline, 3),
            "intake_cpu_us_per_request": round(1e6 * used["intake_cpu_s"] / max(1, load["requests"]), 1),
            "machine_busy_cores": round(used["machine_busy_cores"], 2),
            "load_generator_cores": round(used["load_generator_cores"], 2), "keyed": args.keyed, "workers": args.workers,
            "concurrency": args.concurrency, "seconds": args.seconds, "status": load["status"]}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--keyed", action="store_true",
                        help="every request with its own Idempotency-Key (the route's transactional path)")
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    print(orjson.dumps(asyncio.run(main(parser.parse_args()))).decode())
