"""The release facts: what the publish service's decisions and public pages read of the log.

- entries: per nomination its content by revision (title, holder organisation from the form), whether
  it was withdrawn, and the latest event of each stage (quota, screening, prelim, final decision by
  revision), whose ids a published entry's trace carries;
- units: each recommending unit's name (a separately organised list's body too, as the campaign names it);
  plans: each body's filed review method per target;
  results: each target's submitted preliminary results (the nominations ranked), which the notice waits for;
- notices: every PublicNoticeOpened; versions: every ListPublished, its entries and corrections as the event
  has them and the instant it becomes public (an embargo); corrections: every EntriesCorrected (before a
  release), which the notice page shows.

The same pure folds serve the live view and every rebuild (eventlog.projection.engine), and every column
group merges by a rule that commutes, so any interleaving of the four topics gives the same rows.
"""

from __future__ import annotations

import msgspec

from contracts.topics import CAMPAIGNS, NOMINATIONS, PUBLISH, QUOTA, REVIEW
from eventlog.projection.engine import Projection, ViewBatch
from eventlog.projection.view_table import Column as C, LatestBy, Least, ViewTable, micros

from ..domain.holder import holder_org
from ..domain.nominators import nominating_bodies_of
from ..domain.publication import region_of, shown_fields
from . import release_events as ev


def event_id(name: str) -> C:
    return C(name, 'text COLLATE "C"')


CONTENT = LatestBy((C("revision", "integer"), event_id("content_event")),
                   (C("campaign", "text"), C("unit_id", "text"), C("list_code", "text"), C("domain", "text"),
                    C("title", "text"), C("holder_org", "text"), C("region", "text"), C("shown", "text")))
WITHDRAWN_AT = Least(C("withdrawn_at", "timestamptz"))
QUOTA_EVENT = LatestBy((C("quota_revision", "integer"), C("quota_phase", "smallint"), event_id("quota_event")),
                       (C("quota_outcome", "text"),))
SCREENING = LatestBy((C("screened_at", "timestamptz"), event_id("screening_event")), (C("screening_passed", "boolean"),))
PRELIM = LatestBy((C("prelim_at", "timestamptz"), event_id("prelim_event")), (C("prelim_rank", "integer"),))
# A later decision on the same nomination replaces an earlier one: by revision, then time, then id.
DECISION = LatestBy((C("decision_revision", "integer"), C("decided_at", "timestamptz"), event_id("decision_event")),
                    (C("decision_campaign", "text"), C("decision_list", "text"), C("decision_domain", "text"),
                     C("selected", "boolean")))
ENTRIES = ViewTable("entries", key=(C("nomination_id", "uuid"),),
                    groups=(CONTENT, WITHDRAWN_AT, QUOTA_EVENT, SCREENING, PRELIM, DECISION),
                    indexes=("CREATE INDEX {name}_by_decision ON {table} (decision_campaign, decision_list)",))

UNIT_NAME = LatestBy((C("registered_at", "timestamptz"), event_id("registration_event")), (C("name", "text"),))
UNITS = ViewTable("units", key=(C("campaign", "text"), C("unit_id", "text")), groups=(UNIT_NAME,))

PLAN = LatestBy((C("filed_at", "timestamptz"), event_id("plan_event")),
                (C("criteria", "text"), C("aggregation", "text"), C("tie_break", "text[]")))
PLANS = ViewTable("plans", key=(C("campaign", "text"), C("body_code", "text"), C("list_code", "text"),
                                C("domain", "text")), groups=(PLAN,))

# A body's submitted preliminary results per target ("" for a list without domains): what the notice waits for.
RESULTS = LatestBy((C("results_at", "timestamptz"), event_id("results_event")),
                   (C("body_code", "text"), C("ranked", "uuid[]")))
TARGET_RESULTS = ViewTable("results", key=(C("campaign", "text"), C("list_code", "text"), C("domain", "text")),
                           groups=(RESULTS,))

NOTICE = LatestBy((event_id("notice_event"),),
                  (C("campaign", "text"), C("list_code", "text"), C("opens_at", "timestamptz"),
                   C("closes_at", "timestamptz"), C("nominations", "uuid[]")))
NOTICES = ViewTable("notices", key=(C("notice_id", "uuid"),), groups=(NOTICE,),
                    indexes=("CREATE INDEX {name}_by_list ON {table} (campaign, list_code)",))

