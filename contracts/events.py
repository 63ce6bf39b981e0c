"""The event envelope and every event the services exchange.

Every event is one frozen pydantic model: the envelope fields live on `Event`, each
subclass adds its payload and fixes `type`. The wire format is the model's JSON.
`decode_event` upcasts old schema versions and returns the right class.
Events are facts, named in the past tense; fields are only ever added with defaults.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Union
from uuid import UUID, uuid4, uuid5

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from .upcasting import needs_upcast, upcast

# Namespace for ids derived from other ids: a redelivered cause yields the same effect id.
DERIVED_ID_NAMESPACE = UUID("6f1c1d0e-4b8a-4d5e-9b7a-2f0c8d1e5a01")

ActorRole = Literal["applicant", "unit", "review_body", "expert", "secretariat", "system"]
Code = Annotated[str, Field(min_length=1, max_length=64)]
OrgId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Text = Annotated[str, Field(max_length=4000)]


class _Frozen(BaseModel):
    # NaN/inf would encode as null and fail to decode: refuse them at the source.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Actor(_Frozen):
    """Who caused an event: the role and the organisation (or system component) acting."""

    role: ActorRole
    id: str = Field(min_length=1, max_length=128)


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


# --- review ----------------------------------------------------------------------------------------


class Criterion(_Frozen):
    code: Code
    name: str = Field(min_length=1, max_length=100)
    weight: float = Field(gt=0, le=1)


class ReviewPlanFiled(Event):
    """A review body's plan, expert composition and criteria, filed (备案) before it reviews."""

    type: Literal["ReviewPlanFiled"] = "ReviewPlanFiled"
    body_code: Code
    list_code: Code
    domain: Code | None = None
    plan: Text
    expert_composition: Text
    criteria: tuple[Criterion, ...]
    aggregation: Literal["mean", "trimmed_mean", "zscore_mean"]
    tie_break: Literal["raw_sum", "earliest_submission"] = "raw_sum"


class ExpertAssigned(Event):
    type: Literal["ExpertAssigned"] = "ExpertAssigned"
    nomination_id: UUID
    expert_id: OrgId
    body_code: Code


class ConflictDeclared(Event):
    type: Literal["ConflictDeclared"] = "ConflictDeclared"
    nomination_id: UUID
    expert_id: OrgId
    reason: Text
    automatic: bool = False  # found by rule (same organisation), not declared by the expert


class ExpertScoreRecorded(Event):
    type: Literal["ExpertScoreRecorded"] = "ExpertScoreRecorded"
    nomination_id: UUID
    expert_id: OrgId
    scores: dict[str, float]   # criterion code -> 0..100
    total: float = Field(ge=0, le=100)


class PrelimScored(Event):
    type: Literal["PrelimScored"] = "PrelimScored"
    nomination_id: UUID
    list_code: Code
    domain: Code | None = None
    aggregate: float
    raw_sum: float
    rank: int = Field(ge=1)
    expert_count: int = Field(ge=0)
    method: str


class PrelimResultsSubmitted(Event):
    type: Literal["PrelimResultsSubmitted"] = "PrelimResultsSubmitted"
    body_code: Code
    list_code: Code
    domain: Code | None = None
    ranked: tuple[UUID, ...]
    late: bool = False


class FinalDecisionRecorded(Event):
    type: Literal["FinalDecisionRecorded"] = "FinalDecisionRecorded"
    nomination_id: UUID
    list_code: Code
    domain: Code | None = None
    selected: bool
    note: Text = ""


# --- public notice and publication ------------------------------------------------------------------


class PublicNoticeOpened(Event):
    type: Literal["PublicNoticeOpened"] = "PublicNoticeOpened"
    list_code: Code
    opens_at: datetime
    closes_at: datetime
    nominations: tuple[UUID, ...]


class ObjectionFiled(Event):
    type: Literal["ObjectionFiled"] = "ObjectionFiled"
    objection_id: UUID
    nomination_id: UUID
    filed_by: str = Field(min_length=1, max_length=200)  # objections are named (实名)
    grounds: Text


class ObjectionResolved(Event):
    type: Literal["ObjectionResolved"] = "ObjectionResolved"
    objection_id: UUID
    nomination_id: UUID
    upheld: bool
    note: Text = ""


class PublishedEntry(_Frozen):
    nomination_id: UUID
    title: str
    unit_id: OrgId
    domain: Code | None = None


class ListPublished(Event):
    type: Literal["ListPublished"] = "ListPublished"
    list_code: Code
    entries: tuple[PublishedEntry, ...]
    published_at: datetime


EVENT_CLASSES: tuple[type[Event], ...] = (
    CampaignOpened, CampaignTimelineChanged, UnitRegistered, UnitChannelsChanged,
    ApplicationSaved, ApplicationSentToUnit, ApplicationReturned, ApplicationDeclined,
    NominationSubmitted, NominationAmended, NominationWithdrawn, NominationScreened,
    QuotaReserved, QuotaRejected, QuotaReleased,
    ReviewPlanFiled, ExpertAssigned, ConflictDeclared, ExpertScoreRecorded, PrelimScored,
    PrelimResultsSubmitted, FinalDecisionRecorded,
    PublicNoticeOpened, ObjectionFiled, ObjectionResolved, ListPublished,
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
