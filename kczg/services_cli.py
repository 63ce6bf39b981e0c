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


def up() -> None:
    """Start the local stack, create topics, open the 2022 campaign, run every service; Ctrl-C or SIGTERM stops them."""
    from deploy.local import stack
    from eventlog.admin import create_topics

    from contracts.events import Actor

    from .campaign_cli import load_file
    from .token_cli import ensure_key_pair

    stack.up()
    os.environ.update(stack.env())
    asyncio.run(create_topics())
    _, public_key = ensure_key_pair()
    os.environ.setdefault("KCZG_JWT_PUBLIC_KEY", str(public_key))
    secretariat = Actor(role="secretariat", id="kczg_secretariat")
    opened = asyncio.run(load_file(str(FIRST_CAMPAIGN), secretariat, datetime.now(timezone.utc)))
    procs = {name: subprocess.Popen([sys.executable, "-m", module], env=os.environ.copy())
             for name, (module, _, _) in _available().items()}
    urls = "\n".join(f"  {name:8} http://127.0.0.1:{os.environ.get(var, port)}/docs"
                     for name, (_, var, port) in _available().items())
    typer.echo(f"\n科创中国榜单平台 is running.\n{urls}\n"
               f"  Kafka {os.environ['KAFKA_BOOTSTRAP_SERVERS']}  PostgreSQL {os.environ['DATABASE_URL']}\n"
               f"  campaign kczg-2022: {'opened' if opened else 'already open'}\n"
               "  tokens: kczg token issue --role secretariat --org kczg_secretariat (or --role unit --org <unit>)\n"
               "Ctrl-C (or SIGTERM) stops the services (the stack keeps running: `kczg stack down`).")
    supervise(procs)


def supervise(procs: dict[str, subprocess.Popen]) -> None:
    """Wait while every service runs. Ctrl-C, SIGTERM (a service manager, `docker stop`, CI) or one
    service exiting stops the others: the services never outlive `kczg up`."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        while all(p.poll() is None for p in procs.values()):
            time.sleep(0.5)
        typer.echo(f"service exited: {', '.join(n for n, p in procs.items() if p.poll() is not None)}", err=True)
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
