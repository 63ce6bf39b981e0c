"""The event envelope and every event the services exchange.

Every event is one frozen pydantic model: the envelope fields live on `Event`, each
subclass adds its payload and fixes `type`. The wire format is the model's JSON.
`decode_event` upcasts old schema versions and returns the right class.
Events are facts, named in the past tense; fields are only ever added with defaults, or the
version is bumped with an upcaster in contracts/upcasting.py that lifts the old payloads.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, Union
from uuid import UUID, uuid4, uuid5

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from .personal import Sealed
from .review_terms import (DEFAULT_TIE_BREAK, Aggregation, ConflictReason, Criterion, DivergenceMeasure, Points, TieBreak,
                           weight_problem)
from .upcasting import needs_upcast, upcast

# Namespace for ids derived from other ids: a redelivered cause yields the same effect id.
DERIVED_ID_NAMESPACE = UUID("6f1c1d0e-4b8a-4d5e-9b7a-2f0c8d1e5a01")

ActorRole = Literal["applicant", "unit", "review_body", "expert", "secretariat", "system", "requester"]
Code = Annotated[str, Field(min_length=1, max_length=64)]
OrgId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Text = Annotated[str, Field(max_length=4000)]
# An e-mail address as a registry collects it: something@somewhere.tld, no spaces (the mail server has the last word).
EmailAddress = Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class _Frozen(BaseModel):
    # NaN/inf would encode as null and fail to decode: refuse them at the source.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Actor(_Frozen):
    """Who caused an event: the role, the organisation (or system component) acting, and the person who
    acted for it — the bearer token's subject, a pseudonymous account id, never a name. `person` is None
    for a system component (a consumer's decision, the public's form) and on events written before it existed."""

    role: ActorRole
    id: str = Field(min_length=1, max_length=128)
    person: str | None = Field(default=None, min_length=1, max_length=128)


class Event(_Frozen):
    """The envelope every event carries."""

    event_id: UUID = Field(default_factory=uuid4)
    type: str
    schema_version: int = 1
    occurred_at: datetime
    campaign: str = Field(min_length=1, max_length=64)
    key: str = Field(min_length=1, max_length=256)
    actor: Actor
    causation_id: UUID | None = None
    correlation_id: UUID | None = None


def derived_event_id(cause: UUID, effect_type: str, discriminator: str = "") -> UUID:
    """The id of the event `effect_type` that `cause` produced; stable across redeliveries."""
    return uuid5(DERIVED_ID_NAMESPACE, f"{cause}:{effect_type}:{discriminator}")


def unit_key(campaign: str, unit_id: str) -> str:
    """Partition key of one recommending unit's stream in a campaign (registry and nominations)."""
    return f"{campaign}:{unit_id}"


def target_key(campaign: str, list_code: str, domain: str | None) -> str:
    """Partition key of review events: one review target (list and domain; "" for a list without
    domains), so one partition orders all work on it, both bodies' of a joint target included."""
    return f"{campaign}:{list_code}:{domain or ''}"


def list_key(campaign: str, list_code: str) -> str:
    """Partition key of public-notice and publication events: one list of one campaign."""
    return f"{campaign}:{list_code}"


class AttachmentRef(_Frozen):
    """An uploaded document as events carry it: never the bytes."""

    name: str = Field(min_length=1, max_length=255)
    size: int = Field(ge=0)
    media_type: str = Field(min_length=1, max_length=128)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


# --- campaign lifecycle ------------------------------------------------------------------


class CampaignOpened(Event):
    type: Literal["CampaignOpened"] = "CampaignOpened"
    definition: dict[str, Any]  # contracts.campaign.campaign_to_dict(...)
    source: str = ""            # file it was loaded from, for the audit trail


class CampaignTimelineChanged(Event):
    """A deadline extended or a release moved; replays like any other fact."""

    type: Literal["CampaignTimelineChanged"] = "CampaignTimelineChanged"
    changes: dict[str, datetime]
    reason: Text


# --- unit registry (on the unit's stream, so quota decisions see channels in order) ------


class UnitRegistered(Event):
    type: Literal["UnitRegistered"] = "UnitRegistered"
    unit_id: OrgId
    name: str = Field(min_length=1, max_length=200)
    channels: tuple[Code, ...]
    contact_email: EmailAddress | None = None  # where the notifier writes to the unit; None: not given


class UnitChannelsChanged(Event):
    type: Literal["UnitChannelsChanged"] = "UnitChannelsChanged"
    unit_id: OrgId
    channels: tuple[Code, ...]
    reason: Text = ""


