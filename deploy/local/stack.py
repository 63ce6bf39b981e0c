#!/usr/bin/env python3
"""Local Kafka + PostgreSQL stack without Docker (stdlib only).

    python deploy/local/stack.py up                # start all three, print exports
    python deploy/local/stack.py env               # print exports only
    python deploy/local/stack.py status
    python deploy/local/stack.py down [--purge]    # stop all three (--purge: delete .stack/)
    python deploy/local/stack.py kill kafka|postgres|mail    # SIGKILL, for fault tests
    python deploy/local/stack.py start kafka|postgres|mail   # restart one component
    python deploy/local/stack.py packages [--tests]     # apt-install the Debian packages the system uses

``eval "$(python deploy/local/stack.py up)"`` sets KAFKA_BOOTSTRAP_SERVERS,
DATABASE_URL and the mail sink's SMTP_HOST, SMTP_PORT and KCZG_MAIL_DIR; progress goes to stderr.

Kafka runs from jars resolved from Maven Central (cached under
``${XDG_CACHE_HOME:-~/.cache}/kczg/kafka-<version>/``), PostgreSQL from the
distribution's server binaries, the mail sink (SMTP on 11025, KCZG_SMTP_PORT; aiosmtpd, from the
project's virtualenv) stores what it receives under ``.stack/mail/received/``; all data lives in ``<project>/.stack/``.
KCZG_STACK_DIR, KCZG_KAFKA_PORT (KCZG_KAFKA_CONTROLLER_PORT, default the next
port) and KCZG_PG_PORT run a second stack beside the default one (19092, 15432).
Broker settings come from ``deploy/kafka_settings.py``, the same source as
the generated docker-compose.yml.

Its parts: processes.py (files, commands, pids), packages.py (Debian packages),
kafka.py with kafka_jars.py and kafka_probe.py (the broker), postgres.py (the
database), mail.py with mail_sink.py and mailbox.py (the mail sink); this file composes them and is the command line.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if not __package__:  # run as a script or loaded by path: its parts are imported by their full names
    _here = Path(__file__).resolve().parent
    if sys.path and Path(sys.path[0]).resolve() == _here:
        del sys.path[0]  # its sibling files (kafka.py, …) are not top-level modules
    if str(_here.parents[1]) not in sys.path:
        sys.path.insert(0, str(_here.parents[1]))

from deploy import kafka_settings as S  # noqa: E402
from deploy.local.kafka import (bootstrap_servers, ensure_java, kafka_classpath, kafka_pid, kill_kafka,  # noqa: E402
                                start_kafka, stop_kafka)
from deploy.local.packages import ensure_system_packages  # noqa: E402
from deploy.local.postgres import (PG_DIR, database_url, kill_postgres, pg_bindir, postgres_pid,  # noqa: E402
                                   start_postgres, stop_postgres)
from deploy.local.mail import kill_mail, mail_env, mail_pid, start_mail, stop_mail  # noqa: E402
from deploy.local.processes import STACK_DIR, StackError, log  # noqa: E402

COMPONENTS = ("kafka", "postgres", "mail")


def env() -> dict[str, str]:
    """Connection settings of the local stack."""
    return {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers(),
        "DATABASE_URL": database_url(),
        **mail_env(),
    }


def start(component: str) -> None:
    """Start one component (e.g. after ``kill``); existing data is kept."""
    {"kafka": start_kafka, "postgres": start_postgres, "mail": start_mail}[component]()


def kill(component: str) -> None:
    """SIGKILL one component, for fault tests."""
    {"kafka": kill_kafka, "postgres": kill_postgres, "mail": kill_mail}[component]()


def up() -> dict[str, str]:
    """Start the components side by side (no-op for running ones); return env()."""
    if not (kafka_pid() and postgres_pid()):  # what either may apt-install, one at a time (dpkg's lock)
        pg_bindir(), ensure_java(), kafka_classpath()
    with ThreadPoolExecutor(len(COMPONENTS)) as pool:  # the broker's JVM start-up is the long one
        for started in [pool.submit(start, component) for component in COMPONENTS]:
            started.result()  # the first failure, once both have finished
    return env()


def down(purge: bool = False) -> None:
    """Stop the components; ``purge`` also deletes all data under .stack/."""
    stop_mail()
    stop_kafka()
    stop_postgres()
    for folder in {STACK_DIR, PG_DIR.parent}:
        if purge and folder.exists():
            shutil.rmtree(folder)
            log(f"deleted {folder}")


def is_running() -> bool:
    """True when Kafka, PostgreSQL and the mail sink run."""
    return bool(kafka_pid() and postgres_pid() and mail_pid())


def status() -> dict[str, dict]:
    """Per component: running flag, pid and address."""
    kpid, ppid, mpid = kafka_pid(), postgres_pid(), mail_pid()
    return {
        "kafka": {
            "running": bool(kpid), "pid": kpid,
            "address": f"{S.LOCAL_HOST}:{S.KAFKA_PORT}", "version": S.KAFKA_VERSION,
        },
        "postgres": {
            "running": bool(ppid), "pid": ppid,
            "address": f"{S.LOCAL_HOST}:{S.POSTGRES_PORT}",
        },
        "mail": {
            "running": bool(mpid), "pid": mpid,
            "address": f"{S.LOCAL_HOST}:{S.SMTP_PORT}",
        },
    }


def exports(settings: dict[str, str]) -> str:
    return "\n".join(f"export {key}={value}" for key, value in settings.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start Kafka, PostgreSQL and the mail sink, print exports")
    down_parser = sub.add_parser("down", help="stop all three")
    down_parser.add_argument("--purge", action="store_true", help="also delete .stack/ data")
    sub.add_parser("status", help="show what runs")
    sub.add_parser("env", help="print the connection settings as shell exports")
    packages_parser = sub.add_parser("packages", help="apt-install the missing Debian packages the system uses")
    packages_parser.add_argument("--tests", action="store_true", help="also what only the tests use (chromium)")
    for name, text in (("kill", "SIGKILL one component"), ("start", "start one component")):
        sub.add_parser(name, help=text).add_argument("component", choices=COMPONENTS)
    args = parser.parse_args(argv)

    try:
        if args.command == "up":
            print(exports(up()))
        elif args.command == "down":
            down(purge=args.purge)
        elif args.command == "env":
            print(exports(env()))
        elif args.command == "status":
            for name, info in status().items():
                state = f"running (pid {info['pid']})" if info["running"] else "stopped"
                print(f"{name:9} {state:22} {info['address']}")
        elif args.command == "packages":
            installed = ensure_system_packages(tests=args.tests)
            log(f"installed {' '.join(installed)}" if installed else "every Debian package the system uses is installed")
        elif args.command == "kill":
            kill(args.component)
        elif args.command == "start":
            start(args.component)
    except StackError as exc:
        print(f"[stack] error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
