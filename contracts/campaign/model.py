"""A campaign (one year's call for the 科创中国 rankings) as immutable data, plus pure queries on it.

Lists, domains, channels, quotas, stacking rule, timeline, review bodies and default criteria all
come from a versioned campaign file (see file.py), so a new year is a new file. No I/O here; the
parts it is made of are in parts.py, the cross-field checks its validator runs in checks.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (BaseModel, ConfigDict, Field, StringConstraints, ValidationError, ValidationInfo,
                      field_validator, model_validator)

from contracts.campaign.checks import campaign_problems, dotted
from contracts.campaign.parts import (TIMELINE_INSTANTS, Assignment, Channel, Eligibility, RankingList,
                                      Retention, ReviewBody, ReviewDefaults, Rules, Timeline)
from contracts.codes import Name
from contracts.errors import DomainError

SCHEMA_VERSION = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------- errors

class UnknownList(DomainError):
    code = "unknown_list"


class UnknownDomain(DomainError):
    code = "unknown_domain"


class DomainRequired(DomainError):
    code = "domain_required"


class DomainNotAllowed(DomainError):
    code = "domain_not_allowed"


class CampaignChangeError(DomainError):
    """A timeline change (deadline extension, release move) that would leave the campaign invalid."""
    code = "invalid_campaign_change"


class Campaign(_Frozen):
    schema_version: Literal[1] = SCHEMA_VERSION
    code: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
    title: Name
    source_notice: str | None = None
    platform: str | None = None
    timezone: str
    lists: Annotated[tuple[RankingList, ...], Field(min_length=1)]
    channels: tuple[Channel, ...]
    timeline: Timeline
    bodies: tuple[ReviewBody, ...]
    secretariat: Name
    rules: Rules = Rules()
    review: ReviewDefaults = ReviewDefaults()
    # Personal data kept per purpose, then shredded (`kczg privacy expire`); a purpose not named is kept
    # until erased on request.
    retention: tuple[Retention, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except Exception as e:  # ZoneInfoNotFoundError or a malformed key
            raise ValueError(f"未知时区 unknown time zone {v!r}") from e
        return v

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Campaign:
        # The loader defers these checks so it can report each problem with its file line.
        if info.context and info.context.get("defer_checks"):
            return self
        problems = campaign_problems(self)
        if problems:
            raise ValueError("; ".join(f"{dotted(loc)}: {reason}" for loc, reason in problems))
        return self

    # ------------------------------------------------------------ queries

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def ranking_list(self, list_code: str) -> RankingList:
        for lst in self.lists:
            if lst.code == list_code:
                return lst
        raise UnknownList(f"未知的榜单：{list_code}（unknown list）", field="list_code")

    def check_target(self, list_code: str, domain: str | None) -> None:
        lst = self.ranking_list(list_code)
        if not lst.domains:
            if domain is not None:
                raise DomainNotAllowed(f"{lst.name}不分领域，不能指定领域 {domain}（domain not allowed）",
                                       field="domain")
            return
        if domain is None:
            raise DomainRequired(f"{lst.name}须指定领域（domain required）", field="domain")
        if lst.domain(domain) is None:
            raise UnknownDomain(f"{lst.name}没有领域：{domain}（unknown domain）", field="domain")

    def base_quota(self, list_code: str) -> int | None:
        return self.ranking_list(list_code).quota_per_unit

    def open_channels(self, list_code: str) -> tuple[str, ...]:
        """Channel codes that may recommend to the list (none for separately organised lists)."""
        lst = self.ranking_list(list_code)
        if lst.separately_organised:
            return ()
        return lst.channels if lst.channels is not None else tuple(c.code for c in self.channels)

    def quota_limit(self, list_code: str, domain: str | None, channels: Iterable[str]) -> int | None:
        """A unit's quota for one list (and domain): base × its distinct channels open to the list
        under rule "add"; base if it has any under "single"; 0 with none; None = no channel quota."""
        self.check_target(list_code, domain)
        base = self.base_quota(list_code)
        if base is None or self.ranking_list(list_code).separately_organised:
            return None
        n = len(set(channels) & set(self.open_channels(list_code)))
        if self.rules.quota_stacking == "add":
            return base * n
        return base if n else 0

    def review_bodies(self, list_code: str, domain: str | None) -> tuple[ReviewBody, ...]:
        self.check_target(list_code, domain)
        return tuple(b for b in self.bodies if Assignment(list_code, domain) in b.lists)

    def eligibility(self, list_code: str) -> Eligibility | None:
        self.ranking_list(list_code)
        return next((e for e in self.rules.eligibility if e.list_code == list_code), None)

    def submissions_open(self, at: datetime) -> bool:
        return at < self.timeline.submission_closes_at

    def unit_sees_results(self, notice_opened: bool) -> bool:
        """May a unit read its own nomination's preliminary score, rank and decision, given whether the
        list's public notice has opened? (rules.results_to_units)"""
        return notice_opened or self.rules.results_to_units == "as_recorded"

    def prelim_late(self, at: datetime) -> bool:
        return at >= self.timeline.prelim_due_at

    def phase_at(self, at: datetime) -> str:
        t = self.timeline
        if at < t.collection_opens_at:
            return "not_started"
        for name, end in (("collection", t.submission_closes_at), ("preliminary_review", t.prelim_due_at),
                          ("awaiting_final_review", t.final_review_opens_at),
                          ("final_review", t.final_review_closes_at),
                          ("awaiting_release", t.release_planned_from),
                          ("release", t.release_planned_until)):
            if at < end:
                return name
        return "released"

    def with_changes(self, **timeline_changes: Any) -> Campaign:
        unknown = sorted(set(timeline_changes) - TIMELINE_INSTANTS)
        if unknown:
            raise CampaignChangeError(f"未知的时间节点：{', '.join(unknown)}（unknown timeline field）",
                                      field=unknown[0])
        data = self.model_dump()
        data["timeline"] = {**data["timeline"], **timeline_changes}
        try:
            changed = Campaign.model_validate(data, context={"defer_checks": True})
        except ValidationError as e:
            first = e.errors()[0]
            raise CampaignChangeError(f"时间调整无效（invalid timeline change）：{first['msg']}",
                                      field=dotted(first["loc"])) from None
        problems = campaign_problems(changed)
        if problems:
            loc, reason = problems[0]
            raise CampaignChangeError(f"时间调整无效（invalid timeline change）：{reason}", field=dotted(loc))
        return changed
