"""The secretariat's daily digest, pure: the bodies late with results, the objections still open and the
addresses refused — made once a day (round: the Beijing date) when there is something to report, and worded
as things stand when it is sent (nothing left to report: not sent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from contracts.campaign import Campaign
from contracts.deadline_text import BEIJING
from contracts.events import target_key

from .notices import Notice


@dataclass(frozen=True)
class Digest:
    late: tuple[tuple[str, str], ...]            # (body code, target) whose results are past due
    open_objections: tuple[tuple[str, str], ...]  # (objection id, nomination title)
    bounces: tuple[str, ...]                     # addresses refused permanently

    @property
    def empty(self) -> bool:
        return not (self.late or self.open_objections or self.bounces)


def secretariat_recipient(campaign: str) -> str:
    return f"secretariat:{campaign}:kczg_secretariat"


def late_targets(campaign: Campaign, now: datetime, submitted: set[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    if now < campaign.timeline.prelim_due_at:
        return ()
    return tuple((body.code, target_key(campaign.code, a.list_code, a.domain)) for body in campaign.bodies
                 for a in body.lists if (body.code, target_key(campaign.code, a.list_code, a.domain)) not in submitted)


def digest_notices(campaign: str, now: datetime, digest: Digest) -> list[Notice]:
    if digest.empty:
        return []
    day = now.astimezone(BEIJING).date()
    return [Notice(secretariat_recipient(campaign), f"{campaign}:digest", "secretariat_digest",
                   day.year * 10000 + day.month * 100 + day.day, campaign, now, {"day": day.isoformat()})]
