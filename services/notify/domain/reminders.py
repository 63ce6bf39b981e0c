"""Reminders on a clock, pure: which review bodies are to be reminded that their preliminary results are due
(7, 3 and 1 days before the campaign's prelim_due_at), or told they are late (from the deadline on, for
LATE_FOR), given the instant and the targets whose results they have submitted. Each step is its own round of
the key (body, target, "results_due", days), so a step is sent once; a notifier that was away sends only the
latest step that has come, never the ones it missed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.campaign import Campaign
from contracts.events import target_key

from .notices import Notice

LADDER_DAYS = (7, 3, 1)
LATE_FOR = timedelta(days=30)  # how long after the deadline a body with results missing is still told it is late


def body_recipient(campaign: str, body_code: str) -> str:
    return f"body:{campaign}:{body_code}"


def results_due_reminders(campaign: Campaign, now: datetime, submitted: set[tuple[str, str]]) -> list[Notice]:
    """The reminders due at `now`: one per body and target whose results are not in, for the latest step
    of the ladder that has come (none before the first step or from the deadline on)."""
    due = campaign.timeline.prelim_due_at
    if now >= due + LATE_FOR:
        return []
    if now >= due:
        kind, step = "results_late", 1
    else:
        kind, step = "results_due", min((days for days in LADDER_DAYS if now >= due - timedelta(days=days)),
                                        default=None)
    if step is None:
        return []
    found = []
    for body in campaign.bodies:
        for assignment in body.lists:
            target = target_key(campaign.code, assignment.list_code, assignment.domain)
            if (body.code, target) in submitted:
                continue
            found.append(Notice(body_recipient(campaign.code, body.code), target, kind, step, campaign.code,
                                now, {"body_code": body.code, "list_code": assignment.list_code,
                                      "domain": assignment.domain, "due_at": due.isoformat(), "days": step}))
    return found



# --- units: the collection deadline ----------------------------------------------------------------------------

UNIT_LADDER_DAYS = (7, 1)


@dataclass(frozen=True)
class UnitStanding:
    """What a unit still has open before the collection deadline, as it stands: applications sent to it and not
    answered, and nomination slots unused (pools whose stacked limit is above what it holds)."""

    unit_id: str
    waiting: int
    unused: int


def collection_subject(campaign: str) -> str:
    return f"{campaign}:collection"


def _step(now: datetime, due: datetime, ladder: tuple[int, ...]) -> int | None:
    """The latest step of `ladder` (days before `due`) that has come at `now`; None before the first or from `due`."""
    if now >= due:
        return None
    return min((days for days in ladder if now >= due - timedelta(days=days)), default=None)


def collection_reminders(campaign: Campaign, now: datetime, standings: list[UnitStanding]) -> list[Notice]:
    """The units to remind, 7 and 1 days before submissions close: those with applications waiting for them
    or quota unused. Checked again at send time (a unit that has since answered and filled its quota is not)."""
    due = campaign.timeline.submission_closes_at
    step = _step(now, due, UNIT_LADDER_DAYS)
    if step is None:
        return []
    return [Notice(f"unit:{campaign.code}:{s.unit_id}", collection_subject(campaign.code), "collection_deadline",
                   step, campaign.code, now, {"due_at": due.isoformat(), "days": step})
            for s in standings if s.waiting or s.unused]


def collection_still_due(notice: Notice, standing: UnitStanding, at: datetime) -> str | None:
    if at >= datetime.fromisoformat(notice.facts["due_at"]):
        return "past_deadline"
    if not standing.waiting and not standing.unused:
        return "nothing_outstanding"
    return None


# --- experts: seats unscored ------------------------------------------------------------------------------------

EXPERT_LADDER_DAYS = (7, 3, 1)
EXPERT_REMINDER_CAP = 2  # at most this many reminders per expert and target, however long the ladder


def expert_reminders(campaign: Campaign, now: datetime, unscored: set[tuple[str, str]],
                     already: dict[tuple[str, str], int], cap: int = EXPERT_REMINDER_CAP) -> list[Notice]:
    """Experts holding unscored seats on a target (expert id, target), reminded at the ladder's latest step
    that has come, unless they have had `cap` reminders on it already (`already`: how many each has had)."""
    due = campaign.timeline.prelim_due_at
    step = _step(now, due, EXPERT_LADDER_DAYS)
    if step is None:
        return []
    return [Notice(f"expert:{campaign.code}:{expert}", target, "expert_reminder", step, campaign.code, now,
                   {"due_at": due.isoformat(), "days": step, "list_code": target.rsplit(":", 2)[1],
                    "domain": target.rsplit(":", 2)[2] or None})
            for expert, target in sorted(unscored) if already.get((expert, target), 0) < cap]
