"""`kczg state verify SERVICE|all`: each service's own tables against a replay of the log into a fresh database."""

from __future__ import annotations

import asyncio
import importlib
import time

import typer
from rich.console import Console
from rich.table import Table

from eventlog.verify.state_verify import SHARED, ServiceState, StateResult

app = typer.Typer(help="Each service's own state, verified against a replay of the log.", no_args_is_help=True)
console = Console()

# Each service's restore (imported only when used: services never import each other).
SERVICES = ("intake", "quota", "review", "publish")


def states(name: str) -> list[ServiceState]:
    if name not in (*SERVICES, "all"):
        raise typer.BadParameter(f"unknown service {name!r}; known: {', '.join(SERVICES)}, all")
    return [importlib.import_module(f"services.{s}.restore").STATE for s in SERVICES if name in (s, "all")]


@app.command("verify")
def verify_command(service: str = typer.Argument(..., help="intake, quota, review, publish or all."),
                   limit: int = typer.Option(5, help="Differing rows shown per table at most."),
                   settle_timeout: float = typer.Option(30.0, help="Seconds to wait for the live consumers.")) -> None:
    """Replay the log from offset 0 into a scratch database through each service's restore and compare
    every table row by row with the live one; exit 1 on any difference."""
    from eventlog.verify.state_verify import verify_states

    chosen, started = states(service), time.monotonic()
    results = asyncio.run(verify_states(chosen, limit=limit, settle_timeout_s=settle_timeout))
    for state, result in zip(chosen, results):
        show(state, result)
    failed = [r.service for r in results if not r.ok]
    for tables, why in SHARED:
        console.print(f"[dim]not compared: {', '.join(tables)} — {why}: bookkeeping, not state[/]")
    console.print(f"{'[red]differing: ' + ', '.join(failed) + '[/]' if failed else '[green]all identical[/]'} "
                  f"({sum(r.rows for r in results):,} rows compared in {time.monotonic() - started:.1f}s)")
    raise typer.Exit(1 if failed else 0)


def show(state: ServiceState, result: StateResult) -> None:
    verdict = ("[green]identical[/] to" if result.ok else "[red]differs[/] from" if result.differing
               else "[red]not wholly checked[/] against")
    console.print(f"[bold]{result.service}[/]: {verdict} a replay of the log ({result.records:,} records, "
                  f"{result.rows:,} rows, {result.seconds:.1f}s)")
    table = Table("table", "live rows", "replayed rows", "differing", "columns left out")
    for t in result.tables:
        table.add_row(t.table, f"{t.live_rows:,}", f"{t.rebuilt_rows:,}",
                      f"[red]{t.differing:,}[/]" if t.differing else "0", ", ".join(t.excluded))
    console.print(table)
    for t in result.tables:
        for d in t.differences:
            detail = ", ".join(f"{c}: live={_value(d.live, c)} replayed={_value(d.rebuilt, c)}" for c in d.columns)
            console.print(f"  {d.table} {d.key} {d.kind}" + (f" — {detail}" if detail else ""), markup=False)
        if t.differing > len(t.differences):
            console.print(f"  {t.table}: {t.differing - len(t.differences):,} more differing row(s)", markup=False)
    for why in result.unsettled if not result.ok else ():  # equal while moving is still equal
        console.print(f"  [yellow]could not settle[/] after {result.attempts} attempt(s): {why}")
    for name in result.uncovered:
        console.print(f"  [red]neither compared nor excluded[/]: {name} (name it in services/{result.service}/restore.py)")
    for tables, why in state.not_compared:
        console.print(f"  [dim]not compared: {', '.join(tables)} — {why}[/]")


def _value(row: dict | None, column: str) -> str:
    return "∅" if row is None else repr(row.get(column))
