"""`kczg stack up|down|status|env|packages`: drives deploy/local/ (stack.py and packages.py)."""

from __future__ import annotations

import typer

from deploy.local import stack
from deploy.local.packages import ensure_system_packages
from deploy.local.processes import StackError

app = typer.Typer(no_args_is_help=True)


@app.command()
def up() -> None:
    """Start Kafka (KRaft, from Maven Central jars), PostgreSQL and the mail sink; print the connection settings."""
    stack.up()
    _print_env()


@app.command()
def down(purge: bool = typer.Option(False, help="Also delete the data under .stack/.")) -> None:
    """Stop them cleanly."""
    stack.down(purge=purge)


@app.command()
def status() -> None:
    """Kafka, PostgreSQL and each running service (its /readyz), with pids; exit 1 when something is down."""
    from .stack_status import report

    lines, all_up = report()
    typer.echo("\n".join(lines))
    if not all_up:
        raise typer.Exit(1)


@app.command()
def packages(tests: bool = typer.Option(False, "--tests", help="Also what only the tests use (chromium).")) -> None:
    """Install (apt-get) the missing Debian packages the system uses: deploy/debian-packages.txt."""
    try:
        installed = ensure_system_packages(tests=tests)
    except StackError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"已安装：{' '.join(installed)}" if installed else "所需的 Debian 软件包均已安装。")


@app.command()
def env() -> None:
    """Print the connection settings as shell exports."""
    _print_env()


def _print_env() -> None:
    for name, value in stack.env().items():
        typer.echo(f"export {name}={value}")