# --- applicant stage ------------------------------------------------------------------------


class ApplicationSaved(Event):
    type: Literal["ApplicationSaved"] = "ApplicationSaved"
    application_id: UUID
    applicant_id: OrgId
    unit_id: OrgId                 # the recommending unit it will go to
    list_code: Code
    domain: Code | None = None
    revision: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=200)
    form: dict[str, Any] = Field(default_factory=dict)
    attachments: tuple[AttachmentRef, ...] = ()
    # Where the notifier writes to the applicant (returned, declined, recommended), sealed with the key of
    # contracts.personal.applicant_contact_id(application_id); None: not given.
    contact_email: Sealed | None = None


class ApplicationSentToUnit(Event):
    type: Literal["ApplicationSentToUnit"] = "ApplicationSentToUnit"
    application_id: UUID
    applicant_id: OrgId
    unit_id: OrgId
    revision: int = Field(ge=1)


class ApplicationReturned(Event):
    type: Literal["ApplicationReturned"] = "ApplicationReturned"
    application_id: UUID
    unit_id: OrgId
    comments: Text


class ApplicationDeclined(Event):
    type: Literal["ApplicationDeclined"] = "ApplicationDeclined"
    application_id: UUID
    unit_id: OrgId
    reason: Text


# --- nomination (the unit's recommendation) ----------------------------------------------------


class NominationSubmitted(Event):
    type: Literal["NominationSubmitted"] = "NominationSubmitted"
    nomination_id: UUID
    unit_id: OrgId
    list_code: Code
    domain: Code | None = None
    title: str = Field(min_length=1, max_length=200)
    form: dict[str, Any] = Field(default_factory=dict)
    application_id: UUID | None = None
    revision: int = Field(default=1, ge=1)
    opinion: Text = ""
    attachments: tuple[AttachmentRef, ...] = ()
    # The unit's channels open to the list at submission, in campaign order; a unit in several
    # channels recommends under each. () on nominations submitted before the field existed.
    channels: tuple[Code, ...] = ()


class NominationAmended(Event):
    type: Literal["NominationAmended"] = "NominationAmended"
    nomination_id: UUID
    unit_id: OrgId
    revision: int = Field(ge=2)
    list_code: Code
    domain: Code | None = None
    title: str = Field(min_length=1, max_length=200)
    form: dict[str, Any] = Field(default_factory=dict)
    diff: dict[str, tuple[Any, Any]] = Field(default_factory=dict)  # dotted path -> (old, new)


class NominationWithdrawn(Event):
    type: Literal["NominationWithdrawn"] = "NominationWithdrawn"
    nomination_id: UUID
    unit_id: OrgId
    reason: Text


class WithdrawalRequested(Event):
    """During the review (after the campaign deadline) the unit asks to withdraw its nomination, with a reason;
    the secretariat grants it (NominationWithdrawn, by the secretariat) or refuses it (WithdrawalRefused)."""

    type: Literal["WithdrawalRequested"] = "WithdrawalRequested"
    nomination_id: UUID
    unit_id: OrgId
    reason: Text = Field(min_length=1)


class WithdrawalRefused(Event):
    """The secretariat refuses a unit's request to withdraw its nomination, with its reason: it stays in review."""

    type: Literal["WithdrawalRefused"] = "WithdrawalRefused"
    nomination_id: UUID
    unit_id: OrgId
    reason: Text = Field(min_length=1)


class NominationScreened(Event):
    """The secretariat's check of form and eligibility (形式审查)."""

    type: Literal["NominationScreened"] = "NominationScreened"
    nomination_id: UUID
    unit_id: OrgId
    passed: bool
    reasons: tuple[Text, ...] = ()


# --- quota decisions -----------------------------------------------------------------------------

QuotaRejectReason = Literal["over_quota", "no_channel", "unknown_target", "not_registered", "channel_not_open"]


class QuotaReserved(Event):
    type: Literal["QuotaReserved"] = "QuotaReserved"
    nomination_id: UUID
    unit_id: OrgId
    list_code: Code
    domain: Code | None = None
    slot: int = Field(ge=1)
    limit: int | None = Field(default=None, ge=0)  # None: the list takes no channel quota
    used: int = Field(ge=0)
    revision: int = Field(default=1, ge=1)


class QuotaRejected(Event):
    type: Literal["QuotaRejected"] = "QuotaRejected"
    nomination_id: UUID
    unit_id: OrgId
    list_code: Code
    domain: Code | None = None
    reason: QuotaRejectReason
    message: Text
    limit: int = Field(ge=0)
    used: int = Field(ge=0)
    revision: int = Field(default=1, ge=1)
    keeps_previous: bool = False  # an amendment's move refused: the old reservation stands


