"""The review views' projection: one pure fold per event type, the same for live views and rebuilds.

kczg.nominations carries the nominations' content, withdrawals and screenings (keyed by unit);
kczg.quota the quota decisions; kczg.review, keyed by target (campaign:list:domain), the plans and
their confirmations, the panel, conflicts, scores, preliminary results and final decisions; kczg.publish
when a list's public notice opened and the nominations it listed (their decisions are final from then on). Units' names come with
their registrations on kczg.nominations.
"""

from __future__ import annotations

import msgspec

from contracts.events import target_key
from contracts.topics import NOMINATIONS, PUBLISH, QUOTA, REVIEW
from eventlog.projection.engine import Projection, ViewBatch
from eventlog.projection.view_table import micros

from . import review_events as ev
from .review_tables import (ASSIGNMENT, ATTACHMENTS, CONFIRMATION, CONFLICT, CONTENT, DECISION, NOMINATIONS as
                            NOMINATION_ROWS, PANEL, PLAN, PRELIM, QUOTA as QUOTA_COLUMNS, RE_REVIEW, RESUBMITTED,
                            RECEIPT, RESULTS, SCORE, SCREENING, SHORTFALL,
                            SUBMITTED_AT, TARGET, TARGETS, UNIT_NAME, UNITS, WITHDRAWN_AT, NOTICE_OPENED, NOTICED, NOTICES,
                            WITHDRAWAL_REQUEST)

RESERVE, RELEASE = 0, 1  # quota phases within one revision
OPENED, CLOSED = 0, 1    # re-review phases within one instant
_json = msgspec.json.Encoder(decimal_format="string").encode  # decimals stay strings: "87.50", never 87.5


def json_text(value) -> str:
    return _json(value).decode()


def nomination_submitted(view: ViewBatch, e: ev.NominationSubmitted) -> None:
    nominations = view.nominations
    nominations.latest(CONTENT, e.nomination_id, (e.revision, e.event_id),
                       (e.campaign, e.unit_id, e.list_code, e.domain, e.title, json_text(e.form)))
    nominations.latest(ATTACHMENTS, e.nomination_id, (e.revision, e.event_id),
                       (json_text(e.attachments), list(e.channels)))
    nominations.least(SUBMITTED_AT, e.nomination_id, micros(e.occurred_at))


def nomination_amended(view: ViewBatch, e: ev.NominationAmended) -> None:
    view.nominations.latest(CONTENT, e.nomination_id, (e.revision, e.event_id),
                            (e.campaign, e.unit_id, e.list_code, e.domain, e.title, json_text(e.form)))


def nomination_withdrawn(view: ViewBatch, e: ev.NominationWithdrawn) -> None:
    view.nominations.least(WITHDRAWN_AT, e.nomination_id, micros(e.occurred_at))


VERDICT = 1_000_000  # a pass or a fail orders after every return for correction (numbered by round from 1)


def nomination_screened(view: ViewBatch, e: ev.NominationScreened) -> None:
    view.nominations.latest(SCREENING, e.nomination_id, (VERDICT, micros(e.occurred_at), e.event_id),
                            (e.passed, list(e.reasons), None, None))


def nomination_returned(view: ViewBatch, e: ev.NominationReturned) -> None:
    view.nominations.latest(SCREENING, e.nomination_id, (e.round, micros(e.occurred_at), e.event_id),
                            (None, list(e.reasons), micros(e.correction_due_at), e.round))


def withdrawal_requested(view: ViewBatch, e: ev.WithdrawalRequested) -> None:
    view.nominations.latest(WITHDRAWAL_REQUEST, e.nomination_id, (e.event_id,), (micros(e.occurred_at), e.reason))


def nomination_resubmitted(view: ViewBatch, e: ev.NominationResubmitted) -> None:
    view.nominations.latest(RESUBMITTED, e.nomination_id, (e.round, e.event_id), (micros(e.occurred_at),))


