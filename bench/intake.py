"""Accepted nominations per second through the intake HTTP API, with p50/p99 latency, at a fixed
concurrency, against the real stack: without an Idempotency-Key and with a fresh one per request, side
by side in one run (the two alternate, --rounds times each) with their ratio; and, in the same run, the
raw aiokafka acked-produce rate.

    python bench/intake.py [--workers 2] [--concurrency 64] [--seconds 20] [--rounds 2] [--profile PREFIX]

Needs KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL. The intake runs as its own process (uvicorn
workers); the load comes from the load client (bench/load_client.py). Prints one final JSON line;
besides the figures the issue asks for, per path the intake's CPU per request (its whole process tree),
how many cores the machine was busy over the same window, the load average, and how many cores the
load generator itself used — on a saturated machine the first says what to cut, the last what the
measurement costs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_client import CpuMeter, http_load, produce_baseline
from bench.proc import py_spy
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


async def run_path(port: int, tokens: list[str], intake: ServiceProcess, args, keyed: bool, round_no: int) -> dict:
    """One timed run of one path (with a fresh Idempotency-Key per request, or without), its CPU measured
    over the same window as its requests."""
    per_conn = [[request_bytes(port, tokens[(c + k) % len(tokens)], c * 1000 + k) for k in range(8)]
                for c in range(args.concurrency)]
    cpu = CpuMeter(intake.proc.pid)
    asyncio.get_running_loop().call_later(args.warmup, cpu.start)
    spy = args.profile and await py_spy(intake.proc.pid, f"{args.profile}.{'keyed' if keyed else 'unkeyed'}.{round_no}",
                                        args.warmup + args.seconds)
    load = await http_load(port, per_conn, args.seconds, args.warmup, f"bench-{round_no}" if keyed else None)
    used = cpu.stop()
    if spy:
        await spy.wait()
    return {**load, **used}


def summary(runs: list[dict], seconds: float) -> dict:
    """The runs of one path together: accepted/s, latency percentiles (the worst run's p99), CPU per request."""
    requests = sum(r["requests"] for r in runs)
    status: dict[str, int] = {}
    for r in runs:
        for k, v in r["status"].items():
            status[k] = status.get(k, 0) + v
    return {"accepted_per_s": round(sum(r["ok_per_s"] for r in runs) / len(runs), 1),
            "p50_ms": round(max(r["p50_ms"] for r in runs), 2), "p99_ms": round(max(r["p99_ms"] for r in runs), 2),
            "intake_cpu_us_per_request": round(1e6 * sum(r["tree_cpu_s"] for r in runs) / max(1, requests), 1),
            "machine_busy_cores": round(sum(r["machine_busy_cores"] for r in runs) / len(runs), 2),
            "load_generator_cores": round(sum(r["load_generator_cores"] for r in runs) / len(runs), 2),
            "load_average": round(sum(r["load_average"] for r in runs) / len(runs), 2), "status": status}


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
        runs: dict[bool, list[dict]] = {False: [], True: []}
        try:
            await asyncio.to_thread(wait_http_ready, f"http://127.0.0.1:{port}", intake)
            await asyncio.sleep(3)  # the projection's consumer group settles across the workers
            tokens = [keys.token("unit", u, ttl_s=3600) for u in units]
            # The two paths alternate, so a neighbour's load on the machine falls on both alike.
            for round_no in range(args.rounds):
                for keyed in (False, True):
                    runs[keyed].append(await run_path(port, tokens, intake, args, keyed, round_no))
        finally:
            intake.stop()
        size = len(request_bytes(port, tokens[0], 0))
        baseline = await produce_baseline(args.seconds, args.concurrency, size)
    unkeyed, keyed = summary(runs[False], args.seconds), summary(runs[True], args.seconds)
    return {"bench": "intake", "unkeyed": unkeyed, "keyed": keyed,
            "keyed_to_unkeyed": round(keyed["accepted_per_s"] / max(1e-9, unkeyed["accepted_per_s"]), 3),
            "unkeyed_to_keyed": round(unkeyed["accepted_per_s"] / max(1e-9, keyed["accepted_per_s"]), 3),
            "baseline_produce_per_s": round(baseline, 1),
            "keyed_to_produce": round(keyed["accepted_per_s"] / baseline, 3), "workers": args.workers,
            "concurrency": args.concurrency, "seconds": args.seconds, "rounds": args.rounds,
            "cores": os.cpu_count(), "load_average_end": [round(x, 2) for x in os.getloadavg()]}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds of (without a key, with a fresh Idempotency-Key per request), --seconds each")
    parser.add_argument("--profile", metavar="PREFIX",
                        help="py-spy record the intake during each run: PREFIX.keyed.0, PREFIX.unkeyed.0, ... (collapsed stacks)")
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    print(orjson.dumps(asyncio.run(main(parser.parse_args()))).decode())