class QuotaReleased(Event):
    type: Literal["QuotaReleased"] = "QuotaReleased"
    nomination_id: UUID
    unit_id: OrgId
    list_code: Code
    domain: Code | None = None
    slot: int = Field(ge=1)
    used: int = Field(ge=0)
    reason: Literal["withdrawn", "moved", "screened_out"]
    revision: int = Field(default=1, ge=1)


# --- review: keyed target_key(campaign, list, domain), so one partition orders a joint body's work ---

CreditCode = Annotated[str, Field(pattern=r"^[0-9A-Z]{18}$")]  # 统一社会信用代码 (check digit: the intake's)
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
ScoreBound = Annotated[int, Field(ge=-1000, le=1000)]


class RelatedOrganisation(_Frozen):
    """An organisation an expert declares a relation with (employer, collaborator, interest)."""

    name: str = Field(min_length=1, max_length=200)
    credit_code: CreditCode | None = None


class RosterExpert(_Frozen):
    """One expert of a body's filed panel, with what the automatic conflict check compares. The name and the
    address are sealed with the expert's own key (contracts/personal.py, pid expert:<campaign>:<expert id>);
    the affiliation, an organisation, stays clear."""

    expert_id: OrgId
    name: Sealed
    affiliation: str = Field(min_length=1, max_length=200)
    affiliation_credit_code: CreditCode | None = None
    declared_relations: tuple[RelatedOrganisation, ...] = ()
    contact_email: Sealed | None = None  # where the notifier writes to the expert; None: not given


class ReviewPlanFiled(Event):
    """A review body's plan, expert composition, criteria and panel, filed (备案) before it reviews.

    v2: criterion weights are whole percent summing to 100 (v1: fractions of 1, upcast × 100); the
    tie-break is an ordered rule list; the scoring range, trimming, divergence and load are the plan's.
    v3: each roster expert's name and address sealed (v2's clear text upcasts to `Sealed.clear`).
    v4: the 方案 document as filed (a PDF: its name, size, type and SHA-256; the bytes stay in the review's
    store), optional: a v3 plan has none.
    """

    type: Literal["ReviewPlanFiled"] = "ReviewPlanFiled"
    schema_version: int = 4
    body_code: Code
    list_code: Code
    domain: Code | None = None
    plan: Text
    expert_composition: Text
    criteria: Annotated[tuple[Criterion, ...], Field(min_length=1, max_length=20)]
    score_min: ScoreBound = 0
    score_max: ScoreBound = 100
    experts_per_item: int = Field(default=7, ge=1, le=99)
    aggregation: Aggregation
    trim_min_scores: int = Field(default=5, ge=3, le=99)
    divergence_threshold: Points | None = None  # None: the campaign's review.divergence_threshold
    tie_break: Annotated[tuple[TieBreak, ...], Field(min_length=1)] = DEFAULT_TIE_BREAK
    max_load: int | None = Field(default=None, ge=1)  # most items one expert scores; None: no limit
    roster: tuple[RosterExpert, ...] = ()
    divergence_measure: DivergenceMeasure = "range"  # what divergence_threshold is compared with
    contact_email: EmailAddress | None = None  # where the notifier writes to the filing body; None: not given
    document: AttachmentRef | None = None  # the 方案 document (PDF); None: filed as text only
    # Once scoring began the plan is locked but for this: the plan (event id) it extends, by more
    # experts on the roster or a higher load limit, every other term the same.
    extends: UUID | None = None

    @model_validator(mode="after")
    def _a_whole_plan(self) -> ReviewPlanFiled:
        problem = weight_problem(self.criteria)
        if problem:
            raise ValueError(problem)
        if self.score_min >= self.score_max:
            raise ValueError("评分上限须大于下限（score_max must exceed score_min）")
        if self.divergence_threshold is not None and not (
                0 < self.divergence_threshold <= self.score_max - self.score_min):
            raise ValueError("分歧阈值须大于 0 且不超过评分区间（divergence_threshold outside the score range）")
        if len(set(self.tie_break)) != len(self.tie_break):
            raise ValueError("并列规则重复（duplicate tie-break rule）")
        ids = [e.expert_id for e in self.roster]
        if len(set(ids)) != len(ids):
            raise ValueError("专家名单重复（duplicate expert in the roster）")
        if self.roster and self.experts_per_item > len(ids):
            raise ValueError("每项评审专家数多于名单人数（experts_per_item exceeds the roster）")
        return self


