"""The parts a campaign is made of: lists and domains, channels, review bodies, timeline, rules and
review defaults. Plain frozen data; the cross-field checks are in checks.py, the whole in model.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal, NamedTuple

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.codes import Code, Name
from contracts.personal import Purpose
from contracts.review_terms import DEFAULT_TIE_BREAK, Aggregation, Criterion, Points, TieBreak

Quota = Annotated[int, Field(ge=0, le=10_000)]
Basis = Literal["modelled_default", "official"]  # official: stated by the notice; else our modelled default


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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
    """Instants are aware; an end is exclusive (closes_at = the first instant no longer inside).

    The public notice (公示) is its own window, apart from 宣传推广 (`publicity_*`): optional, since a
    call need not name one, with `notice_basis` saying whether the dates are the notice's or ours.
    """
    collection_opens_at: AwareDatetime
    submission_closes_at: AwareDatetime
    prelim_due_at: AwareDatetime
    final_review_opens_at: AwareDatetime
    final_review_closes_at: AwareDatetime
    release_planned_from: AwareDatetime
    release_planned_until: AwareDatetime
    publicity_opens_at: AwareDatetime
    publicity_closes_at: AwareDatetime
    notice_opens_at: AwareDatetime | None = None
    notice_closes_at: AwareDatetime | None = None
    notice_basis: Basis = "modelled_default"


# The timeline fields a CampaignTimelineChanged may move: the instants, not the basis marker.
TIMELINE_INSTANTS: frozenset[str] = frozenset(n for n in Timeline.model_fields if n.endswith("_at")
                                              or n.endswith(("_from", "_until")))


class Eligibility(_Frozen):
    """Eligibility configuration for one list. The official conditions (attachment 1) are not in the
    seed, so these are modelled defaults unless `basis` says otherwise."""
    list_code: Code
    basis: Basis = "modelled_default"
    founded_on_or_after: date | None = None
    founded_on_or_before: date | None = None
    note: str = ""


class Share(_Frozen):
    """An integer fraction, reached inclusively: 2/3 is met by 6 of 9 (含三分之二)."""
    numerator: Annotated[int, Field(ge=1)]
    denominator: Annotated[int, Field(ge=1)]

    def met_by(self, part: int, whole: int) -> bool:
        return whole > 0 and part * self.denominator >= self.numerator * whole


class FinalVote(_Frozen):
    """The secretariat committee's vote in final review (终评): quorum over the eligible members,
    approval over the present members who vote (recused members neither count nor vote)."""
    basis: Basis = "modelled_default"
    quorum: Share = Share(numerator=2, denominator=3)
    approval: Share = Share(numerator=2, denominator=3)


class Rules(_Frozen):
    quota_stacking: Literal["add", "single"] = "add"  # add: a unit's quota is summed over its channels
    previously_listed_not_renominable: bool = False
    previously_listed_reason: str = ""
    eligibility: tuple[Eligibility, ...] = ()
    public_notice_min_days: Annotated[int, Field(ge=1, le=365)] = 7  # 公示不少于7天
    final_vote: FinalVote = FinalVote()
    # When a unit may read its own nominations' preliminary score, rank and final decision: "at_notice",
    # only once the list's public notice opens (the results stay confidential until then); "as_recorded",
    # as soon as each is recorded.
    results_to_units: Literal["at_notice", "as_recorded"] = "at_notice"


class ReviewDefaults(_Frozen):
    """Default criteria and aggregation a body starts from when filing its plan (modelled defaults)."""
    basis: Basis = "modelled_default"
    criteria: tuple[Criterion, ...] = ()
    aggregation: Aggregation = "trimmed_mean"
    experts_per_item: Annotated[int, Field(ge=1, le=99)] = 7
    score_min: int = 0
    score_max: int = 100
    # Spread (highest minus lowest expert total) above which an item is flagged for re-review.
    divergence_threshold: Points = Decimal(20)
    # Fewer scores than this and trimmed_mean keeps them all (dropping two of four says little).
    trim_min_scores: Annotated[int, Field(ge=3, le=99)] = 5
    tie_break: tuple[TieBreak, ...] = DEFAULT_TIE_BREAK
    max_load: Annotated[int, Field(ge=1)] | None = None  # most items one expert scores; None = no limit


class Retention(_Frozen):
    """How long one purpose's personal data is kept (PIPL Art. 19 and 47): `days` after the timeline instant
    `after` (e.g. objectors' contacts 180 days after the release); then `kczg privacy expire` destroys the keys."""
    purpose: Purpose
    after: str
    days: Annotated[int, Field(ge=0, le=3650)]
    note: str = ""

    @field_validator("after")
    @classmethod
    def _an_instant(cls, v: str) -> str:
        if v not in TIMELINE_INSTANTS:
            raise ValueError(f"未知的时间节点 unknown timeline instant {v!r}; "
                             f"one of {sorted(TIMELINE_INSTANTS)}")
        return v

    def expires_at(self, timeline: Timeline) -> datetime:
        return getattr(timeline, self.after) + timedelta(days=self.days)
