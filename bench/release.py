"""Release files and the public page: how long building every file takes, and how fast the page answers.

    python bench/release.py [--seconds 8] [--concurrency 64]

1. Files: every release file (json, csv, xlsx, pdf, manifest) of a 2022-shaped release — 250 listed
   entries (150 先导技术榜 over its six domains, 100 新锐企业榜 ...) — and of ten times that, with each
   file's build time and size.
2. Page: the publish service as its own process, the 2022 facts on a fresh topic set, 先导技术榜 and
   新锐企业榜 noticed and released through its API; then GET /campaigns/kczg-2022 (the public index with
   250 entries) and, in the same run against the same server, GET /robots.txt (a static file) — each at
   the given concurrency over keep-alive connections; requests/s, p50 and p99, and the page/static ratio
   (goal >= 0.3).

Needs KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL (e.g. `eval "$(kczg stack env)"`). Prints one final JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contracts.campaign.book import CampaignBook, evolve  # noqa: E402
from contracts.campaign.decisions import decide_timeline_change, release_move  # noqa: E402
from contracts.topics import CAMPAIGNS, NOMINATIONS  # noqa: E402
from services.publish.release.files import RENDERERS  # noqa: E402
from services.publish.release.manifest import MANIFEST, manifest_json  # noqa: E402
from tests.support.events import (  # noqa: E402
    CAMPAIGN, SECRETARIAT, campaign_opened, nomination_chain, publish, registered, results_submitted,
)
from tests.support.intake import Keys  # noqa: E402
from tests.support.isolation import isolated_env  # noqa: E402
from tests.support.processes import ServiceProcess, free_port, wait_http_ready  # noqa: E402
from tests.support.release import scaled_release  # noqa: E402

GOAL_RATIO = 0.3
C = "kczg-2022"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- 1. building the files ---------------------------------------------------------------------------

def file_figures(total: int) -> dict:
    release = scaled_release(total)
    files, seconds = {}, {}
    started = time.perf_counter()
    for name, render in RENDERERS.items():
        t = time.perf_counter()
        files[name] = render(release)
        seconds[name] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    files[MANIFEST] = manifest_json(release, files)
    seconds[MANIFEST] = round(time.perf_counter() - t, 3)
    total_s = time.perf_counter() - started
    entries = sum(len(lst.entries) for lst in release.lists)
    log(f"files, {entries} entries: {total_s:.2f} s ({', '.join(f'{n} {s}s' for n, s in seconds.items())})")
    return {"entries": entries, "lists": len(release.lists), "build_s": round(total_s, 3), "seconds": seconds,
            "bytes": {name: len(data) for name, data in files.items()}}


# --- 2. the page under load ------------------------------------------------------------------------

async def one_connection(host: str, port: int, path: str, stop_at: float, latencies: list[float]) -> int:
    """Keep-alive GETs on one connection until `stop_at`; each answer read whole (Content-Length)."""
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    done = 0
    try:
        while time.perf_counter() < stop_at:
            t = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
            if status != 200:
                raise RuntimeError(f"{path}: HTTP {status}")
            latencies.append(time.perf_counter() - t)
            done += 1
    finally:
        writer.close()
    return done


async def load(base: str, path: str, concurrency: int, seconds: float) -> dict:
    host, port = base.removeprefix("http://").split(":")
    await asyncio.gather(*(one_connection(host, int(port), path, time.perf_counter() + 1.0, [])
                           for _ in range(concurrency)))  # warm-up
    latencies: list[float] = []
    started = time.perf_counter()
    counts = await asyncio.gather(*(one_connection(host, int(port), path, started + seconds, latencies)
                                    for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    figures = {"path": path, "requests": sum(counts), "rps": round(sum(counts) / elapsed, 1),
               "p50_ms": round(statistics.median(latencies) * 1000, 2),
               "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2)}
    log(f"GET {path}: {figures['rps']} req/s, p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms")
    return figures


def facts_2022() -> list[tuple]:
    """250 nominations decided selected: 25 in each 先导技术榜 domain, 100 新锐企业榜, from 60 units."""
    units = [f"unit-{i:02d}" for i in range(60)]
    out = [(NOMINATIONS, registered(u, "provincial_cast").model_copy(update={"name": f"某省科学技术协会{i:02d}"}))
           for i, u in enumerate(units)]
    k, chains = 0, []
    for domain in [d.code for d in CAMPAIGN.ranking_list("leading_tech").domains]:
        for i in range(25):
            k += 1
            chains.append(nomination_chain(units[k % 60], "leading_tech", domain, f"{domain} 关键技术第{i + 1}项",
                                           {"completing_units": [f"某某科技股份有限公司{k}"]}))
    for i in range(100):
        k += 1
        chains.append(nomination_chain(units[k % 60], "emerging_enterprise", None, f"某某新锐科技有限公司{i + 1}",
                                       {"enterprise_name": f"某某新锐科技有限公司{i + 1}"}))
    return out + [e for chain in chains for e in chain.events] + results_submitted(*chains)


async def page_figures(concurrency: int, seconds: float) -> dict:
    stack = {k: os.environ[k] for k in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL")}
    logs = Path(tempfile.mkdtemp(prefix="bench-release-"))
    async with isolated_env(stack) as env:
        keys = Keys(logs)
        (moved,) = decide_timeline_change(evolve(CampaignBook(), campaign_opened()), C,
                                          release_move(CAMPAIGN, date(2023, 2, 20)), "年度会议于2月20日举行",
                                          actor=SECRETARIAT, at=campaign_opened().occurred_at)
        await publish((CAMPAIGNS, campaign_opened()), (CAMPAIGNS, moved), *facts_2022())
        port = free_port()
        service = ServiceProcess("services.publish", env, logs / "publish.log", extra_env={
            **keys.env(), "PUBLISH_PORT": str(port), "KCZG_CLOCK_HEADER": "1", "LOG_LEVEL": "WARNING"}).start()
        base = f"http://127.0.0.1:{port}"
        try:
            await asyncio.to_thread(wait_http_ready, base, service)
            async with httpx.AsyncClient(base_url=base, timeout=120,
                                         headers=keys.headers("secretariat", "kczg_secretariat")) as api:
                for list_code in ("leading_tech", "emerging_enterprise"):
                    for action, at in (("notice", "2022-12-20T10:00:00+08:00"), ("release", "2023-01-05T10:00:00+08:00")):
                        for _ in range(600):
                            r = await api.post(f"/v1/publish/campaigns/{C}/lists/{list_code}/{action}",
                                               headers={"X-Kczg-Clock": at})
                            if r.status_code != 503:
                                break
                            await asyncio.sleep(0.2)
                        assert r.status_code == 201, r.text
                for _ in range(600):  # the view has both lists and the files are built
                    page = (await api.get(f"/campaigns/{C}")).text
                    if page.count("<tr><td class=\"number\">") >= 250 and "release.pdf" in page:
                        break
                    await asyncio.sleep(0.2)
                else:
                    raise RuntimeError("the page never showed the release")
            page = await load(base, f"/campaigns/{C}", concurrency, seconds)
            static = await load(base, "/robots.txt", concurrency, seconds)
        finally:
            service.stop()
    return {"concurrency": concurrency, "seconds": seconds, "page": page, "static": static,
            "ratio": round(page["rps"] / static["rps"], 3), "goal_ratio": GOAL_RATIO,
            "goal_met": page["rps"] / static["rps"] >= GOAL_RATIO}


async def main(concurrency: int, seconds: float) -> dict:
    files = {"2022": file_figures(250), "10x": file_figures(2500)}
    return {"bench": "release", "files": files, "web": await page_figures(concurrency, seconds)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    print(orjson.dumps(asyncio.run(main(args.concurrency, args.seconds))).decode())