class ReviewPlanConfirmed(Event):
    """The other body of a joint target (绿色低碳: two bodies) confirms a filed plan; it takes effect then."""

    type: Literal["ReviewPlanConfirmed"] = "ReviewPlanConfirmed"
    body_code: Code          # the confirming body, not the one that filed
    list_code: Code
    domain: Code | None = None
    plan_event_id: UUID      # the ReviewPlanFiled confirmed
    note: Text = ""


class PlanAcknowledged(Event):
    """The secretariat's receipt (回执) of the plan in force: acknowledged, review may run under it."""

    type: Literal["PlanAcknowledged"] = "PlanAcknowledged"
    body_code: Code          # the body that filed the plan
    list_code: Code
    domain: Code | None = None
    plan_event_id: UUID      # the ReviewPlanFiled acknowledged
    note: Text = ""


class PlanReturned(Event):
    """The secretariat's receipt (回执) of the plan in force: returned with its reasons; the body must file again."""

    type: Literal["PlanReturned"] = "PlanReturned"
    body_code: Code          # the body that filed the plan
    list_code: Code
    domain: Code | None = None
    plan_event_id: UUID      # the ReviewPlanFiled returned
    reasons: tuple[Text, ...] = Field(min_length=1)


# Target fields (body_code, list_code, domain) that a v1 of the event lacked are optional: None only on
# events written before review events named their target (none were: the review service came after).

class ExpertAssigned(Event):
    type: Literal["ExpertAssigned"] = "ExpertAssigned"
    nomination_id: UUID
    expert_id: OrgId
    body_code: Code
    list_code: Code | None = None
    domain: Code | None = None
    solver_input_hash: Sha256 | None = None  # an automatic assignment: sha256 of the solver's input


class ExpertUnassigned(Event):
    type: Literal["ExpertUnassigned"] = "ExpertUnassigned"
    nomination_id: UUID
    expert_id: OrgId
    body_code: Code
    list_code: Code
    domain: Code | None = None
    reason: Text = Field(min_length=1)


class ConflictDeclared(Event):
    """v2: a reason code (v1's `automatic` flag upcasts to "automatic" or "other") plus free text."""

    type: Literal["ConflictDeclared"] = "ConflictDeclared"
    schema_version: int = 2
    nomination_id: UUID
    expert_id: OrgId
    body_code: Code | None = None
    list_code: Code | None = None
    domain: Code | None = None
    reason_code: ConflictReason
    reason: Text = ""

    @property
    def automatic(self) -> bool:
        """Found by rule (same organisation as applicant or recommender), not declared by the expert."""
        return self.reason_code == "automatic"


class SeatShortfallRecorded(Event):
    """A nomination has fewer experts than its plan asks, and no eligible expert can take the seat
    (one declared a conflict, or left by rule): the fact, and what would fix it. The body fixes it by
    extending the roster or raising the load limit; the seat is filled then."""

    type: Literal["SeatShortfallRecorded"] = "SeatShortfallRecorded"
    nomination_id: UUID
    body_code: Code
    list_code: Code
    domain: Code | None = None
    seats_needed: int = Field(ge=1)         # experts still to add to the nomination
    eligible: int = Field(ge=0)             # roster experts free of conflict and not on it yet
    max_load: int = Field(ge=1)             # the load limit the search ran under
    experts_needed: int = Field(ge=1)       # the fewest new unconflicted experts that would fill it
    max_load_needed: int | None = None      # the least load limit that would, if any does
    left_by: OrgId | None = None            # the expert whose leaving opened the seat


class ExpertScoreRecorded(Event):
    """One expert's scores on one nomination. v2: exact decimals (see Points); the range is the plan's."""

    type: Literal["ExpertScoreRecorded"] = "ExpertScoreRecorded"
    schema_version: int = 2
    nomination_id: UUID
    expert_id: OrgId
    body_code: Code | None = None
    list_code: Code | None = None
    domain: Code | None = None
    scores: dict[Code, Points]   # criterion code -> score within the plan's range
    total: Points                # the weighted total the review service computed from `scores`
    revises: UUID | None = None  # the expert's earlier score on the nomination this revises (it stays on the log)
    # 1 + the revised score's: what orders an expert's scores on a nomination (two may share an instant)
    revision: int = Field(default=1, ge=1)
    reason: Text = ""            # why the expert revised it (required during a re-review)


