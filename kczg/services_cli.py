"""`kczg serve NAME` runs one service in the foreground; `kczg up` runs the whole system."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import typer

# name -> (module, port variable, default port)
SERVICES = {
    "intake": ("services.intake", "INTAKE_PORT", 8000),
    "quota": ("services.quota", "QUOTA_PORT", 8001),
    "publish": ("services.publish", "PUBLISH_PORT", 8002),
    "review": ("services.review", "REVIEW_PORT", 8003),
    "notify": ("services.notify", "NOTIFY_PORT", 8004),
}
FIRST_CAMPAIGN = Path(__file__).resolve().parents[1] / "contracts" / "campaigns" / "kczg-2022.yaml"


def _available() -> dict[str, tuple[str, str, int]]:
    """Services whose package can run (`python -m`) in this checkout."""
    root = Path(__file__).resolve().parents[1]
    return {name: spec for name, spec in SERVICES.items()
            if (root / spec[0].replace(".", "/") / "__main__.py").exists()}


def serve(name: str = typer.Argument(..., help=f"one of: {', '.join(SERVICES)}")) -> None:
    """Run one service in the foreground (Ctrl-C stops it)."""
    if name not in _available():
        raise typer.BadParameter(f"unknown service {name!r}; choose from {', '.join(_available())}")
    os.execv(sys.executable, [sys.executable, "-m", SERVICES[name][0]])


def up(external: bool = typer.Option(False, "--external", help="Use KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL as "
                                    "set; start no local stack."),
       ready_timeout: float = typer.Option(90.0, help="Seconds to wait for every /readyz before the status block.")) -> None:
    """Start the local stack, create topics, open the 2022 campaign, run every service with its log in
    .stack/logs/<service>.log, print their status; Ctrl-C or SIGTERM stops them."""
    from deploy.local import stack
    from eventlog.admin import create_topics

    from contracts.events import Actor

    from .campaign_cli import load_file
    from .token_cli import ensure_key_pair

    if not external:
        stack.up()
        os.environ.update(stack.env())
    asyncio.run(create_topics())
    _, public_key = ensure_key_pair()
    os.environ.setdefault("KCZG_JWT_PUBLIC_KEY", str(public_key))
    secretariat = Actor(role="secretariat", id="kczg_secretariat")
    opened = asyncio.run(load_file(str(FIRST_CAMPAIGN), secretariat, datetime.now(timezone.utc)))
    services = _available()
    logs = log_dir()
    procs = start_services({name: [sys.executable, "-m", module] for name, (module, _, _) in services.items()}, logs)
    urls = {name: f"http://127.0.0.1:{os.environ.get(var, port)}" for name, (_, var, port) in services.items()}
    states = wait_ready(urls, procs, ready_timeout)
    typer.echo(status_block(urls, states, os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["DATABASE_URL"],
                            f"kczg-2022 {'opened' if opened else 'already open'}", logs))
    supervise(procs, logs)


def log_dir() -> Path:
    """Where `kczg up` writes each service's log: .stack/logs/ (KCZG_LOG_DIR overrides)."""
    from deploy.local import stack

    return Path(os.environ.get("KCZG_LOG_DIR") or stack.STACK_DIR / "logs")


def start_services(commands: dict[str, list[str]], logs: Path) -> dict[str, subprocess.Popen]:
    """Start each command with its stdout and stderr appended to logs/<name>.log."""
    logs.mkdir(parents=True, exist_ok=True)
    procs = {}
    for name, argv in commands.items():
        with open(logs / f"{name}.log", "ab") as out:  # the child keeps its own copy of the descriptor
            procs[name] = subprocess.Popen(argv, env=os.environ.copy(), stdin=subprocess.DEVNULL, stdout=out,
                                           stderr=subprocess.STDOUT)
    return procs


def wait_ready(urls: dict[str, str], procs: dict[str, subprocess.Popen], timeout_s: float) -> dict[str, str]:
    """Each service's state once all answer /readyz 200, or at the timeout: "ready", "not ready (…)" or
    "exited (code N)"."""
    import httpx

    states = {name: "starting (no answer yet)" for name in urls}
    deadline = time.monotonic() + timeout_s
    while True:
        for name, url in urls.items():
            if states[name] == "ready" or states[name].startswith("exited"):
                continue
            if procs[name].poll() is not None:
                states[name] = f"exited (code {procs[name].returncode})"
                continue
            try:
                r = httpx.get(f"{url}/readyz", timeout=2)
                states[name] = "ready" if r.status_code == 200 else f"not ready ({_why(r)})"
            except httpx.HTTPError:
                pass  # not listening yet
        if all(s == "ready" or s.startswith("exited") for s in states.values()) or time.monotonic() > deadline:
            return states
        time.sleep(0.3)


def _why(response) -> str:
    try:
        return str(response.json().get("detail") or response.status_code)
    except ValueError:
        return str(response.status_code)


def status_block(urls: dict[str, str], states: dict[str, str], broker: str, database: str, campaign: str,
                 logs: Path) -> str:
    """What `kczg up` prints once the services answered (or did not in time)."""
    width = max(len(u) for u in urls.values())
    lines = ["", "科创中国榜单平台 · kczg up"]
    for name, url in urls.items():
        hint = "" if states[name] == "ready" else f"  → kczg logs {name}"
        lines.append(f"  {name:9} {url:{width}}  {states[name]}{hint}")
    lines += [f"  {'broker':9} {broker} (Kafka)",
              f"  {'database':9} {database}",
              f"  {'mail':9} smtp://{os.environ.get('SMTP_HOST', '127.0.0.1')}:{os.environ.get('SMTP_PORT', '11025')} "
              "(the local sink: kczg mail list)",
              f"  {'campaign':9} {campaign}",
              f"  {'logs':9} {logs}/<service>.log  (follow one: kczg logs intake)",
              f"  {'see':9} /docs (API), /metrics (Prometheus), /readyz on every service; docs/runbook.md",
              f"  {'tokens':9} kczg token issue --role secretariat --org kczg_secretariat (or --role unit --org <unit>)",
              "Ctrl-C (or SIGTERM) stops the services; the broker and database keep running (`kczg stack down`)."]
    return "\n".join(lines)


def supervise(procs: dict[str, subprocess.Popen], logs: Path | None = None) -> None:
    """Wait while every service runs. Ctrl-C, SIGTERM (a service manager, `docker stop`, CI) or one
    service exiting stops the others: the services never outlive `kczg up`."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        while all(p.poll() is None for p in procs.values()):
            time.sleep(0.5)
        for name, p in procs.items():
            if p.poll() is not None:
                where = f"; its log: {logs / f'{name}.log'}" if logs else ""
                typer.echo(f"service exited: {name} (code {p.returncode}){where}", err=True)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs.values():
            p.wait(timeout=30)


def _exit_on_sigterm(signum: int, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds through supervise's `finally`, unlike the default action
