"""`kczg simulate --scale N`: a 2022-sized campaign (2,281 nominations) times N through the real HTTP APIs,
printed as one JSON summary; exit 1 when what it did and what the services show disagree."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

import typer

from eventlog.http.auth import DEV_KEYS_DIR
from kczg.simulator.run import simulate_async


def simulate(scale: float = typer.Option(1.0, min=0.001, help="times the 2022 campaign (2,281 nominations)"),
             intake: str = typer.Option("http://127.0.0.1:8000", help="intake base URL"),
             quota: str = typer.Option("http://127.0.0.1:8001", help="quota service base URL"),
             campaign: str = typer.Option("kczg-2022"), seed: int = typer.Option(20221031),
             concurrency: int = typer.Option(32), keys_dir: Path = typer.Option(DEV_KEYS_DIR),
             review: str = typer.Option("http://127.0.0.1:8003",
                                        help="review service base URL; empty: stop after the intake"),
             publish: str = typer.Option("http://127.0.0.1:8002",
                                         help="publish service base URL; empty: stop after the review"),
             release_on: str = typer.Option(None, help="move the campaign's release to this ISO day first "
                                                       "(kczg campaign move-release), e.g. 2023-02-20"),
             rebuild: bool = typer.Option(True, help="compare the served release files with `kczg release build`'s "
                                                     "(reads the log: the services' KAFKA_BOOTSTRAP_SERVERS and "
                                                     "KCZG_TOPIC_PREFIX)"),
             mail: bool = typer.Option(False, help="count at the SMTP sink (KCZG_MAIL_DIR) what each role received "
                                                   "(mail_consistent); the notifier must tell of 2022's events: "
                                                   "NOTIFY_MAX_AGE_DAYS=36500 in its environment")) -> None:
    """Simulate a whole campaign against running services and print what happened."""
    try:
        day = date.fromisoformat(release_on) if release_on else None
    except ValueError:
        raise typer.BadParameter(f"不是 ISO 日期：{release_on}（e.g. 2023-02-20）") from None
    summary = asyncio.run(simulate_async(scale, intake, quota, campaign, seed, concurrency, keys_dir, review or None,
                                         publish or None, day, rebuild, mail=mail))
    typer.echo(json.dumps({"simulate": summary}, ensure_ascii=False, default=str))
    verdicts = (summary.get("review_consistent"), summary.get("release_consistent"), summary.get("matching_consistent"),
                summary.get("mail_consistent"))
    if not summary["consistent"] or False in verdicts:
        raise typer.Exit(1)
