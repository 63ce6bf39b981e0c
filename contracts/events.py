"""The event envelope and the events services exchange.

Every event is one frozen pydantic model: the envelope fields live on `Event`,
each subclass adds its payload and fixes `type`. The wire format is the model's
JSON. `decode_event` turns bytes from the log back into the right class.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Union
from uuid import UUID, uuid4, uuid5

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

# Namespace for ids derived from other ids: a redelivered cause yields the same effect id.
DERIVED_ID_NAMESPACE = UUID("6f1c1d0e-4b8a-4d5e-9b7a-2f0c8d1e5a01")

ActorRole = Literal["applicant", "unit", "review_body", "expert", "secretariat", "system"]


class Actor(BaseModel):
    """Who caused an event: the role and the organisation (or system component) acting."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    role: ActorRole
    id: str = Field(min_length=1, max_length=128)


class Event(BaseModel):
    """The envelope every event carries."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    SCHEMA_VERSION: ClassVar[int] = 1

    event_id: UUID = Field(default_factory=uuid4)
    type: str
    schema_version: int = 1
    occurred_at: datetime
    campaign: str = Field(min_length=1, max_length=64)
    key: str = Field(min_length=1, max_length=256)
    actor: Actor
    causation_id: UUID | None = None
    correlation_id: UUID | None = None


def derived_event_id(cause: UUID, effect_type: str) -> UUID:
    """The id of the event `effect_type` that `cause` produced; stable across redeliveries."""
    return uuid5(DERIVED_ID_NAMESPACE, f"{cause}:{effect_type}")


def unit_key(campaign: str, unit_id: str) -> str:
    """Partition key that serialises one recommending unit's nominations in a campaign."""
    return f"{campaign}:{unit_id}"


# --- nomination (recommending unit's stage) ---------------------------------------------


class NominationSubmitted(Event):
    type: Literal["NominationSubmitted"] = "NominationSubmitted"
    nomination_id: UUID
    unit_id: str = Field(min_length=1, max_length=64)
    list_code: str = Field(min_length=1, max_length=64)
    domain: str | None = Field(default=None, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    form: dict[str, Any] = Field(default_factory=dict)


# --- quota decisions ------------------------------------------------------------------------


class QuotaReserved(Event):
    type: Literal["QuotaReserved"] = "QuotaReserved"
    nomination_id: UUID
    unit_id: str
    list_code: str
    domain: str | None = None
    slot: int = Field(ge=1)
    limit: int | None = Field(default=None, ge=0)  # None: the list takes no channel quota
    used: int = Field(ge=0)


QuotaRejectReason = Literal["over_quota", "no_channel", "unknown_target", "duplicate"]


class QuotaRejected(Event):
    type: Literal["QuotaRejected"] = "QuotaRejected"
    nomination_id: UUID
    unit_id: str
    list_code: str
    domain: str | None = None
    reason: QuotaRejectReason
    message: str
    limit: int = Field(ge=0)
    used: int = Field(ge=0)


AnyEvent = Annotated[
    Union[NominationSubmitted, QuotaReserved, QuotaRejected],
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)
EVENT_TYPES: dict[str, type[Event]] = {
    cls.model_fields["type"].default: cls for cls in (NominationSubmitted, QuotaReserved, QuotaRejected)
}


def encode_event(event: Event) -> bytes:
    return orjson.dumps(event.model_dump(mode="json"))


def decode_event(raw: bytes) -> Event:
    """Decode one event from the log; raises pydantic.ValidationError or ValueError on poison."""
    return EVENT_ADAPTER.validate_json(raw)