class PrelimScored(Event):
    """A nomination's preliminary aggregate and rank inside its list/domain. v2: exact decimals."""

    type: Literal["PrelimScored"] = "PrelimScored"
    schema_version: int = 2
    nomination_id: UUID
    body_code: Code | None = None
    list_code: Code
    domain: Code | None = None
    aggregate: Points
    raw_sum: Points
    rank: int = Field(ge=1)
    expert_count: int = Field(ge=0)
    method: str
    divergent: bool = False  # spread of expert totals above the plan's threshold: re-review
    totals: dict[OrgId, Points] = Field(default_factory=dict)  # expert id -> that expert's total


class ReReviewOpened(Event):
    """The body asks for a divergent nomination to be reviewed again (复评): named experts to revisit their
    scores, or experts added, or both. Open until the divergence falls to the threshold or the body
    closes it with a reason (ReReviewClosed)."""

    type: Literal["ReReviewOpened"] = "ReReviewOpened"
    nomination_id: UUID
    body_code: Code
    list_code: Code
    domain: Code | None = None
    measure: DivergenceMeasure
    spread: Points               # the measure when opened
    threshold: Points
    revisit: tuple[OrgId, ...] = ()  # seated experts asked to revisit their scores
    added: tuple[OrgId, ...] = ()    # experts seated for the re-review (their ExpertAssigned follow)
    reason: Text = ""


class ReReviewClosed(Event):
    """A re-review ends: the measure fell to the threshold (cleared), or the body closed it with a reason."""

    type: Literal["ReReviewClosed"] = "ReReviewClosed"
    nomination_id: UUID
    body_code: Code
    list_code: Code
    domain: Code | None = None
    spread: Points | None = None  # the measure when closed (None: too few totals to measure)
    threshold: Points
    cleared: bool
    reason: Text = ""


class PrelimGap(_Frozen):
    """A nomination left out of the submitted ranking, and why."""

    nomination_id: UUID
    reason: Literal["missing_scores", "all_experts_conflicted", "not_assigned", "under_re_review", "other"]
    note: Text = ""


class PrelimResultsSubmitted(Event):
    type: Literal["PrelimResultsSubmitted"] = "PrelimResultsSubmitted"
    body_code: Code
    list_code: Code
    domain: Code | None = None
    ranked: tuple[UUID, ...]
    late: bool = False
    gaps: tuple[PrelimGap, ...] = ()


class CommitteeVote(_Frozen):
    """The final-review committee's vote on one nomination; the campaign's rules.final_vote judges it.
    Recused members (回避) are not counted as present: present + recused <= eligible, and everyone
    present votes yes, no or abstains."""

    eligible: int = Field(ge=1)
    present: int = Field(ge=0)
    recused: int = Field(default=0, ge=0)
    yes: int = Field(ge=0)
    no: int = Field(ge=0)
    abstain: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _counts_add_up(self) -> CommitteeVote:
        if self.present + self.recused > self.eligible:
            raise ValueError("实到人数与回避人数之和不能超过应到人数（present + recused exceed eligible）")
        if self.yes + self.no + self.abstain != self.present:
            raise ValueError("赞成、反对、弃权之和须等于实到人数（votes must add up to those present）")
        return self


class FinalDecisionRecorded(Event):
    type: Literal["FinalDecisionRecorded"] = "FinalDecisionRecorded"
    nomination_id: UUID
    list_code: Code
    domain: Code | None = None
    selected: bool
    note: Text = ""
    vote: CommitteeVote | None = None      # None on decisions recorded without a vote count
    revision: int = Field(default=1, ge=1)  # a later decision on the same nomination replaces an earlier one
    sitting_id: UUID | None = None         # the committee sitting (终评会议) that took it, when recorded as one


# --- public notice and publication: keyed list_key(campaign, list) --------------------------------


class OmittedTarget(_Frozen):
    """A target of the list the secretariat opened the notice without (its results or decisions still
    outstanding), and why: the notice lists none of its nominations."""

    domain: Code | None = None   # None: the list without domains
    reason: Text = Field(min_length=1)


class PublicNoticeOpened(Event):
    """v2: the notice has its own id (v1 upcasts it from the event id). `omitted`: the targets it was
    opened without, each with the secretariat's reason (empty: every target was complete)."""

    type: Literal["PublicNoticeOpened"] = "PublicNoticeOpened"
    schema_version: int = 2
    notice_id: UUID
    list_code: Code
    opens_at: datetime
    closes_at: datetime
    nominations: tuple[UUID, ...]
    omitted: tuple[OmittedTarget, ...] = ()

    @model_validator(mode="after")
    def _a_window(self) -> PublicNoticeOpened:
        if self.closes_at <= self.opens_at:
            raise ValueError("公示结束须晚于开始（closes_at must follow opens_at）")
        return self


