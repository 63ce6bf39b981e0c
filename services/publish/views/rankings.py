"""The ranking views' projection: one pure fold per event type, the same for live views and rebuilds.

Topic kczg.nominations carries each unit's registry events and its nominations; kczg.quota the
quota decisions; kczg.review scores, preliminary results and final decisions; kczg.publish the
lists' public notices (which targets each covers) and the published lists (when each entry is public, and
when a correction revoked it); kczg.campaigns the campaign, whose bodies of separately organised lists are those
lists' recommending units, named as units are. A nomination's channels are those its submission carried;
for submissions that carried none (written before NominationSubmitted had `channels`), its unit's current ones
(UnitRegistered / UnitChannelsChanged).
"""

from __future__ import annotations

from contracts.topics import CAMPAIGNS, NOMINATIONS, PUBLISH, QUOTA, REVIEW
from eventlog.projection.engine import Projection, ViewBatch
from eventlog.projection.view_table import micros

from ..domain.nominators import nominating_bodies_of
from . import ranking_events as ev
from .ranking_tables import (CONTENT, DECISION, NOTICE, NOTICES, PRELIM, PUBLIC_FROM, PUBLISHED_AT, REVOKED_FROM,
                             QUOTA as QUOTA_COLUMNS, RECOMMENDATION, SCREENING, SUBMITTED_AT, SUBMITTED_CHANNELS,
                             UNIT_CHANNELS, UNIT_NAME, UNITS, WITHDRAWN_AT, NOMINATIONS as NOMINATION_ROWS)

RESERVE, RELEASE = 0, 1  # quota phases within one revision


def nomination_submitted(view: ViewBatch, e: ev.NominationSubmitted) -> None:
    view.nominations.latest(CONTENT, e.nomination_id, (e.revision, e.event_id),
                            (e.campaign, e.unit_id, e.list_code, e.domain, e.title))
    view.nominations.least(SUBMITTED_AT, e.nomination_id, micros(e.occurred_at))
    if e.channels:
        view.nominations.latest(SUBMITTED_CHANNELS, e.nomination_id, (e.revision, e.event_id), (list(e.channels),))


def nomination_amended(view: ViewBatch, e: ev.NominationAmended) -> None:
    view.nominations.latest(CONTENT, e.nomination_id, (e.revision, e.event_id),
                            (e.campaign, e.unit_id, e.list_code, e.domain, e.title))


def nomination_withdrawn(view: ViewBatch, e: ev.NominationWithdrawn) -> None:
    view.nominations.least(WITHDRAWN_AT, e.nomination_id, micros(e.occurred_at))


def nomination_screened(view: ViewBatch, e: ev.NominationScreened) -> None:
    view.nominations.latest(SCREENING, e.nomination_id, (micros(e.occurred_at), e.event_id), (e.passed,))


def quota_reserved(view: ViewBatch, e: ev.QuotaReserved) -> None:
    view.nominations.latest(QUOTA_COLUMNS, e.nomination_id, (e.revision, RESERVE, e.event_id),
                            ("reserved", e.slot, e.limit, e.used, None))


def quota_rejected(view: ViewBatch, e: ev.QuotaRejected) -> None:
    if e.keeps_previous:
        return  # an amendment's move was refused: the earlier reservation stands
    view.nominations.latest(QUOTA_COLUMNS, e.nomination_id, (e.revision, RESERVE, e.event_id),
                            ("rejected", None, e.limit, e.used, e.reason))


def quota_released(view: ViewBatch, e: ev.QuotaReleased) -> None:
    view.nominations.latest(QUOTA_COLUMNS, e.nomination_id, (e.revision, RELEASE, e.event_id),
                            ("released", None, None, e.used, e.reason))


def prelim_scored(view: ViewBatch, e: ev.PrelimScored) -> None:
    view.nominations.latest(PRELIM, e.nomination_id, (micros(e.occurred_at), e.event_id),
                            # a display column: two-place decimals are exact enough as doubles
                            (float(e.aggregate), float(e.raw_sum), e.rank, e.expert_count, e.method))


def prelim_results_submitted(view: ViewBatch, e: ev.PrelimResultsSubmitted) -> None:
    version = (micros(e.occurred_at), e.event_id)
    for rank, nomination_id in enumerate(e.ranked, start=1):
        view.nominations.latest(RECOMMENDATION, nomination_id, version, (rank, e.late, e.body_code))


def final_decision_recorded(view: ViewBatch, e: ev.FinalDecisionRecorded) -> None:
    view.nominations.latest(DECISION, e.nomination_id, (e.revision, micros(e.occurred_at), e.event_id),
                            (e.selected, e.note))


def list_published(view: ViewBatch, e: ev.ListPublished) -> None:
    published_at = micros(e.published_at)
    public_from = micros(e.public_at) if e.public_at is not None else published_at  # embargoed until public_at
    for entry in e.entries:
        view.nominations.least(PUBLISHED_AT, entry.nomination_id, published_at)
        view.nominations.least(PUBLIC_FROM, entry.nomination_id, public_from)
    for correction in e.corrections:  # revoked (撤销) by this version, from when it is public
        if correction.revoked:
            view.nominations.least(REVOKED_FROM, correction.nomination_id, public_from)


def public_notice_opened(view: ViewBatch, e: ev.PublicNoticeOpened) -> None:
    view.notices.latest(NOTICE, e.event_id, (micros(e.occurred_at),),
                        (e.campaign, e.list_code, [o.domain or "" for o in e.omitted]))


def unit_registered(view: ViewBatch, e: ev.UnitRegistered) -> None:
    key, version = (e.campaign, e.unit_id), (micros(e.occurred_at), e.event_id)
    view.units.latest(UNIT_NAME, key, version, (e.name,))
    view.units.latest(UNIT_CHANNELS, key, version, (list(e.channels),))


def campaign_opened(view: ViewBatch, e: ev.CampaignOpened) -> None:
    for code, name in nominating_bodies_of(e.definition):  # a separately organised list's 推荐单位
        view.units.latest(UNIT_NAME, (e.campaign, code), (micros(e.occurred_at), e.event_id), (name,))


def unit_channels_changed(view: ViewBatch, e: ev.UnitChannelsChanged) -> None:
    key, version = (e.campaign, e.unit_id), (micros(e.occurred_at), e.event_id)
    view.units.latest(UNIT_CHANNELS, key, version, (list(e.channels),))


FOLDS = {
    ev.CampaignOpened: campaign_opened,
    ev.UnitRegistered: unit_registered,
    ev.UnitChannelsChanged: unit_channels_changed,
    ev.NominationSubmitted: nomination_submitted,
    ev.NominationAmended: nomination_amended,
    ev.NominationWithdrawn: nomination_withdrawn,
    ev.NominationScreened: nomination_screened,
    ev.QuotaReserved: quota_reserved,
    ev.QuotaRejected: quota_rejected,
    ev.QuotaReleased: quota_released,
    ev.PrelimScored: prelim_scored,
    ev.PrelimResultsSubmitted: prelim_results_submitted,
    ev.FinalDecisionRecorded: final_decision_recorded,
    ev.ListPublished: list_published,
    ev.PublicNoticeOpened: public_notice_opened,
}

RANKINGS = Projection(name="publish.rankings", schema="publish_rankings",
                      topics=(CAMPAIGNS, NOMINATIONS, QUOTA, REVIEW, PUBLISH),
                      tables=(NOMINATION_ROWS, UNITS, NOTICES), folds=FOLDS, version=6)
