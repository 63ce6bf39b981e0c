"""Pages benchmark: the p99 of the expert's scoring page and of the secretariat's dashboard at 2022 scale, at
concurrency 32, against a static file served by the same server in the same run.

The facts go straight on the log as bench/review_scoring.py puts them (2,281 先导技术·电子信息 nominations, the
2022 campaign's count, each holding its slot); over HTTP the secretariat screens them all, the body files a plan
(7 experts per item) and assigns automatically, and `scores` seats are scored, so the dashboard's aggregates
and charts have a campaign's worth of rows to read. Then, each for `seconds` after a warm-up, 32 keep-alive
connections GET: /workbench/static/workbench.css (the baseline: the same process, the same front, no query);
an expert's seat page (the dossier and the score sheet; each connection its own expert and seats); the
dashboard (the secretariat's, one campaign, the most-scored target's charts). Goal: p99 ≤ 150 ms on 2 cores.

    python -m bench.pages [--seconds 15] [--nominations 2281] [--scores 3000] [--workers 1]

Measured 2026-12-07 on the shared 2-core box while other sessions ran (load average 13-20 in every run, the
machine's two cores busy throughout), 2,281 nominations, 15,967 seats, 3,000 scored, one worker, 10 s each:
- dashboard read and drawn per request: static 1,447/s p99 156 ms; seat page 52/s p99 2,463 ms (2.5 ms review
  CPU each); dashboard 4/s p50 7.2 s p99 13.8 s — 38 ms of review CPU per request (the aggregates, 330 experts'
  leniency, the drawing), so it could never make 150 ms at concurrency 32 on two cores.
- dashboard drawn once per move of the views (pages/dashboard.py): static 779/s p50 41 ms p99 84 ms; seat page
  138/s p50 153 ms p99 1,183 ms (2.1 ms review CPU each); dashboard 181/s p50 132 ms p99 466 ms (1.4 ms CPU).

Measured again 2026-12-07 19:02-19:12 UTC, `python -m bench.pages --seconds 15 [--workers 2]`, full scale (48 seats
an expert), the box still shared (load average 4-6 over each run), the code before and after these changes run
back to back: the seat page reads its seat, neighbours and target in one query, ordering the expert's queue on
narrow rows (EXPLAIN ANALYZE at this scale: 0.73 → 0.46 ms); the dashboard sets its drawn part into the page encoded
(encoding it per request was a tenth of the request); templates are no longer stat'ed per page.
- one worker, before (load 4.3-4.5): static 2,609/s p99 31 ms; seat page 349/s p50 62 ms p99 408 ms (1.89 ms
  review CPU each); dashboard 529/s p50 47 ms p99 215 ms (1.37 ms).
- one worker, after (load 3.8-4.3): static 2,701/s p99 26 ms; seat page 451/s p50 51 ms p99 233 ms (1.74 ms);
  dashboard 874/s p50 27 ms p99 148 ms (0.93 ms).
- two workers (`--workers 2`, REVIEW_WORKERS), before (load 5.7-6.1): static 3,107/s p99 32 ms; seat page
  464/s p99 188 ms (2.0 ms); dashboard 1,109/s p99 112 ms (1.15 ms).
- two workers, after (load 4.5-4.9): static 6,594/s p99 21 ms; seat page 1,045/s p50 25 ms p99 114 ms
  (1.21 ms); dashboard 1,310/s p50 16 ms p99 121 ms (0.83 ms).
Goal (p99 ≤ 150 ms) met with two workers at load ~5; with one, the dashboard just meets it and the seat page does
not: one process's event loop is the limit (per page ~0.4 ms is Jinja, ~0.2 ms the query's round trip, the rest
the HTTP stack every route pays). CPU per request is the comparable figure across runs; latencies follow the
box's load (the static file's p99 went from 21 to 156 ms between quiet and saturated runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.load_client import CpuMeter, http_load
from bench.review_scoring import CRITERIA, DOMAIN, IN_REVIEW, LIST, TARGET, log, prepare, put_facts
from tests.support.events import open_campaign
from tests.support.intake import Keys
from tests.support.isolation import isolated_env
from tests.support.processes import ServiceProcess, free_port, wait_http_ready

SEAT = f"/workbench/review/campaigns/kczg-2022/targets/{LIST}/{DOMAIN}/nominations/{{}}"
DASHBOARD = "/workbench/review/campaigns/kczg-2022/dashboard"
STATIC = "/workbench/static/workbench.css"


def get(port: int, path: str, token: str | None = None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}\r\n".encode()


async def score_some(base: str, seats: list[tuple[tuple[str, str], str]], count: int, seed: int) -> None:
    """`count` seats scored (16 at a time), so the dashboard's charts read real totals."""
    rng, gate = random.Random(seed), asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        async def one(seat) -> None:
            (nid, _), token = seat
            async with gate:
                r = await http.put(f"{TARGET}/nominations/{nid}/scores", headers={"Authorization": f"Bearer {token}"},
                                   json={"scores": {c: f"{rng.uniform(55, 95):.2f}" for c in CRITERIA}})
                assert r.status_code == 200, r.text

        await asyncio.gather(*(one(s) for s in rng.sample(seats, min(count, len(seats)))))


