"""A campaign (one year's call for the 科创中国 rankings) as immutable data, plus pure queries on it.

Lists, domains, channels, quotas, stacking rule, timeline, review bodies and default criteria all
come from a versioned campaign file (see contracts/campaign_file.py), so a new year is a new file.
No I/O here; the loader and the dict round trip live in campaign_file and are re-exported lazily.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from pydantic import (AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, ValidationError,
                      ValidationInfo, field_validator, model_validator)

from contracts.campaign_checks import campaign_problems, timeline_problems
from contracts.errors import DomainError

SCHEMA_VERSION = 1

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Quota = Annotated[int, Field(ge=0, le=10_000)]


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


# ---------------------------------------------------------------- models

class Domain(_Frozen):
    code: Code
    name: Name
    kind: Literal["industry", "special"] = "industry"


class RankingList(_Frozen):
    code: Code
    name: Name
    domains: tuple[Domain, ...] = ()
    quota_per_unit: Quota | None = None
    quota_scope: Literal["per_domain", "per_list", "none"] = "none"
    separately_organised: bool = False
    review_stage: Literal["two_stage", "single_stage"] = "two_stage"
    form: Code | None = None
    # Channels allowed to recommend to this list; None = every channel of the campaign.
    channels: tuple[Code, ...] | None = None

    @model_validator(mode="after")
    def _default_form(self) -> RankingList:
        if self.form is None:  # the form code defaults to the list code
            object.__setattr__(self, "form", self.code)
        return self

    def domain(self, code: str) -> Domain | None:
        return next((d for d in self.domains if d.code == code), None)


class Channel(_Frozen):
    code: Code
    name: Name


class Assignment(NamedTuple):
    """What a review body reviews: a list and, for lists with domains, one domain."""
    list_code: str
    domain: str | None = None


class ReviewBody(_Frozen):
    code: Code
    name: Name  # organisation name only, never a contact person
    kind: Literal["preliminary", "single_stage"] = "preliminary"
    lists: tuple[Assignment, ...]


class Timeline(_Frozen):
    """Instants are aware; an end is exclusive (closes_at = the first instant no longer inside)."""
    collection_opens_at: AwareDatetime
    submission_closes_at: AwareDatetime
    prelim_due_at: AwareDatetime
    final_review_opens_at: AwareDatetime
    final_review_closes_at: AwareDatetime
    release_planned_from: AwareDatetime
    release_planned_until: AwareDatetime
    publicity_opens_at: AwareDatetime
    publicity_closes_at: AwareDatetime


class Eligibility(_Frozen):
    """Eligibility configuration for one list. The official conditions (attachment 1) are not in the
    seed, so these are modelled defaults unless `basis` says otherwise."""
    list_code: Code
    basis: Literal["modelled_default", "official"] = "modelled_default"
    founded_on_or_after: date | None = None
    founded_on_or_before: date | None = None
    note: str = ""


class Rules(_Frozen):
    quota_stacking: Literal["add", "single"] = "add"  # add: a unit's quota is summed over its channels
    previously_listed_not_renominable: bool = False
    previously_listed_reason: str = ""
    eligibility: tuple[Eligibility, ...] = ()


class Criterion(_Frozen):
    code: Code
    name: Name
    weight: Annotated[int, Field(ge=1, le=100)]  # percent; a campaign's criteria sum to 100


class ReviewDefaults(_Frozen):
    """Default criteria and aggregation a body starts from when filing its plan (modelled defaults)."""
    basis: Literal["modelled_default", "official"] = "modelled_default"
    criteria: tuple[Criterion, ...] = ()
    aggregation: Literal["mean", "trimmed_mean", "zscore_mean"] = "trimmed_mean"
    experts_per_item: Annotated[int, Field(ge=1, le=99)] = 7
    score_min: int = 0
    score_max: int = 100


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
            raise ValueError("; ".join(f"{_dotted(loc)}: {reason}" for loc, reason in problems))
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
        unknown = sorted(set(timeline_changes) - set(Timeline.model_fields))
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
                                      field=_dotted(first["loc"])) from None
        problems = campaign_problems(changed)
        if problems:
            loc, reason = problems[0]
            raise CampaignChangeError(f"时间调整无效（invalid timeline change）：{reason}", field=_dotted(loc))
        return changed

def _dotted(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


__all__ = [
    "Assignment", "Campaign", "CampaignChangeError", "CampaignFileError", "Channel", "Criterion", "Domain",
    "DomainNotAllowed", "DomainRequired", "Eligibility", "Problem", "RankingList", "ReviewBody",
    "ReviewDefaults", "Rules", "Timeline", "UnknownDomain", "UnknownList", "campaign_from_dict",
    "campaign_to_dict", "load_builtin_campaign", "load_campaign", "parse_campaign", "timeline_problems",
]

_FILE_API = {"CampaignFileError", "Problem", "campaign_from_dict", "campaign_to_dict", "load_campaign",
             "parse_campaign", "load_builtin_campaign", "CAMPAIGNS_DIR"}


def __getattr__(name: str) -> Any:
    # Lazy re-export: the loader imports this module, so a top-level import would be circular.
    if name in _FILE_API:
        from contracts import campaign_file
        return getattr(campaign_file, name)
    raise AttributeError(name)
