"""`kczg serve NAME` runs one service in the foreground; `kczg up` runs the whole system."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import typer

SERVICES = {
    "intake": [sys.executable, "-m", "services.intake"],
    "quota": [sys.executable, "-m", "services.quota"],
}


def serve(name: str = typer.Argument(..., help=f"one of: {', '.join(SERVICES)}")) -> None:
    """Run one service in the foreground (Ctrl-C stops it)."""
    if name not in SERVICES:
        raise typer.BadParameter(f"unknown service {name!r}; choose from {', '.join(SERVICES)}")
    os.execv(SERVICES[name][0], SERVICES[name])


def up(port: int = typer.Option(8000, help="Intake HTTP port.")) -> None:
    """Start the local stack, create topics, run every service; Ctrl-C stops the services."""
    from deploy.local import stack
    from eventlog.admin import create_topics

    stack.up()
    os.environ.update(stack.env())
    asyncio.run(create_topics())
    env = {**os.environ, "INTAKE_PORT": str(port)}
    procs = {name: subprocess.Popen(cmd, env=env) for name, cmd in SERVICES.items()}
    typer.echo(f"\n科创中国榜单平台 is running.\n  intake API: http://127.0.0.1:{port}/docs\n"
               f"  Kafka: {env['KAFKA_BOOTSTRAP_SERVERS']}  PostgreSQL: {env['DATABASE_URL']}\n"
               "Ctrl-C stops the services (the stack keeps running: `kczg stack down`).")
    try:
        while all(p.poll() is None for p in procs.values()):
            time.sleep(0.5)
        failed = [n for n, p in procs.items() if p.poll() is not None]
        typer.echo(f"service exited: {', '.join(failed)}", err=True)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs.values():
            p.wait(timeout=30)
