"""`kczg logs SERVICE`: the tail of one service's log under .stack/logs/ (what `kczg up` writes), then
follows it. The JSON lines (eventlog/log_format.py) are shown one a line for a terminal; --raw prints
them as written (for jq)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import orjson
import typer

from .services_cli import SERVICES, log_dir

_SHOWN_FIRST = ("ts", "level", "service", "logger", "message", "exc")


def logs(service: str = typer.Argument(..., help=f"one of: {', '.join(SERVICES)}"),
         follow: bool = typer.Option(True, "--follow/--no-follow", "-f/-F", help="Keep printing what is appended "
                                     "(default), or print the tail and stop."),
         lines: int = typer.Option(40, "--lines", "-n", help="How many of the last lines to print first."),
         raw: bool = typer.Option(False, "--raw", help="The JSON lines exactly as written.")) -> None:
    """Print the tail of SERVICE's log and follow it (Ctrl-C stops)."""
    folder = log_dir()
    known = sorted(set(SERVICES) | {p.stem for p in folder.glob("*.log")})
    if service not in known:
        raise typer.BadParameter(f"unknown service {service!r}; choose from {', '.join(known)}")
    path = folder / f"{service}.log"
    show = (lambda line: line) if raw else render
    if not path.exists():
        typer.echo(f"no log yet at {path} (`kczg up` writes it)", err=True)
        if not follow:
            raise typer.Exit(1)
    # The tail ends, and the following starts, at one offset: a line appended meanwhile is shown once, not lost.
    start = path.stat().st_size if path.exists() else 0
    if path.exists():
        for line in last_lines(path, lines, end=start):
            _echo(show(line))
    if follow:
        try:
            for line in appended(path, start=start):
                _echo(show(line))
        except KeyboardInterrupt:
            pass


def _echo(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def render(line: str) -> str:
    """`12:00:00.123 WARNING eventlog.consume.deadletter: message  [event_id=… consumer=…]`, the traceback below."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return line  # not ours (a crash before logging was set up): as it is
    if not isinstance(record, dict) or "message" not in record:
        return line
    ts = str(record.get("ts", ""))
    text = f"{ts[11:23] or ts} {record.get('level', ''):7} {record.get('logger', '')}: {record['message']}"
    rest = " ".join(f"{k}={v}" for k, v in record.items() if k not in _SHOWN_FIRST)
    if rest:
        text += f"  [{rest}]"
    if record.get("exc"):
        text += "\n" + str(record["exc"])
    return text


def last_lines(path: Path, n: int, chunk: int = 64 * 1024, end: int | None = None) -> list[str]:
    """The last `n` lines of `path` up to byte `end` (default: its end now), read backwards (a log may be large)."""
    if n <= 0:
        return []
    with open(path, "rb") as f:
        end = f.seek(0, os.SEEK_END) if end is None else end
        data, start = b"", end
        while start > 0 and data.count(b"\n") <= n:
            start = max(0, start - chunk)
            f.seek(start)
            data = f.read(end - start)
    return [line.decode("utf-8", "replace") for line in data.splitlines()[-n:]]


def appended(path: Path, start: int, every_s: float = 0.25):
    """Lines appended to `path` from byte `start` on, as they come; from the top again if it was truncated."""
    position, pending = start, b""
    while True:
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            size = 0
        if size < position:  # truncated or replaced: read it from the start
            position, pending = 0, b""
        if size > position:
            with open(path, "rb") as f:
                f.seek(position)
                data = f.read(size - position)
            position += len(data)
            *complete, pending = (pending + data).split(b"\n")
            for line in complete:
                yield line.decode("utf-8", "replace")
        else:
            time.sleep(every_s)
