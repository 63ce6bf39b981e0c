"""Logs as one JSON object a line, the same in every service:

    {"ts": "2022-10-15T02:00:00.123Z", "level": "WARNING", "service": "quota", "logger": "eventlog.consume.deadletter",
     "message": "dead letter from quota: …", "event_id": "…", "correlation_id": "…", "consumer": "quota", …}

`service` is the process's; `event_id` and `correlation_id` are present while a command or a consumed
record is handled (`log_context`, a contextvar: each request and task sees its own); fields a call
passes as `extra=` follow; `exc` carries the traceback when there is one. `configure_logging(service)`
is what every entry point calls; LOG_LEVEL sets the level (aiokafka's own INFO lines only with DEBUG),
LOG_FORMAT=text gives plain lines for a terminal.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

import orjson

_fields: ContextVar[dict[str, str] | None] = ContextVar("kczg_log_fields", default=None)

# Attributes every LogRecord has: anything else on a record came from `extra=` and is written out.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


@contextmanager
def log_context(**fields: Any) -> Iterator[dict[str, str]]:
    """Add `fields` (None values left out) to every record logged inside; yields the dict, which the
    caller may fill in as it learns more (the events a command decided)."""
    current = _fields.get()
    added = {k: str(v) for k, v in fields.items() if v is not None}
    token = _fields.set({**current, **added} if current else added)
    try:
        yield _fields.get()
    finally:
        _fields.reset(token)


def event_fields(event: Any) -> dict[str, str]:
    """The ids a record about `event` carries: a root event is its own correlation."""
    return {"event_id": str(event.event_id), "correlation_id": str(event.correlation_id or event.event_id)}


def note(**fields: Any) -> None:
    """Add `fields` to the innermost open log_context (nothing when none is open)."""
    current = _fields.get()
    if current is not None:
        current.update({k: str(v) for k, v in fields.items() if v is not None})


def handling(event: Any) -> Token:
    """Log as handling `event` until `done(token)`: the cheap form of log_context for a consumer's loop."""
    return _fields.set({**(_fields.get() or {}), **event_fields(event)})


def done(token: Token) -> None:
    _fields.reset(token)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname, "service": self.service, "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_fields.get() or {})
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(line, default=str).decode()


class _TextFormatter(logging.Formatter):
    """LOG_FORMAT=text: `time service LEVEL logger: message [event_id=… correlation_id=…]`."""

    def __init__(self, service: str) -> None:
        super().__init__(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = _fields.get()
        if fields:
            first, _, rest = text.partition("\n")
            text = first + " [" + " ".join(f"{k}={v}" for k, v in fields.items()) + "]" + (f"\n{rest}" if rest else "")
        return text


def configure_logging(service: str, stream=None) -> logging.Handler:
    """Root logging for a service process: one JSON line a record on stderr (or `stream`)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    text = os.environ.get("LOG_FORMAT", "json").lower() == "text"
    handler.setFormatter(_TextFormatter(service) if text else JsonFormatter(service))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    # A library that configured its own loggers before (uvicorn's default dictConfig gives "uvicorn" a handler
    # and no propagation) would write around this one: every logger goes through the root's handler.
    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            for old in list(logger.handlers):
                logger.removeHandler(old)
            logger.propagate = True
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    root.setLevel(level)
    if level != "DEBUG":  # the client's group chatter (every assignment, partition by partition) only when asked
        logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return handler
