"""The matching view (资源对接): one row per request, and one per targeted package, from the publish topic.

Never a contact: the contacts are read from the write side's table and revealed with their people's keys
(store.match_contacts), only to whom the rules allow. Each column group is set by one event kind, so the rows
are the same whatever order the events arrive in; the status is derived by the database.
"""

from __future__ import annotations

from datetime import datetime

from contracts.topics import PUBLISH
from eventlog.consume.event_decoding import ViewEvent
from eventlog.projection.engine import Projection, ViewBatch
from eventlog.projection.view_table import Column as C, LatestBy, Least, ViewTable, micros


class MatchRequested(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    campaign: str
    match_id: str
    nomination_id: str
    list_code: str
    domain: str | None = None
    title: str
    holder_unit: str
    holder_org: str | None = None
    requester: str
    organisation: str
    kind: str
    need: str
    region: str
    package_id: str | None = None


class MatchTriaged(ViewEvent, kw_only=True):
    occurred_at: datetime
    match_id: str
    accepted: bool
    reason: str | None = None
    note: str = ""


class MatchDeclined(ViewEvent, kw_only=True):
    occurred_at: datetime
    match_id: str
    note: str = ""


class MatchIntroduced(ViewEvent, kw_only=True):
    occurred_at: datetime
    match_id: str


class MatchOutcomeRecorded(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    match_id: str
    outcome: str
    note: str = ""
    revision: int = 1


class PackageSent(ViewEvent, kw_only=True):
    event_id: str
    occurred_at: datetime
    campaign: str
    package_id: str
    audience: str
    list_code: str | None = None
    domain: str | None = None
    region: str | None = None
    keyword: str | None = None
    entries: tuple[str, ...]


def _event_id(name: str) -> C:
    return C(name, 'text COLLATE "C"')


REQUEST = LatestBy((C("requested_at", "timestamptz"),),
                   (C("campaign", "text"), C("nomination_id", "uuid"), C("list_code", "text"), C("domain", "text"),
                    C("title", "text"), C("holder_unit", "text"), C("holder_org", "text"), C("requester", "text"),
                    C("organisation", "text"), C("kind", "text"), C("need", "text"), C("region", "text"),
                    C("package_id", "uuid")))
TRIAGE = LatestBy((C("triaged_at", "timestamptz"),), (C("accepted", "boolean"), C("decline_reason", "text"),
                                                       C("triage_note", "text")))
HOLDER_DECLINED = Least(C("holder_declined_at", "timestamptz"))
INTRODUCED = Least(C("introduced_at", "timestamptz"))
# Outcomes over time: the latest counts (by the request's count of them, then its id).
OUTCOME = LatestBy((C("outcome_revision", "integer"), _event_id("outcome_event")),
                   (C("outcome", "text"), C("outcome_note", "text"), C("outcome_at", "timestamptz")))
_STATUS = """status text GENERATED ALWAYS AS (CASE
    WHEN outcome IS NOT NULL THEN 'outcome_' || outcome
    WHEN introduced_at IS NOT NULL THEN 'introduced'
    WHEN holder_declined_at IS NOT NULL THEN 'holder_declined'
    WHEN accepted THEN 'accepted'
    WHEN NOT accepted THEN 'declined'
    ELSE 'requested' END) STORED"""
REQUESTS = ViewTable("requests", key=(C("match_id", "uuid"),),
                     groups=(REQUEST, TRIAGE, HOLDER_DECLINED, INTRODUCED, OUTCOME), generated=(_STATUS,),
                     indexes=("CREATE INDEX {name}_by_requester ON {table} (campaign, requester)",
                              "CREATE INDEX {name}_by_holder ON {table} (campaign, holder_unit)"))

PACKAGE = LatestBy((C("sent_at", "timestamptz"),),
                   (C("campaign", "text"), C("audience", "text"), C("list_code", "text"), C("domain", "text"),
                    C("region", "text"), C("keyword", "text"), C("entries", "text[]")))
PACKAGES = ViewTable("packages", key=(C("package_id", "uuid"),), groups=(PACKAGE,))


def match_requested(view: ViewBatch, e: MatchRequested) -> None:
    view.requests.latest(REQUEST, e.match_id, (micros(e.occurred_at),),
                         (e.campaign, e.nomination_id, e.list_code, e.domain, e.title, e.holder_unit, e.holder_org,
                          e.requester, e.organisation, e.kind, e.need, e.region, e.package_id))


def match_triaged(view: ViewBatch, e: MatchTriaged) -> None:
    view.requests.latest(TRIAGE, e.match_id, (micros(e.occurred_at),), (e.accepted, e.reason, e.note))


def match_declined(view: ViewBatch, e: MatchDeclined) -> None:
    view.requests.least(HOLDER_DECLINED, e.match_id, micros(e.occurred_at))


def match_introduced(view: ViewBatch, e: MatchIntroduced) -> None:
    view.requests.least(INTRODUCED, e.match_id, micros(e.occurred_at))


def match_outcome_recorded(view: ViewBatch, e: MatchOutcomeRecorded) -> None:
    view.requests.latest(OUTCOME, e.match_id, (e.revision, e.event_id), (e.outcome, e.note, micros(e.occurred_at)))


def package_sent(view: ViewBatch, e: PackageSent) -> None:
    view.packages.latest(PACKAGE, e.package_id, (micros(e.occurred_at),),
                         (e.campaign, e.audience, e.list_code, e.domain, e.region, e.keyword, list(e.entries)))


MATCHING = Projection(name="publish.matching", schema="publish_matching", topics=(PUBLISH,),
                      tables=(REQUESTS, PACKAGES),
                      folds={MatchRequested: match_requested, MatchTriaged: match_triaged,
                             MatchDeclined: match_declined, MatchIntroduced: match_introduced,
                             MatchOutcomeRecorded: match_outcome_recorded, PackageSent: package_sent})
