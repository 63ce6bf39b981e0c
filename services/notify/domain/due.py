"""Whether a notice is still due at send time, whatever it is about: the nomination, seat and results checks
(notices.still_due) and those of the later kinds; and whether it is to wait (an embargoed release)."""

from __future__ import annotations

from datetime import datetime, timedelta

from . import notices
from .notices import Notice
from .digest import Digest
from .outcomes import Acknowledged, Application, Objection, Rereview
from .packages import Package
from .reminders import UnitStanding, collection_still_due

Subject = object


def still_due(notice: Notice, now: Subject | None, at: datetime | None = None,
              max_age: timedelta | None = None) -> str | None:
    """None if `notice` is still due given `now`, what is known of its subject at send time `at`; else why not."""
    if at is not None and max_age is not None and at - _due_from(notice) > max_age:
        return "stale"
    match now:
        case Acknowledged() | Objection() | Package():
            return None  # an acknowledgement, an outcome or a package sent stays true
        case Rereview() if now.closed:
            return "re_review_closed"
        case Rereview() if now.rescored:
            return "already_rescored"
        case Rereview():
            return None
        case Application() if notice.kind == "application_returned" and now.sent_revision > notice.round:
            return "already_resent"
        case Application():
            return None
        case Digest() if now.empty:
            return "nothing_to_report"
        case Digest():
            return None
        case UnitStanding():
            return collection_still_due(notice, now, at) if at is not None else None
    return notices.still_due(notice, now, at, None)


def _due_from(notice: Notice) -> datetime:
    """When the notice became due: its event, or the end of its embargo (a release held until the meeting)."""
    until = notice.facts.get("not_before")
    return max(notice.occurred_at, datetime.fromisoformat(until)) if until else notice.occurred_at


def held_until(notice: Notice, at: datetime) -> datetime | None:
    """The instant before which `notice` must not go (a release under embargo until the annual meeting), if later
    than `at`."""
    until = notice.facts.get("not_before")
    if until is None:
        return None
    instant = datetime.fromisoformat(until)
    return instant if instant > at else None
