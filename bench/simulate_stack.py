"""`kczg simulate` to the end against services of its own: intake, quota, review and publish, each its own
process, and the notifier sending to the running SMTP sink (SMTP_HOST, SMTP_PORT, counted in KCZG_MAIL_DIR),
on a fresh database and topic set (tests/support/isolation.py) of the running broker and
PostgreSQL (KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL), their clock starting in the collection period and
moved by the simulator's X-Kczg-Clock. Prints the simulator's JSON line, then one line with the wall time;
exits 1 unless every phase is consistent. Database and topics are dropped afterwards.

Per phase (intake, quota, screening, assignment, scoring, results, final review, notice, release, verify) it
prints the wall time, the events the phase put on the log and their rate, and a baseline measured in the same
run: raw acked produce of the same number of events (bench/baseline.py, the simulator's concurrency), with the
ratio of the phase's rate to it. Then the cost per nomination and each process's peak memory.

    python bench/simulate_stack.py --scale 1 [--seed 20221031] [--release-on 2023-02-20] [--keep-logs DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable as a script from anywhere

from bench.baseline import acked_produce
from bench.proc import cpu_seconds, peak_rss_mb
from kczg.simulator.run import simulate_async
from kczg.simulator.intake.plan import plan
from kczg.token_cli import PRIVATE_NAME, PUBLIC_NAME
from tests.support.events import open_campaign
from tests.support.intake import Keys
from tests.support.isolation import isolated_env
from tests.support.processes import ServiceProcess, free_port, wait_http_ready

SERVICES = {"intake": "INTAKE_PORT", "quota": "QUOTA_PORT", "review": "REVIEW_PORT", "publish": "PUBLISH_PORT",
            "notify": "NOTIFY_PORT"}
# The notifier follows the log, not the simulator's requests: its clock is the system's (later than every instant
# the campaign names: nothing held for an embargo) and no event is too old to tell. It sends to the SMTP sink
# (SMTP_HOST, SMTP_PORT; `make up` starts one), whose folder (KCZG_MAIL_DIR) the check counts.
OWN_ENV = {"notify": {"KCZG_CLOCK": "system", "NOTIFY_MAX_AGE_DAYS": "36500"}}
CLOCK = "start:2022-10-15T10:00:00+08:00"


async def main(args: argparse.Namespace) -> int:
    stack = {k: os.environ[k] for k in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL")}
    logs = Path(args.keep_logs or tempfile.mkdtemp(prefix="kczg-simulate-"))
    logs.mkdir(parents=True, exist_ok=True)
    async with isolated_env(stack) as env:
        keys = Keys(logs)
        keys_dir = logs / "keys"
        keys_dir.mkdir(exist_ok=True)
        (keys_dir / PRIVATE_NAME).write_bytes(keys.private_pem)
        (keys_dir / PUBLIC_NAME).write_bytes(keys.public_path.read_bytes())
        await open_campaign(args.campaign)
        common = {**keys.env(), "KCZG_CLOCK": CLOCK, "KCZG_CLOCK_HEADER": "1"}
        ports = {name: free_port() for name in SERVICES}
        procs = {name: ServiceProcess(f"services.{name}", env, logs / f"{name}.log",
                                      extra_env={**common, **OWN_ENV.get(name, {}), var: str(ports[name])}).start()
                 for name, var in SERVICES.items()}
        try:
            for name, proc in procs.items():
                await asyncio.to_thread(wait_http_ready, f"http://127.0.0.1:{ports[name]}", proc)
            started = time.monotonic()
            url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
            summary = await simulate_async(args.scale, url["intake"], url["quota"], args.campaign, args.seed,
                                           args.concurrency, keys_dir, review=url["review"], publish=url["publish"],
                                           release_on=date.fromisoformat(args.release_on) if args.release_on else None,
                                           mail=True,
                                           cpu_probe=lambda: {**{n: cpu_seconds(p.proc.pid) for n, p in procs.items()},
                                                              "simulator": time.process_time()})
            wall = round(time.monotonic() - started, 1)
            peak_mb = {name: peak_rss_mb(proc.proc.pid) for name, proc in procs.items()}
        finally:
            for proc in procs.values():
                proc.stop()
        phases = await with_baselines(summary.get("phases", {}), args.concurrency)
    peak_mb["simulator"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps({"simulate": summary}, ensure_ascii=False, default=str))
    print_phases(phases)
    ok = (summary["consistent"] and summary.get("review_consistent") and summary.get("release_consistent")
          and summary.get("matching_consistent", True) and summary.get("mail_consistent", True))
    nominations = len(plan(args.scale, args.seed, "x")[1])
    print(json.dumps({"simulate_stack": {"scale": args.scale, "nominations": nominations, "wall_s": wall,
                                         "ms_per_nomination": round(1000 * wall / nominations, 2),
                                         "events": sum(p["events"] for p in phases.values()),
                                         "peak_rss_mb": peak_mb, "consistent": bool(ok), "phases": phases,
                                         "load_average": [round(x, 2) for x in os.getloadavg()],
                                         "logs": str(logs)}}))
    return 0 if ok else 1


async def with_baselines(phases: dict[str, dict], concurrency: int) -> dict[str, dict]:
    """Each phase beside raw acked produce of as many events, measured now on the same broker."""
    for row in phases.values():
        if row["events"]:
            done, seconds = await acked_produce(count=row["events"], concurrency=concurrency)
            row["baseline_events_per_s"] = round(done / seconds, 1)
            row["ratio"] = round(row["events_per_s"] / row["baseline_events_per_s"], 4)
    return phases


def print_phases(phases: dict[str, dict]) -> None:
    names = sorted({n for row in phases.values() for n in row.get("cpu_s", {})})
    print(f"{'phase':<14}{'seconds':>9}{'events':>10}{'events/s':>11}{'baseline/s':>12}{'ratio':>8}  "
          + " ".join(f"{'cpu:' + n:>13}" for n in names))
    for name, row in phases.items():
        print(f"{name:<14}{row['seconds']:>9.1f}{row['events']:>10}{row['events_per_s']:>11.1f}"
              f"{row.get('baseline_events_per_s', 0):>12.1f}{row.get('ratio', 0):>8.3f}  "
              + " ".join(f"{row.get('cpu_s', {}).get(n, 0):>13.1f}" for n in names))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=20221031)
    parser.add_argument("--campaign", default="kczg-2022")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--release-on", default=None)
    parser.add_argument("--keep-logs", default=None, help="directory for the services' logs (default: a temp dir)")
    sys.exit(asyncio.run(main(parser.parse_args())))
