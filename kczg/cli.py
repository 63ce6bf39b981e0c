"""`kczg`: the one entry point for operators."""

from __future__ import annotations

import asyncio

import typer

from . import services_cli, stack_cli
from . import projections_cli

app = typer.Typer(help="科创中国榜单平台 · operator commands", no_args_is_help=True)
app.add_typer(stack_cli.app, name="stack", help="Local Kafka + PostgreSQL without Docker.")
app.add_typer(projections_cli.app, name="projections", help="Views projected from the log: rebuild, verify, status.")
app.command("serve")(services_cli.serve)
app.command("up")(services_cli.up)


topics = typer.Typer(help="Kafka topics.", no_args_is_help=True)
app.add_typer(topics, name="topics")
from . import campaign_cli, contracts_cli  # noqa: E402  (own lines: others edit this file concurrently)
app.add_typer(campaign_cli.app, name="campaign")
app.add_typer(contracts_cli.app, name="contracts")
from . import token_cli  # noqa: E402  (own lines: others edit this file concurrently)
from .simulator.command import simulate  # noqa: E402
app.add_typer(token_cli.app, name="token", help="Development JWTs (local key pair under .stack/keys/).")
app.command("simulate")(simulate)
from . import release_cli  # noqa: E402  (own lines: others edit this file concurrently)
app.add_typer(release_cli.app, name="release", help="Release files rebuilt from the log; an entry's event trace.")
from . import state_cli  # noqa: E402  (own lines: others edit this file concurrently)
app.add_typer(state_cli.app, name="state", help="Each service's own state against a replay of the log.")

from . import deadletters_cli, logs_cli  # noqa: E402  (own lines: others edit this file concurrently)
app.command("logs")(logs_cli.logs)
app.command("deadletters")(deadletters_cli.deadletters)
from . import audit_cli  # noqa: E402  (own lines: others edit this file concurrently)
app.command("audit")(audit_cli.audit)
from . import mail_cli  # noqa: E402  (own lines: others edit this file concurrently)
app.add_typer(mail_cli.app, name="mail", help="What the local mail sink received: list, show, refuse an address.")
from . import privacy_cli  # noqa: E402  (own lines: others edit this file concurrently)
app.add_typer(privacy_cli.app, name="privacy", help="Personal data: erase a person, expire by retention.")


@topics.command("create")
def topics_create() -> None:
    """Create every topic the contracts name (idempotent)."""
    from eventlog.admin import create_topics

    created = asyncio.run(create_topics())
    typer.echo(f"created: {', '.join(created)}" if created else "all topics exist")


if __name__ == "__main__":
    app()