class ObjectionFiled(Event):
    """A named (实名) objection to a nomination under notice. v2: name, organisation and contact apart
    (v1's `filed_by` upcasts to `name`). v3: the objector's name and contact are sealed with the objector's
    own key (contracts/personal.py; v2's clear text upcasts to `Sealed.clear`); the organisation stays clear."""

    type: Literal["ObjectionFiled"] = "ObjectionFiled"
    schema_version: int = 3
    objection_id: UUID
    notice_id: UUID | None = None  # None on v1 objections: the list's notice open at the time
    nomination_id: UUID
    name: Sealed
    organisation: str = Field(default="", max_length=200)
    contact: Sealed | None = Field(default=None, json_schema_extra={"x-private": True})
    grounds: Text


# Fields never read by a view (contact), and the personal fields sealed per person (name, contact).
PRIVATE_FIELDS: dict[str, frozenset[str]] = {"ObjectionFiled": frozenset({"contact"}),
                                             "MatchRequested": frozenset({"contact"}),
                                             "MatchConsented": frozenset({"contact"}),
                                             "PackageSent": frozenset({"addresses"})}
PERSONAL_FIELDS: dict[str, frozenset[str]] = {"ObjectionFiled": frozenset({"name", "contact"}),
                                              "MatchRequested": frozenset({"contact"}),
                                              "MatchConsented": frozenset({"contact"}),
                                              "ApplicationSaved": frozenset({"contact_email"}),
                                              "RosterExpert": frozenset({"name", "contact_email"})}


class ObjectionResolved(Event):
    type: Literal["ObjectionResolved"] = "ObjectionResolved"
    objection_id: UUID
    nomination_id: UUID
    upheld: bool
    note: Text = ""
    notice_id: UUID | None = None


class EntryTrace(_Frozen):
    """The events a published entry rests on, so anyone auditing the list can follow it back."""

    nomination_event_id: UUID | None = None
    quota_event_id: UUID | None = None
    screening_event_id: UUID | None = None
    prelim_event_id: UUID | None = None
    decision_event_id: UUID | None = None
    notice_event_id: UUID | None = None


class ShownField(_Frozen):
    """One form field the recommending unit agreed to publish once listed (contracts/publication.py), as text."""

    field: Code
    label: str = Field(min_length=1, max_length=50)
    value: str = Field(min_length=1, max_length=2000)


class PublishedEntry(_Frozen):
    nomination_id: UUID
    title: str
    unit_id: OrgId
    domain: Code | None = None
    holder_org: str | None = Field(default=None, max_length=200)  # the applicant organisation listed
    unit_name: str | None = Field(default=None, max_length=200)   # the recommending unit's name
    trace: EntryTrace | None = None
    region: Code | None = None                  # the holder's region (contracts/publication.py REGIONS)
    shown: tuple[ShownField, ...] = ()          # what the unit agreed to publish after listing; none: names only


CorrectedField = Literal["title", "holder_org", "unit_name"]


class FactChange(_Frozen):
    """One public fact of an entry corrected: what it read and what it reads now."""

    field: CorrectedField
    before: str | None = Field(default=None, max_length=200)
    after: str = Field(min_length=1, max_length=200)


class EntryCorrection(_Frozen):
    """The secretariat's correction of one entry, with its reason: its public facts changed (`changes`), or
    the entry revoked (撤销, `revoked`; no changes then). `title`: the entry's title as listed before it."""

    nomination_id: UUID
    title: str = Field(min_length=1, max_length=200)
    changes: tuple[FactChange, ...] = ()
    revoked: bool = False
    reason: Text = Field(min_length=1)

    @model_validator(mode="after")
    def _one_kind(self) -> EntryCorrection:
        if self.revoked == bool(self.changes):
            raise ValueError("更正须为事实更正或撤销之一（a correction either changes facts or revokes）")
        if len({c.field for c in self.changes}) != len(self.changes):
            raise ValueError("同一字段更正重复（a field changed twice）")
        return self


class EntriesCorrected(Event):
    """Before a list's release: the secretariat corrects entries of its notice (their public facts; or revokes
    one), with reasons. The next ListPublished applies them and carries them in its `corrections`."""

    type: Literal["EntriesCorrected"] = "EntriesCorrected"
    list_code: Code
    corrections: tuple[EntryCorrection, ...] = Field(min_length=1)
    reason: Text = Field(min_length=1)