def quota_reserved(view: ViewBatch, e: ev.QuotaReserved) -> None:
    view.nominations.latest(QUOTA_COLUMNS, e.nomination_id, (e.revision, RESERVE, e.event_id), ("reserved", None))


def quota_rejected(view: ViewBatch, e: ev.QuotaRejected) -> None:
    if e.keeps_previous:
        return  # an amendment's move was refused: the earlier reservation stands
    view.nominations.latest(QUOTA_COLUMNS, e.nomination_id, (e.revision, RESERVE, e.event_id), ("rejected", e.reason))


def quota_released(view: ViewBatch, e: ev.QuotaReleased) -> None:
    view.nominations.latest(QUOTA_COLUMNS, e.nomination_id, (e.revision, RELEASE, e.event_id), ("released", e.reason))


def prelim_scored(view: ViewBatch, e: ev.PrelimScored) -> None:
    view.nominations.latest(PRELIM, e.nomination_id, (micros(e.occurred_at), e.event_id),
                            (e.aggregate, e.raw_sum, e.rank, e.expert_count, e.method, e.divergent))


def final_decision_recorded(view: ViewBatch, e: ev.FinalDecisionRecorded) -> None:
    view.nominations.latest(DECISION, e.nomination_id, (e.revision, micros(e.occurred_at), e.event_id),
                            (e.selected, e.note, json_text(e.vote) if e.vote else None, e.sitting_id))


def _name_target(view: ViewBatch, e: ev.ReviewPlanFiled | ev.ReviewPlanConfirmed | ev.PrelimResultsSubmitted,
                 version: tuple) -> str:
    key = target_key(e.campaign, e.list_code, e.domain)
    view.targets.latest(TARGET, key, version, (e.campaign, e.list_code, e.domain))
    return key


def review_plan_filed(view: ViewBatch, e: ev.ReviewPlanFiled) -> None:
    version = (micros(e.occurred_at), e.event_id)
    view.targets.latest(PLAN, _name_target(view, e, version), version,
                        (e.body_code, e.experts_per_item, json_text(e.criteria), e.score_min, e.score_max,
                         e.aggregation, e.trim_min_scores, e.divergence_threshold, json_text(e.tie_break),
                         e.max_load, len(e.roster), e.extends,
                         json_text(e.document) if e.document is not None else None))


def review_plan_confirmed(view: ViewBatch, e: ev.ReviewPlanConfirmed) -> None:
    version = (micros(e.occurred_at), e.event_id)
    view.targets.latest(CONFIRMATION, _name_target(view, e, version), version, (e.body_code, e.plan_event_id))


def plan_receipt(view: ViewBatch, e: ev.PlanAcknowledged | ev.PlanReturned) -> None:
    version = (micros(e.occurred_at), e.event_id)
    returned = isinstance(e, ev.PlanReturned)
    view.targets.latest(RECEIPT, _name_target(view, e, version), version,
                        (e.plan_event_id, returned, list(e.reasons) if returned else [], "" if returned else e.note))


def prelim_results_submitted(view: ViewBatch, e: ev.PrelimResultsSubmitted) -> None:
    version = (micros(e.occurred_at), e.event_id)
    view.targets.latest(RESULTS, _name_target(view, e, version), version,
                        (e.body_code, e.late, len(e.ranked), json_text(e.gaps)))


def expert_assigned(view: ViewBatch, e: ev.ExpertAssigned) -> None:
    # The envelope key is the target key; the fields name it too on every event since v1 of the service.
    key = target_key(e.campaign, e.list_code, e.domain) if e.list_code else e.key
    view.panel.latest(ASSIGNMENT, (e.nomination_id, e.expert_id), (micros(e.occurred_at), e.event_id),
                      (True, e.body_code, key, e.solver_input_hash))


def expert_unassigned(view: ViewBatch, e: ev.ExpertUnassigned) -> None:
    view.panel.latest(ASSIGNMENT, (e.nomination_id, e.expert_id), (micros(e.occurred_at), e.event_id),
                      (False, e.body_code, target_key(e.campaign, e.list_code, e.domain), None))