VERSION = LatestBy((event_id("version_event"),),
                   (C("published_at", "timestamptz"), C("released_on", "date"), C("reason", "text"),
                    C("entries", "text"), C("public_at", "timestamptz"), C("corrections", "text")))
VERSIONS = ViewTable("versions", key=(C("campaign", "text"), C("list_code", "text"), C("version", "integer")),
                     groups=(VERSION,))

# Corrections made before a list's release (EntriesCorrected): the notice page shows them.
CORRECTED = LatestBy((C("corrected_at", "timestamptz"),),
                     (C("campaign", "text"), C("list_code", "text"), C("reason", "text"), C("corrections", "text")))
CORRECTIONS = ViewTable("corrections", key=(C("correction_event", "uuid"),), groups=(CORRECTED,),
                        indexes=("CREATE INDEX {name}_by_list ON {table} (campaign, list_code, corrected_at)",))

# Every published version's entries, one row each, for the public entry pages, their search and statistics: an
# entry is listed while the current public version of its list holds it (public.py joins the versions).
# `search` is the text a keyword is looked for in (ILIKE; README, publish: why not pg_trgm).
LISTED_ROW = LatestBy((event_id("listed_event"),),
                      (C("title", "text"), C("domain", "text"), C("holder_org", "text"), C("unit_id", "text"),
                       C("unit_name", "text"), C("region", "text"), C("shown", "text"), C("search", "text")))
LISTED = ViewTable("listed", key=(C("campaign", "text"), C("list_code", "text"), C("version", "integer"),
                                  C("nomination_id", "uuid")), groups=(LISTED_ROW,),
                   indexes=("CREATE INDEX {name}_by_entry ON {table} (nomination_id)",))

# News items of 宣传推广 (NewsPublished): the public site and the feed show them inside the publicity window.
NEWS_ITEM = LatestBy((event_id("news_event"),),
                     (C("campaign", "text"), C("title", "text"), C("body", "text"), C("publish_at", "timestamptz"),
                      C("recorded_at", "timestamptz")))
NEWS = ViewTable("news", key=(C("news_id", "uuid"),), groups=(NEWS_ITEM,),
                 indexes=("CREATE INDEX {name}_by_campaign ON {table} (campaign, publish_at)",))

RESERVE, RELEASE = 0, 1  # quota phases within one revision
_entries_json = msgspec.json.Encoder()


def content(view: ViewBatch, e: ev.NominationSubmitted | ev.NominationAmended) -> None:
    view.entries.latest(CONTENT, e.nomination_id, (e.revision, e.event_id),
                        (e.campaign, e.unit_id, e.list_code, e.domain, e.title, holder_org(e.list_code, e.form),
                         region_of(e.form), _entries_json.encode(shown_fields(e.list_code, e.form)).decode()))


def withdrawn(view: ViewBatch, e: ev.NominationWithdrawn) -> None:
    view.entries.least(WITHDRAWN_AT, e.nomination_id, micros(e.occurred_at))


def screened(view: ViewBatch, e: ev.NominationScreened) -> None:
    view.entries.latest(SCREENING, e.nomination_id, (micros(e.occurred_at), e.event_id), (e.passed,))


def reserved(view: ViewBatch, e: ev.QuotaReserved) -> None:
    view.entries.latest(QUOTA_EVENT, e.nomination_id, (e.revision, RESERVE, e.event_id), ("reserved",))


def rejected(view: ViewBatch, e: ev.QuotaRejected) -> None:
    if not e.keeps_previous:  # a refused move leaves the earlier reservation standing
        view.entries.latest(QUOTA_EVENT, e.nomination_id, (e.revision, RESERVE, e.event_id), ("rejected",))


def released(view: ViewBatch, e: ev.QuotaReleased) -> None:
    view.entries.latest(QUOTA_EVENT, e.nomination_id, (e.revision, RELEASE, e.event_id), ("released",))


def scored(view: ViewBatch, e: ev.PrelimScored) -> None:
    view.entries.latest(PRELIM, e.nomination_id, (micros(e.occurred_at), e.event_id), (e.rank,))


def decided(view: ViewBatch, e: ev.FinalDecisionRecorded) -> None:
    view.entries.latest(DECISION, e.nomination_id, (e.revision, micros(e.occurred_at), e.event_id),
                        (e.campaign, e.list_code, e.domain, e.selected))


