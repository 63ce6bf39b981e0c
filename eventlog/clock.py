"""The injectable clock. Adapters ask a Clock and hand domain code the instant as a value (`now`).

KCZG_CLOCK selects it:
  unset or "system"                      real time
  "2022-10-15T10:00:00+08:00"            fixed at that instant (also "fixed:<instant>")
  "start:2022-10-15T10:00:00+08:00"      starts at that instant when the process starts, then runs
  "offset:-3600"                         real time shifted by that many seconds
KCZG_CLOCK_HEADER=1 additionally lets a request name its own instant in the `X-Kczg-Clock` header
(demos, the simulator and tests only). Without it the header is ignored: the instant is the service's
clock. With KCZG_ENV=production it is never honoured, and a service refuses to start with it or with
a KCZG_CLOCK other than system (eventlog/settings.py, refuse_unsafe_production).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from contracts.errors import DomainError

from eventlog.settings import is_production

CLOCK_HEADER = "x-kczg-clock"


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    at: datetime

    def now(self) -> datetime:
        return self.at


@dataclass
class OffsetClock:
    offset: timedelta

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class StartedClock:
    """Starts at `start` when made and advances with the monotonic clock."""
    start: datetime
    _t0: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._t0)


def parse_instant(text: str) -> datetime:
    """An ISO-8601 instant that must carry its offset (a naive time is ambiguous across time zones)."""
    at = datetime.fromisoformat(text.strip())
    if at.tzinfo is None:
        raise ValueError(f"instant without offset: {text!r} (write e.g. 2022-10-31T23:59:59+08:00)")
    return at


def clock_from_spec(spec: str | None) -> Clock:
    spec = (spec or "").strip()
    if spec in ("", "system"):
        return SystemClock()
    kind, _, value = spec.partition(":") if spec.split(":", 1)[0] in ("fixed", "start", "offset") else ("fixed", "", spec)
    if kind == "start":
        return StartedClock(parse_instant(value))
    if kind == "offset":
        return OffsetClock(timedelta(seconds=float(value)))
    return FixedClock(parse_instant(value))


def clock_from_env() -> Clock:
    return clock_from_spec(os.environ.get("KCZG_CLOCK"))


def header_clock_allowed() -> bool:
    return os.environ.get("KCZG_CLOCK_HEADER", "") == "1" and not is_production()


def request_clock(clock: Clock, headers: Mapping[str, str]) -> Clock:
    """`clock`, or the instant a request names in X-Kczg-Clock where demos enable that."""
    value = headers.get(CLOCK_HEADER)
    if value and header_clock_allowed():
        try:
            return FixedClock(parse_instant(value))
        except ValueError:
            raise DomainError("X-Kczg-Clock 须为带时区的 ISO 时间。", code="invalid_clock_header",
                              http_status=400) from None
    return clock
