"""News of 宣传推广, pure: the secretariat publishes a title, a body and a publishing time per campaign. The notice
runs publicity from September to April (the campaign's publicity window, timeline publicity_opens_at ..
publicity_closes_at): an item's publishing time must fall inside it, and the public site and the feed show an
item from its publishing time while the window lasts, not before it opens nor after it closes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from contracts.campaign import Campaign
from contracts.errors import DomainError
from contracts.events import Actor, Event, NewsPublished, news_key

MAX_TITLE, MAX_BODY = 200, 20000


@dataclass(frozen=True)
class PublishNews:
    news_id: UUID
    title: str
    body: str
    publish_at: datetime | None   # None: now


@dataclass(frozen=True)
class NewsContext:
    now: datetime
    campaign: Campaign
    actor: Actor


def _date(moment: datetime, campaign: Campaign) -> str:
    t = moment.astimezone(campaign.tz)
    return f"{t.year}年{t.month}月{t.day}日"


def season_text(campaign: Campaign) -> str:
    """The publicity window in words, e.g. 2022年9月1日至2023年5月1日前."""
    t = campaign.timeline
    return f"{_date(t.publicity_opens_at, campaign)}至{_date(t.publicity_closes_at, campaign)}前"


def decide(state: None, command: PublishNews, context: NewsContext) -> list[Event]:
    campaign, title, body = context.campaign, command.title.strip(), command.body.strip()
    if not title or len(title) > MAX_TITLE:
        raise DomainError(f"请填写标题（不超过 {MAX_TITLE} 字）。", code="news_title_invalid", field="title")
    if not body or len(body) > MAX_BODY:
        raise DomainError(f"请填写正文（不超过 {MAX_BODY} 字）。", code="news_body_invalid", field="body")
    publish_at = command.publish_at or context.now
    if publish_at.tzinfo is None:
        raise DomainError("发布时间须带时区（例如 2022-10-08T09:00:00+08:00）。", code="publish_at_naive",
                          field="publish_at")
    t = campaign.timeline
    if not t.publicity_opens_at <= publish_at < t.publicity_closes_at:
        raise DomainError(f"发布时间须在宣传推广期内（{_date(t.publicity_opens_at, campaign)}至"
                          f"{_date(t.publicity_closes_at, campaign)}前）。", code="outside_publicity",
                          field="publish_at")
    return [NewsPublished(news_id=command.news_id, title=title, body=body, publish_at=publish_at,
                          occurred_at=context.now, campaign=campaign.code, key=news_key(campaign.code),
                          actor=context.actor)]


def shown(publish_at: datetime, now: datetime, campaign: Campaign) -> bool:
    """Whether the public sees an item at `now`: published, and the publicity window open."""
    t = campaign.timeline
    return publish_at <= now and t.publicity_opens_at <= now < t.publicity_closes_at