class ListPublished(Event):
    """A list released; a correction is a later version of the same list with its reason. `public_at`:
    the instant it becomes public (an embargo until the annual meeting), None: at once. `corrections`: what
    this version corrects (after a release: exactly what changed from the version before; a revoked entry
    is no longer among `entries`), or the corrections made before the release that it applies."""

    type: Literal["ListPublished"] = "ListPublished"
    list_code: Code
    entries: tuple[PublishedEntry, ...]
    published_at: datetime
    version: int = Field(default=1, ge=1)
    reason: Text = ""             # why this version replaces the previous one
    released_on: date | None = None  # the release day as announced (Beijing date)
    # Embargoed until this instant (the annual meeting): before it only the secretariat sees the version.
    # None: public as soon as recorded.
    public_at: datetime | None = None
    corrections: tuple[EntryCorrection, ...] = ()


class NewsPublished(Event):
    """A news item of the campaign's 宣传推广, by the secretariat: public from `publish_at`, which lies inside the
    campaign's publicity window (timeline publicity_opens_at..publicity_closes_at); shown while that window lasts.
    Keyed news_key(campaign)."""

    type: Literal["NewsPublished"] = "NewsPublished"
    news_id: UUID
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20000)
    publish_at: datetime


def news_key(campaign: str) -> str:
    return f"{campaign}:news"


# --- returns for correction (退回补正): keyed unit_key(campaign, unit), on the unit's nominations stream ---


class NominationReturned(Event):
    """Screening returns a nomination to its unit for correction (退回补正), with its reasons: the unit may
    amend it after the campaign deadline, until `correction_due_at` (exclusive), and resubmit it, when it
    goes back to screening. `round` counts one nomination's returns (1, 2, …)."""

    type: Literal["NominationReturned"] = "NominationReturned"
    nomination_id: UUID
    unit_id: OrgId
    reasons: tuple[Text, ...] = Field(min_length=1)
    correction_due_at: datetime
    round: int = Field(default=1, ge=1)


class NominationResubmitted(Event):
    """The unit resubmits a nomination returned for correction: it goes back to screening."""

    type: Literal["NominationResubmitted"] = "NominationResubmitted"
    nomination_id: UUID
    unit_id: OrgId
    round: int = Field(ge=1)     # the return it answers
    revision: int = Field(ge=1)  # the nomination's revision resubmitted


# --- after the release: matching requests (资源对接), keyed entry_key(campaign, nomination) ----------------


def entry_key(campaign: str, nomination_id: UUID | str) -> str:
    """Partition key of what follows one listed entry's release: its matching requests, in one order."""
    return f"{campaign}:entry:{nomination_id}"


def package_key(campaign: str, package_id: UUID | str) -> str:
    """Partition key of one targeted package (定向推介)."""
    return f"{campaign}:package:{package_id}"


MatchKind = Literal["tech_cooperation", "investment", "procurement", "landing", "talent"]
MatchDeclineReason = Literal["not_a_fit", "too_early", "incomplete"]
MatchOutcome = Literal["negotiating", "signed", "landed", "failed"]


class MatchRequested(Event):
    """An organisation (role requester) asks to be introduced to a listed entry: what it wants (`kind`), its
    need and region, and a contact sealed with its own key (contracts/personal.py match_contact_id). The entry's
    facts as listed and its holder (the recommending unit, who is asked for consent) travel with it.
    `package_id`: the targeted package (定向推介) the request came from, if any."""

    type: Literal["MatchRequested"] = "MatchRequested"
    match_id: UUID
    nomination_id: UUID
    list_code: Code
    domain: Code | None = None
    title: str = Field(max_length=200)
    holder_unit: OrgId
    holder_org: str | None = Field(default=None, max_length=200)
    requester: OrgId                       # the requester's account organisation
    organisation: str = Field(min_length=1, max_length=200)  # its name as it gives it (public by nature)
    kind: MatchKind
    need: Text = Field(min_length=1)
    region: str = Field(min_length=1, max_length=64)
    contact: Sealed = Field(json_schema_extra={"x-private": True})
    package_id: UUID | None = None


class MatchTriaged(Event):
    """The secretariat's triage: accepted (the holder is asked for consent) or declined with a coded reason."""

    type: Literal["MatchTriaged"] = "MatchTriaged"
    match_id: UUID
    nomination_id: UUID
    accepted: bool
    reason: MatchDeclineReason | None = None
    note: Text = ""

    @model_validator(mode="after")
    def _reason_iff_declined(self) -> MatchTriaged:
        if self.accepted == (self.reason is not None):
            raise ValueError("退回须附原因代码，受理不附（a decline carries a reason code, an acceptance none）")
        return self


