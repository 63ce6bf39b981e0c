"""View models of the public pages: plain values the routes fill in, nothing fetched by a template.

No view model has a place for an objector's contact details, so no page can show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .model import Correction, ListRelease


@dataclass(frozen=True)
class VersionLink:
    version: int
    released_on: date
    reason: str | None
    href: str


@dataclass(frozen=True)
class PublishedList:
    """A list's current version on the index, with links to its earlier versions."""

    release: ListRelease
    href: str
    earlier: tuple[VersionLink, ...] = ()


@dataclass(frozen=True)
class FileLink:
    name: str
    href: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class Criterion:
    name: str
    weight: int            # whole percent, as ReviewPlanFiled (v2) carries it; a plan's weights sum to 100


@dataclass(frozen=True)
class DeclaredMethod:
    """What a review body filed (备案) for a list or domain before reviewing."""

    body_name: str
    list_name: str
    domain_name: str | None
    criteria: tuple[Criterion, ...]
    aggregation: str       # ReviewPlanFiled.aggregation code: mean, trimmed_mean, zscore_mean
    rounding: str          # display text, e.g. 保留两位小数，四舍五入
    tie_break: tuple[str, ...]  # ReviewPlanFiled.tie_break codes in order: raw_sum, earliest_submission


@dataclass(frozen=True)
class NewsLink:
    """A news item (宣传推广) as the campaign page lists it: the latest few, each linking to its place on the news page."""

    title: str
    publish_at: datetime   # aware; shown in Beijing time
    href: str


@dataclass(frozen=True)
class NoticeLink:
    list_name: str
    href: str
    opens_at: datetime     # aware; shown in Beijing time
    closes_at: datetime


@dataclass(frozen=True)
class IndexPage:
    campaign_title: str
    lists: tuple[PublishedList, ...]
    files: tuple[FileLink, ...] = ()
    methods: tuple[DeclaredMethod, ...] = ()
    notices: tuple[NoticeLink, ...] = ()
    order_note: str | None = None            # the declared entry order, in words
    campaign: str = ""                       # its code: the links to the pages after the release
    news: tuple[NewsLink, ...] = ()          # the latest shown news items, newest first
    news_href: str | None = None             # the news page, where every shown item is


@dataclass(frozen=True)
class ListPage:
    """One list version on the web; every current list at once when printed to release.pdf."""

    campaign_title: str
    lists: tuple[ListRelease, ...]
    versions: tuple[VersionLink, ...] = ()   # every version of the shown list, for its history
    current_version: int | None = None       # the list's current version, to flag an old one
    index_href: str | None = "/"
    print_document: bool = False             # release.pdf: no navigation, one list per page run
    order_note: str | None = None            # the declared entry order, in words


@dataclass(frozen=True)
class NoticeEntry:
    nomination_id: str
    title: str
    domain: str | None
    domain_name: str | None
    holder_org: str
    unit_name: str


@dataclass(frozen=True)
class NoticePage:
    campaign_title: str
    list_name: str
    opens_at: datetime
    closes_at: datetime
    entries: tuple[NoticeEntry, ...]
    form_action: str
    accepting_objections: bool = True        # the route decides from its injected clock
    # A fresh token per rendering, sent back as the filing's idempotency key: a form submitted twice
    # (a double click, a resend after no answer) files one objection.
    submission: str | None = None
    errors: tuple[str, ...] = ()
    message: str | None = None               # e.g. 异议已收到 after a filed objection
    index_href: str | None = "/"
    # What the objector typed, shown again beside the errors: the grounds and the choice only; name,
    # organisation and contact are never written into a page, not even back to the one who typed them.
    form_values: dict[str, str] = field(default_factory=dict)
    order_note: str | None = None
    # Corrections made during the notice (before the release): the entries show them applied, a revoked one gone.
    corrections: tuple[Correction, ...] = ()


@dataclass(frozen=True)
class ErrorPage:
    campaign_title: str
    heading: str
    message: str
    index_href: str | None = "/"
