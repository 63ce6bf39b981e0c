"""The AsyncAPI document of the event log: every topic, the events it carries, who writes and who reads it.

Our consumers run on aiokafka directly (eventlog/consume/consumer.py) for offset control, so FastStream is
used here only as a document generator: a KafkaBroker with one subscriber per (topic, consuming
service) and one publisher per (topic, publishing service), payload = the union of the topic's event
classes. The broker is never started. `kczg contracts export-docs` writes contracts/asyncapi.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field

from contracts import events as ev
from contracts.topics import ALL_TOPICS, APPLICATIONS, CAMPAIGNS, DEADLETTER, NOMINATIONS, PUBLISH, QUOTA, REVIEW, Topic

TITLE = "科创中国榜单平台 · event log"
VERSION = "1"
SERVER = "kafka:9092"  # the docker-compose broker; the document names no environment-specific host


class DeadLetterRecord(BaseModel):
    """A record a consumer could not decode or apply (eventlog/consume/deadletter.py), keyed topic:partition:offset."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    consumer: str
    topic: str
    partition: int
    offset: int
    reason: str = Field(max_length=2000)
    key: str | None
    value_base64: str


@dataclass(frozen=True)
class TopicContract:
    topic: Topic
    carries: tuple[type[BaseModel], ...]
    publishers: tuple[str, ...]
    consumers: tuple[str, ...]


# THE table: which service writes and which reads each topic. "kczg-cli" is the operator CLI.
CONTRACTS: tuple[TopicContract, ...] = (
    TopicContract(CAMPAIGNS, (ev.CampaignOpened, ev.CampaignTimelineChanged),
                  publishers=("kczg-cli",), consumers=("intake", "quota", "review", "publish", "notify")),
    TopicContract(NOMINATIONS, (ev.UnitRegistered, ev.UnitChannelsChanged, ev.NominationSubmitted,
                                ev.NominationAmended, ev.NominationWithdrawn, ev.NominationScreened,
                                ev.NominationReturned, ev.NominationResubmitted, ev.WithdrawalRequested,
                                ev.WithdrawalRefused),
                  publishers=("intake", "quota", "review"),
                  consumers=("intake", "quota", "review", "publish", "notify")),
    TopicContract(QUOTA, (ev.QuotaReserved, ev.QuotaRejected, ev.QuotaReleased),
                  publishers=("quota",), consumers=("intake", "review", "publish", "notify")),
    TopicContract(APPLICATIONS, (ev.ApplicationSaved, ev.ApplicationSentToUnit, ev.ApplicationReturned,
                                 ev.ApplicationDeclined),
                  publishers=("intake",), consumers=("intake",)),
    TopicContract(REVIEW, (ev.ReviewPlanFiled, ev.ReviewPlanConfirmed, ev.ExpertAssigned, ev.ExpertUnassigned,
                           ev.ConflictDeclared, ev.ExpertScoreRecorded,
                           ev.PrelimScored, ev.PrelimResultsSubmitted, ev.FinalDecisionRecorded, ev.SeatShortfallRecorded,
                           ev.ReReviewOpened, ev.ReReviewClosed, ev.PlanAcknowledged, ev.PlanReturned),
                  publishers=("review",), consumers=("intake", "publish", "notify")),
    TopicContract(PUBLISH, (ev.PublicNoticeOpened, ev.ObjectionFiled, ev.ObjectionResolved, ev.ListPublished,
                           ev.EntriesCorrected, ev.NewsPublished, ev.MatchRequested, ev.MatchTriaged, ev.MatchConsented,
                           ev.MatchDeclined, ev.MatchIntroduced, ev.MatchOutcomeRecorded, ev.PackageSent),
                  publishers=("publish",), consumers=("intake", "review", "publish")),
    TopicContract(DEADLETTER, (DeadLetterRecord,),
                  publishers=("intake", "quota", "review", "publish", "notify"), consumers=("kczg-cli",)),
)


def table_problems() -> list[str]:
    """The table must name every topic once and put every event class on exactly one topic."""
    out = [f"topic {t.base} missing from CONTRACTS" for t in ALL_TOPICS if t not in [c.topic for c in CONTRACTS]]
    placed = [cls for c in CONTRACTS for cls in c.carries if issubclass(cls, ev.Event)]
    out += [f"{cls.__name__} is on no topic" for cls in ev.EVENT_CLASSES if cls not in placed]
    out += [f"{cls.__name__} is on several topics" for cls in set(placed) if placed.count(cls) > 1]
    return out


def _payload(contract: TopicContract) -> Any:
    if len(contract.carries) == 1:
        return contract.carries[0]
    return Annotated[Union[contract.carries], Field(discriminator="type")]  # type: ignore[valid-type]


def build_broker() -> Any:
    """A never-started KafkaBroker that declares every topic contract (for the document only)."""
    from faststream.kafka import KafkaBroker

    broker = KafkaBroker(SERVER, description="Apache Kafka (KRaft); every topic has unlimited retention")
    for contract in CONTRACTS:
        payload, topic = _payload(contract), contract.topic
        names = ", ".join(cls.__name__ for cls in contract.carries)
        for service in contract.publishers:
            broker.publisher(topic.base, title=f"{topic.base}:publish:{service}", schema=payload,
                             description=f"{service} writes {names}. {topic.partitions} partition(s); "
                                         f"{topic.carries}")
        for service in contract.consumers:
            broker.subscriber(topic.base, group_id=service, title=f"{topic.base}:consume:{service}",
                              description=f"{service} reads {names}")(_handler(payload))
    return broker


def _handler(payload: Any) -> Any:
    async def handler(event: Any) -> None:  # never runs: it only carries the payload type
        return None

    # Set after definition: postponed (string) annotations could not see the local `payload`.
    handler.__annotations__ = {"event": payload, "return": None}
    return handler


def asyncapi_document() -> dict[str, Any]:
    from faststream.specification import AsyncAPI

    spec = AsyncAPI(build_broker(), title=TITLE, version=VERSION,
                    description="Topics, the events each carries (JSON, one pydantic model per type, "
                                "discriminated by `type`), and which service publishes and consumes them.")
    return spec.to_specification().to_jsonable()


def asyncapi_yaml() -> str:
    """The document, deterministic: sorted keys, Chinese kept readable."""
    return yaml.safe_dump(asyncapi_document(), sort_keys=True, allow_unicode=True, width=120)
