"""What the operator CLI decides before it publishes to the campaigns topic. Pure, like evolve.

Opening: a new code publishes CampaignOpened; the identical definition again publishes nothing; a
different definition under an open code is refused. Timeline changes (a deadline extension, a
release moved) are validated through Campaign.with_changes before anything is published.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from contracts.campaign.book import CampaignBook
from contracts.campaign.file import campaign_to_dict
from contracts.campaign.model import Campaign, CampaignChangeError
from contracts.errors import Conflict
from contracts.events import Actor, CampaignOpened, CampaignTimelineChanged


class CampaignAlreadyOpen(Conflict):
    code = "campaign_already_open"


def decide_open(book: CampaignBook, campaign: Campaign, *, actor: Actor, at: datetime,
                source: str = "") -> list[CampaignOpened]:
    """[] if this exact definition is already open; refuses a different definition under the same code."""
    if campaign.code in book:
        if book.opened(campaign.code) == campaign:
            return []
        raise CampaignAlreadyOpen(
            f"活动 {campaign.code} 已开启且定义不同，拒绝重新加载；请用新的活动代码，或以 extend-deadline / "
            f"move-release 调整时间（campaign already open with a different definition）", field="code")
    return [CampaignOpened(occurred_at=at, campaign=campaign.code, key=campaign.code, actor=actor,
                           definition=campaign_to_dict(campaign), source=source)]


def decide_timeline_change(book: CampaignBook, code: str, changes: dict[str, datetime], reason: str, *,
                           actor: Actor, at: datetime) -> list[CampaignTimelineChanged]:
    """Validated through Campaign.with_changes first; [] if nothing would change."""
    current = book.as_of(code)
    if not reason.strip():
        raise CampaignChangeError("须说明调整原因（reason required）", field="reason")
    current.with_changes(**changes)  # raises CampaignChangeError with the offending field
    if all(getattr(current.timeline, name) == value for name, value in changes.items()):
        return []
    return [CampaignTimelineChanged(occurred_at=at, campaign=code, key=code, actor=actor,
                                    changes=changes, reason=reason.strip())]


DEADLINES = {"submission": "submission_closes_at", "prelim": "prelim_due_at"}


def deadline_extension(campaign: Campaign, deadline: str, until: datetime) -> dict[str, datetime]:
    """The change that moves one deadline (an exclusive end instant) later; refuses moving it earlier."""
    name = DEADLINES[deadline]
    if until <= getattr(campaign.timeline, name):
        raise CampaignChangeError(f"新的截止时间须晚于当前的 {getattr(campaign.timeline, name).isoformat()}"
                                  f"（an extension must be later）", field=f"timeline.{name}")
    return {name: until}


def release_move(campaign: Campaign, day: date) -> dict[str, datetime]:
    """The change that plans the release for one whole day in the campaign's time zone."""
    start = datetime.combine(day, time(0), campaign.tz)
    return {"release_planned_from": start,
            "release_planned_until": datetime.combine(day + timedelta(days=1), time(0), campaign.tz)}
