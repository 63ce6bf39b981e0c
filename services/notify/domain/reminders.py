"""Reminders on a clock, pure: which review bodies are to be reminded that their preliminary results are due
(7, 3 and 1 days before the campaign's prelim_due_at), or told they are late (from the deadline on, for
LATE_FOR), given the instant and the targets whose results they have submitted. Each step is its own round of
the key (body, target, "results_due", days), so a step is sent once; a notifier that was away sends only the
latest step that has come, never the ones it missed."""

from __future__ import annotations

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