def conflict_declared(view: ViewBatch, e: ev.ConflictDeclared) -> None:
    view.panel.latest(CONFLICT, (e.nomination_id, e.expert_id), (micros(e.occurred_at), e.event_id),
                      (e.reason_code, e.reason))


def seat_shortfall_recorded(view: ViewBatch, e: ev.SeatShortfallRecorded) -> None:
    view.nominations.latest(SHORTFALL, e.nomination_id, (micros(e.occurred_at), e.event_id),
                            (e.seats_needed, e.eligible, e.max_load, e.experts_needed, e.max_load_needed, e.left_by))


def re_review_opened(view: ViewBatch, e: ev.ReReviewOpened) -> None:
    view.nominations.latest(RE_REVIEW, e.nomination_id, (micros(e.occurred_at), OPENED, e.event_id),
                            (True, e.spread, e.threshold, None, e.reason))


def re_review_closed(view: ViewBatch, e: ev.ReReviewClosed) -> None:
    view.nominations.latest(RE_REVIEW, e.nomination_id, (micros(e.occurred_at), CLOSED, e.event_id),
                            (False, e.spread, e.threshold, e.cleared, e.reason))


def expert_score_recorded(view: ViewBatch, e: ev.ExpertScoreRecorded) -> None:
    view.panel.latest(SCORE, (e.nomination_id, e.expert_id), (e.revision, micros(e.occurred_at), e.event_id),
                      (json_text(e.scores), e.total))


def unit_registered(view: ViewBatch, e: ev.UnitRegistered) -> None:
    view.units.latest(UNIT_NAME, (e.campaign, e.unit_id), (micros(e.occurred_at), e.event_id), (e.name,))


def public_notice_opened(view: ViewBatch, e: ev.PublicNoticeOpened) -> None:
    opened = micros(e.occurred_at)
    view.notices.least(NOTICE_OPENED, (e.campaign, e.list_code), opened)
    for nomination_id in e.nominations:  # what the notice lists is what it makes final
        view.nominations.least(NOTICED, nomination_id, opened)


FOLDS = {
    ev.UnitRegistered: unit_registered,
    ev.PublicNoticeOpened: public_notice_opened,
    ev.NominationSubmitted: nomination_submitted,
    ev.NominationAmended: nomination_amended,
    ev.NominationWithdrawn: nomination_withdrawn,
    ev.NominationScreened: nomination_screened,
    ev.NominationReturned: nomination_returned,
    ev.NominationResubmitted: nomination_resubmitted,
    ev.WithdrawalRequested: withdrawal_requested,
    ev.QuotaReserved: quota_reserved,
    ev.QuotaRejected: quota_rejected,
    ev.QuotaReleased: quota_released,
    ev.ReviewPlanFiled: review_plan_filed,
    ev.ReviewPlanConfirmed: review_plan_confirmed,
    ev.PlanAcknowledged: plan_receipt,
    ev.PlanReturned: plan_receipt,
    ev.ExpertAssigned: expert_assigned,
    ev.ExpertUnassigned: expert_unassigned,
    ev.ConflictDeclared: conflict_declared,
    ev.ExpertScoreRecorded: expert_score_recorded,
    ev.SeatShortfallRecorded: seat_shortfall_recorded,
    ev.ReReviewOpened: re_review_opened,
    ev.ReReviewClosed: re_review_closed,
    ev.PrelimScored: prelim_scored,
    ev.PrelimResultsSubmitted: prelim_results_submitted,
    ev.FinalDecisionRecorded: final_decision_recorded,
}

REVIEW_VIEWS = Projection(name="review.views", schema="review_views", topics=(NOMINATIONS, QUOTA, REVIEW, PUBLISH),
                          tables=(NOMINATION_ROWS, TARGETS, PANEL, UNITS, NOTICES), folds=FOLDS, version=6)