def unit_registered(view: ViewBatch, e: ev.UnitRegistered) -> None:
    view.units.latest(UNIT_NAME, (e.campaign, e.unit_id), (micros(e.occurred_at), e.event_id), (e.name,))


def campaign_opened(view: ViewBatch, e: ev.CampaignOpened) -> None:
    # A separately organised list's body is its entries' 推荐单位. Units register once their campaign is open,
    # so a unit registered under a body's code (none is, in practice) would name itself.
    for code, name in nominating_bodies_of(e.definition):
        view.units.latest(UNIT_NAME, (e.campaign, code), (micros(e.occurred_at), e.event_id), (name,))


def plan_filed(view: ViewBatch, e: ev.ReviewPlanFiled) -> None:
    criteria = msgspec.json.encode(e.criteria).decode()
    view.plans.latest(PLAN, (e.campaign, e.body_code, e.list_code, e.domain or ""),
                      (micros(e.occurred_at), e.event_id), (criteria, e.aggregation, list(e.tie_break)))


def results_submitted(view: ViewBatch, e: ev.PrelimResultsSubmitted) -> None:
    view.results.latest(RESULTS, (e.campaign, e.list_code, e.domain or ""), (micros(e.occurred_at), e.event_id),
                        (e.body_code, list(e.ranked)))


def notice_opened(view: ViewBatch, e: ev.PublicNoticeOpened) -> None:
    view.notices.latest(NOTICE, e.notice_id, (e.event_id,),
                        (e.campaign, e.list_code, micros(e.opens_at), micros(e.closes_at), list(e.nominations)))


def list_published(view: ViewBatch, e: ev.ListPublished) -> None:
    view.versions.latest(VERSION, (e.campaign, e.list_code, e.version), (e.event_id,),
                         (micros(e.published_at), e.released_on, e.reason, _entries_json.encode(e.entries).decode(),
                          micros(e.public_at) if e.public_at else None, _entries_json.encode(e.corrections).decode()))
    listed(view, e)


def listed(view: ViewBatch, e: ev.ListPublished) -> None:
    for x in e.entries:
        shown = [[f.field, f.label, f.value] for f in x.shown]
        search = " ".join([x.title, x.holder_org or "", x.unit_name or "", *(f.value for f in x.shown)])
        view.listed.latest(LISTED_ROW, (e.campaign, e.list_code, e.version, x.nomination_id), (e.event_id,),
                           (x.title, x.domain, x.holder_org, x.unit_id, x.unit_name, x.region,
                            _entries_json.encode(shown).decode(), search))


def news_published(view: ViewBatch, e: ev.NewsPublished) -> None:
    view.news.latest(NEWS_ITEM, e.news_id, (e.event_id,),
                     (e.campaign, e.title, e.body, micros(e.publish_at), micros(e.occurred_at)))


def entries_corrected(view: ViewBatch, e: ev.EntriesCorrected) -> None:
    view.corrections.latest(CORRECTED, e.event_id, (micros(e.occurred_at),),
                            (e.campaign, e.list_code, e.reason, _entries_json.encode(e.corrections).decode()))


FOLDS = {
    ev.CampaignOpened: campaign_opened,
    ev.UnitRegistered: unit_registered,
    ev.NominationSubmitted: content,
    ev.NominationAmended: content,
    ev.NominationWithdrawn: withdrawn,
    ev.NominationScreened: screened,
    ev.QuotaReserved: reserved,
    ev.QuotaRejected: rejected,
    ev.QuotaReleased: released,
    ev.PrelimScored: scored,
    ev.FinalDecisionRecorded: decided,
    ev.PrelimResultsSubmitted: results_submitted,
    ev.ReviewPlanFiled: plan_filed,
    ev.PublicNoticeOpened: notice_opened,
    ev.ListPublished: list_published,
    ev.EntriesCorrected: entries_corrected,
    ev.NewsPublished: news_published,
}

RELEASE_FACTS = Projection(name="publish.release_facts", schema="publish_facts",
                           topics=(CAMPAIGNS, NOMINATIONS, QUOTA, REVIEW, PUBLISH),
                           tables=(ENTRIES, UNITS, PLANS, TARGET_RESULTS, NOTICES, VERSIONS, CORRECTIONS, LISTED, NEWS),
                           folds=FOLDS, version=5)
