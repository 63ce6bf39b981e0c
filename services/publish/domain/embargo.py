"""An embargoed release, pure: a list version may be scheduled to become public at an instant (the annual
meeting). Before it only the secretariat sees the version (a preview); at it the version is public, with
no further command, because every read asks the instant it is made.

The public is answered as if the version were not released (404, the same answer as before any
release): a 403 would tell anyone that a list is waiting, and for when, before the meeting announces it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar


class Scheduled(Protocol):
    @property
    def public_at(self) -> datetime | None: ...


V = TypeVar("V", bound=Scheduled)


def is_public(version: Scheduled, now: datetime) -> bool:
    return version.public_at is None or version.public_at <= now


def shown(versions: Iterable[V], now: datetime, preview: bool) -> list[V]:
    """The versions a reader sees at `now`: every one for the secretariat's preview, else the public ones."""
    return [v for v in versions if preview or is_public(v, now)]


def next_public_at(versions: Iterable[Scheduled], now: datetime) -> datetime | None:
    """The next instant a version becomes public (what a public page cached now is valid until)."""
    return min((v.public_at for v in versions if v.public_at is not None and v.public_at > now), default=None)