class MatchConsented(Event):
    """The holder agrees to be introduced, giving its contact (sealed with its own key)."""

    type: Literal["MatchConsented"] = "MatchConsented"
    match_id: UUID
    nomination_id: UUID
    contact: Sealed = Field(json_schema_extra={"x-private": True})
    note: Text = ""


class MatchDeclined(Event):
    """The holder declines to be introduced: the requester's contact is never shown to it."""

    type: Literal["MatchDeclined"] = "MatchDeclined"
    match_id: UUID
    nomination_id: UUID
    note: Text = ""


class MatchIntroduced(Event):
    """Both sides introduced: from now each sees the other's contact."""

    type: Literal["MatchIntroduced"] = "MatchIntroduced"
    match_id: UUID
    nomination_id: UUID


class MatchOutcomeRecorded(Event):
    """Where an introduction stands, recorded over time: 洽谈中, 签约, 落地 or 未成; the latest counts."""

    type: Literal["MatchOutcomeRecorded"] = "MatchOutcomeRecorded"
    match_id: UUID
    nomination_id: UUID
    outcome: MatchOutcome
    note: Text = ""
    revision: int = Field(default=1, ge=1)  # the request's n-th outcome: a later one replaces an earlier


class PackageSent(Event):
    """A targeted package (定向推介): listed entries the secretariat selected (by list, domain, region,
    keyword) for an audience, sent as a brochure (PDF) and a sheet (XLSX) to the audience's addresses."""

    type: Literal["PackageSent"] = "PackageSent"
    package_id: UUID
    audience: str = Field(min_length=1, max_length=200)
    addresses: tuple[EmailAddress, ...] = Field(default=(), max_length=500, json_schema_extra={"x-private": True})
    list_code: Code | None = None
    domain: Code | None = None
    region: str | None = Field(default=None, max_length=64)
    keyword: str | None = Field(default=None, max_length=100)
    entries: tuple[UUID, ...] = Field(min_length=1)


EVENT_CLASSES: tuple[type[Event], ...] = (
    CampaignOpened, CampaignTimelineChanged, UnitRegistered, UnitChannelsChanged,
    ApplicationSaved, ApplicationSentToUnit, ApplicationReturned, ApplicationDeclined,
    NominationSubmitted, NominationAmended, NominationWithdrawn, NominationScreened,
    QuotaReserved, QuotaRejected, QuotaReleased,
    ReviewPlanFiled, ReviewPlanConfirmed, ExpertAssigned, ExpertUnassigned, ConflictDeclared, ExpertScoreRecorded,
    PrelimScored,
    PrelimResultsSubmitted, FinalDecisionRecorded, SeatShortfallRecorded, ReReviewOpened, ReReviewClosed,
    PublicNoticeOpened, ObjectionFiled, ObjectionResolved, ListPublished,
    NominationReturned, NominationResubmitted, EntriesCorrected, WithdrawalRequested, WithdrawalRefused,
    NewsPublished, PlanAcknowledged, PlanReturned,
    MatchRequested, MatchTriaged, MatchConsented, MatchDeclined, MatchIntroduced, MatchOutcomeRecorded, PackageSent,
)
EVENT_TYPES: dict[str, type[Event]] = {cls.model_fields["type"].default: cls for cls in EVENT_CLASSES}
AnyEvent = Annotated[Union[EVENT_CLASSES], Field(discriminator="type")]  # type: ignore[valid-type]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(AnyEvent)


class UnknownEventType(ValueError):
    pass


def encode_event(event: Event) -> bytes:
    return event.model_dump_json().encode()  # pydantic's own JSON: the same bytes as orjson of model_dump, sooner


def decode_event(raw: bytes | str) -> Event:
    """Decode one event from the log, upcasting old versions.

    Raises UnknownEventType, pydantic.ValidationError or orjson.JSONDecodeError (a ValueError) on poison.
    """
    data = orjson.loads(raw)
    if not isinstance(data, dict) or data.get("type") not in EVENT_TYPES:
        raise UnknownEventType(f"unknown event type: {data.get('type') if isinstance(data, dict) else data!r}")
    cls = EVENT_TYPES[data["type"]]
    if needs_upcast(data):
        return cls.model_validate(upcast(data))
    # pydantic's JSON mode is several times faster than validating the parsed dict
    return cls.model_validate_json(raw)