async def figures(seed: int = 2022, seconds: float = 15, warmup: float = 3, concurrency: int = 32,
                  nominations: int = 2281, experts: int = 330, scores: int = 3000, workers: int = 1) -> dict:
    stack = {k: os.environ[k] for k in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL")}
    async with isolated_env(stack) as env:
        keys = Keys(Path(tempfile.mkdtemp()))
        await open_campaign()
        await put_facts(nominations, seed)
        port = free_port()
        review = ServiceProcess("services.review", env, Path(tempfile.mkdtemp()) / "review.log", extra_env={
            **keys.env(), "KCZG_CLOCK": IN_REVIEW, "REVIEW_PORT": str(port), "REVIEW_WORKERS": str(workers),
            "LOG_LEVEL": "WARNING"}).start()
        try:
            base = f"http://127.0.0.1:{port}"
            await asyncio.to_thread(wait_http_ready, base, review)
            started = time.perf_counter()
            seats = sorted((await prepare(base, keys, nominations, experts)).items())
            await score_some(base, seats, scores, seed)
            log(f"{len(seats)} seats, {scores} scored in {time.perf_counter() - started:.0f} s; "
                f"pages for {seconds:.0f} s at concurrency {concurrency} (pid {review.proc.pid})")
            secretariat = keys.token("secretariat", "kczg_secretariat", ttl_s=3600)
            await asyncio.sleep(2)  # the views take the last scores in
            runs = {}
            per_conn = {
                "static": [[get(port, STATIC)]] * concurrency,
                "seat_page": [[get(port, SEAT.format(nid), token) for (nid, _), token in seats[c::concurrency][:50]]
                              for c in range(concurrency)],
                "dashboard": [[get(port, DASHBOARD, secretariat)]] * concurrency,
            }
            for name, requests in per_conn.items():
                cpu = CpuMeter(review.proc.pid)
                asyncio.get_running_loop().call_later(warmup, cpu.start)
                result = await http_load(port, requests, seconds, warmup, ok=b"200")
                used = cpu.stop()
                runs[name] = {"per_s": round(result["ok_per_s"], 1), "p50_ms": round(result["p50_ms"], 1),
                              "p99_ms": round(result["p99_ms"], 1), "status": result["status"],
                              "review_cpu_ms_per_request": round(1e3 * used["tree_cpu_s"] / max(1, result["requests"]), 2),
                              "machine_busy_cores": round(used["machine_busy_cores"], 2),
                              "load_average": round(used["load_average"], 2)}
                log(f"{name}: {runs[name]}")
        finally:
            review.stop()
    return {"nominations": nominations, "experts": experts, "seats": len(seats), "scored": scores,
            "workers": workers, "concurrency": concurrency, "seconds": seconds, **runs,
            "load_average_1_5_15": [round(v, 2) for v in os.getloadavg()], "cores": os.cpu_count(),
            "goal": {"p99_ms": 150},
            "goal_met": all(runs[k]["p99_ms"] <= 150 for k in ("seat_page", "dashboard"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--nominations", type=int, default=2281)
    parser.add_argument("--experts", type=int, default=330)
    parser.add_argument("--scores", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    result = asyncio.run(figures(seconds=args.seconds, nominations=args.nominations, experts=args.experts,
                                 scores=args.scores, workers=args.workers))
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    print()


if __name__ == "__main__":
    main()
