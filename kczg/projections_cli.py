"""`kczg projections …`: rebuild, verify and inspect the views projected from the log."""

from __future__ import annotations

import asyncio
import importlib

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from eventlog.projection.engine import Projection
from eventlog.projection.rebuild import RebuildProgress

app = typer.Typer(help="Views projected from the log: rebuild, verify, status.", no_args_is_help=True)
console = Console()

# Where each service keeps its projections (imported only when used: services never import each other).
PROJECTION_MODULES = ("services.publish.views", "services.review.views")


def projections(name: str | None) -> list[Projection]:
    found = [p for module in PROJECTION_MODULES for p in importlib.import_module(module).PROJECTIONS]
    chosen = [p for p in found if name in (None, p.name)]
    if not chosen:
        raise typer.BadParameter(f"unknown projection {name!r}; known: {', '.join(p.name for p in found)}")
    return chosen


class EventsPerSecond(ProgressColumn):
    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} events/s" if speed else "", style="cyan")


class BarProgress(RebuildProgress):
    """A rich progress bar per phase: events/s and ETA while replaying."""

    def __init__(self, progress: Progress, name: str) -> None:
        self.progress, self.name, self.task = progress, name, None

    def phase(self, name: str, total: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[self.task].total or 0)
            self.progress.stop_task(self.task)
        self.task = self.progress.add_task(f"{self.name} · {name}", total=total or None)

    def advance(self, records: int) -> None:
        self.progress.advance(self.task, records)


def _bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), EventsPerSecond(),
                    TextColumn("ETA"), TimeRemainingColumn(), console=console)


@app.command("rebuild")
def rebuild_command(name: str = typer.Argument(None, help="Projection name (default: all)."),
                    batch_records: int = typer.Option(200_000, help="Records folded per transaction.")) -> None:
    """Replay the log from offset 0 into a shadow schema, then switch it live atomically."""
    from eventlog.projection.rebuild import rebuild

    for projection in projections(name):
        with _bar() as bar:
            result = asyncio.run(rebuild(projection, progress=BarProgress(bar, projection.name),
                                         batch_records=batch_records))
        rate = result.records / result.seconds if result.seconds else 0
        console.print(f"[green]{projection.name}[/]: {result.records:,} events in {result.seconds:.1f}s "
                      f"({rate:,.0f}/s){' — resumed' if result.resumed else ''}; live in schema {projection.schema}")


@app.command("verify")
def verify_command(name: str = typer.Argument(None, help="Projection name (default: all)."),
                   limit: int = typer.Option(50, help="Differences to print at most.")) -> None:
    """Rebuild aside up to the live view's own offsets and compare row by row; exit 1 on any difference."""
    from eventlog.verify.projections import NoLiveView, verify

    failed = False
    for projection in projections(name):
        try:
            with _bar() as bar:
                result = asyncio.run(verify(projection, progress=BarProgress(bar, projection.name), limit=limit))
        except NoLiveView as exc:
            console.print(f"[red]{exc}[/]: nothing to verify yet (run `kczg projections rebuild`)")
            raise typer.Exit(2)
        if result.ok:
            console.print(f"[green]{projection.name}: identical[/] to a rebuild from the log "
                          f"({result.records:,} events)")
            continue
        failed = True
        console.print(f"[red]{projection.name}: {result.total} differing row(s)[/]")
        for d in result.differences:
            detail = ", ".join(f"{c}: live={_show(d.live, c)} rebuilt={_show(d.rebuilt, c)}" for c in d.columns)
            console.print(f"  {d.table} {d.key} {d.kind}" + (f" — {detail}" if detail else ""), markup=False)
    raise typer.Exit(1 if failed else 0)


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%SZ") if moment else "—"


def _show(row: dict | None, column: str) -> str:
    return "∅" if row is None else repr(row.get(column))


@app.command("status")
def status_command(name: str = typer.Argument(None, help="Projection name (default: all).")) -> None:
    """Each projection's offsets, lag and last event time per partition."""
    from eventlog.projection.status import LogEnds, projection_status
    from eventlog.projection.rebuild import projection_pool

    async def collect():
        pool = await projection_pool(size=1)
        try:
            async with LogEnds() as log_ends, pool.acquire() as conn:
                return [await projection_status(conn, p, await log_ends.ends(p.topic_names()))
                        for p in projections(name)]
        finally:
            await pool.close()

    for status in asyncio.run(collect()):
        state = "live" if status.live and status.current else ("stale definition" if status.live else "not built")
        console.print(f"[bold]{status.name}[/] (schema {status.schema}): {state}, lag {status.lag:,}, "
                      f"last event {_when(status.last_record_at)}")
        for shadow, applied in status.rebuilding.items():
            console.print(f"  rebuild in progress: {shadow}, {applied:,} records applied")
        table = Table("topic", "partition", "next offset", "end offset", "lag", "last event")
        for p in status.partitions:  # Kafka timestamps are UTC
            table.add_row(p.topic, str(p.partition), f"{p.next_offset:,}", f"{p.end_offset:,}", f"{p.lag:,}",
                          _when(p.last_record_at))
        console.print(table)
