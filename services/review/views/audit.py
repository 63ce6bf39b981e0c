"""A nomination's audit: one row per event about it, from every topic that carries one — who acted (role,
organisation, person), when, why (the reasons the event states) and the few facts that say what it did.

Rows never change once written: an event is a fact. The order is the log's: by instant, then by place
(eventlog/projection/placed.py), so the events of one command read in the order the command made them;
an event another caused (a quota decision, by a submission) reads right after its cause
(audit_queries.py). An event about several nominations (results, a notice, a release) gives each its row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from contracts.topics import NOMINATIONS, PUBLISH, QUOTA, REVIEW
from eventlog.projection.engine import ViewBatch
from eventlog.projection.placed import PlacedProjection
from eventlog.projection.view_table import Column as C, LatestBy, Least, ViewTable, micros

from . import audit_events as ev

# The same for every sighting of one event: any rule that commutes would do.
EVENT = LatestBy((C("occurred_at", "timestamptz"),),
                 (C("event_type", "text"), C("actor_role", "text"), C("actor_org", "text"), C("actor_person", "text"),
                  C("reasons", "text[]"), C("facts", "jsonb"), C("caused_by", "uuid")))
# Where on the log it first appeared (a relay's re-publication of it comes later).
PLACE = Least(C("log_place", "bigint"))
EVENTS = ViewTable("events", key=(C("nomination_id", "uuid"), C("event_id", "uuid")), groups=(EVENT, PLACE))

Row = tuple[str, Iterable[str], dict[str, Any]]  # nomination id, reasons, facts
_json = msgspec.json.Encoder(decimal_format="string").encode  # decimals stay exact strings: "87.50"


def _one(nomination_id: str, *reasons: str, **facts: Any) -> list[Row]:
    return [(nomination_id, reasons, facts)]


ROWS: dict[type[ev.ViewEvent], Callable[[Any], list[Row]]] = {
    ev.NominationSubmitted: lambda e: _one(e.nomination_id, title=e.title, revision=e.revision),
    ev.NominationAmended: lambda e: _one(e.nomination_id, revision=e.revision, changed=sorted(e.diff)),
    ev.NominationWithdrawn: lambda e: _one(e.nomination_id, e.reason),
    ev.WithdrawalRequested: lambda e: _one(e.nomination_id, e.reason),
    ev.WithdrawalRefused: lambda e: _one(e.nomination_id, e.reason),
    ev.NominationScreened: lambda e: _one(e.nomination_id, *e.reasons, passed=e.passed),
    ev.NominationReturned: lambda e: _one(e.nomination_id, *e.reasons, round=e.round,
                                          correction_due_at=e.correction_due_at),
    ev.NominationResubmitted: lambda e: _one(e.nomination_id, round=e.round, revision=e.revision),
    ev.QuotaReserved: lambda e: _one(e.nomination_id, slot=e.slot, limit=e.limit, used=e.used, revision=e.revision),
    ev.QuotaRejected: lambda e: _one(e.nomination_id, e.message, reason=e.reason, revision=e.revision,
                                     keeps_previous=e.keeps_previous),
    ev.QuotaReleased: lambda e: _one(e.nomination_id, reason=e.reason, revision=e.revision),
    ev.ExpertAssigned: lambda e: _one(e.nomination_id, expert_id=e.expert_id, automatic=e.solver_input_hash is not None),
    ev.ExpertUnassigned: lambda e: _one(e.nomination_id, e.reason, expert_id=e.expert_id),
    ev.ConflictDeclared: lambda e: _one(e.nomination_id, e.reason, expert_id=e.expert_id, reason_code=e.reason_code),
    ev.SeatShortfallRecorded: lambda e: _one(e.nomination_id, seats_needed=e.seats_needed,
                                             experts_needed=e.experts_needed, max_load_needed=e.max_load_needed,
                                             left_by=e.left_by),
    ev.ExpertScoreRecorded: lambda e: _one(e.nomination_id, e.reason, expert_id=e.expert_id, total=e.total,
                                           revises=e.revises),
    ev.PrelimScored: lambda e: _one(e.nomination_id, aggregate=e.aggregate, rank=e.rank, divergent=e.divergent),
    ev.ReReviewOpened: lambda e: _one(e.nomination_id, e.reason, spread=e.spread, threshold=e.threshold,
                                      revisit=list(e.revisit), added=list(e.added)),
    ev.ReReviewClosed: lambda e: _one(e.nomination_id, e.reason, spread=e.spread, threshold=e.threshold,
                                      cleared=e.cleared),
    ev.PrelimResultsSubmitted: lambda e: [
        *((n, (), {"rank": rank, "late": e.late}) for rank, n in enumerate(e.ranked, start=1)),
        *((g.nomination_id, (g.note,), {"gap": g.reason, "late": e.late}) for g in e.gaps)],
    ev.FinalDecisionRecorded: lambda e: _one(e.nomination_id, e.note, selected=e.selected, revision=e.revision),
    ev.PublicNoticeOpened: lambda e: [(n, (), {"notice_id": e.notice_id, "closes_at": e.closes_at})
                                      for n in e.nominations],
    ev.ObjectionFiled: lambda e: _one(e.nomination_id, e.grounds, objection_id=e.objection_id),
    ev.ObjectionResolved: lambda e: _one(e.nomination_id, e.note, objection_id=e.objection_id, upheld=e.upheld),
    ev.ListPublished: lambda e: _published(e),
    ev.EntriesCorrected: lambda e: [(c.nomination_id, (e.reason, c.reason), _corrected(c)) for c in e.corrections],
}


def _corrected(c: ev.EntryCorrection) -> dict[str, Any]:
    return {"revoked": True} if c.revoked else {"corrected": [f.field for f in c.changes]}


def _published(e: ev.ListPublished) -> list[Row]:
    """Each entry of the version; and each nomination it corrected (a revoked one is no longer an entry), once."""
    corrected = {c.nomination_id: c for c in e.corrections}
    rows: list[Row] = []
    for entry in e.entries:
        c = corrected.pop(entry.nomination_id, None)
        rows.append((entry.nomination_id, (e.reason, c.reason if c else ""),
                     {"version": e.version, **(_corrected(c) if c else {})}))
    rows += [(n, (e.reason, c.reason), {"version": e.version, **_corrected(c)}) for n, c in corrected.items()]
    return rows


def _folding(rows_of: Callable[[Any], list[Row]]) -> Callable[[ViewBatch, Any, int], None]:
    def fold(view: ViewBatch, e: Any, place: int) -> None:
        actor, occurred = e.actor, (micros(e.occurred_at),)
        for nomination_id, reasons, facts in rows_of(e):
            key = (nomination_id, e.event_id)
            view.events.latest(EVENT, key, occurred, (type(e).__name__, actor.role, actor.id, actor.person,
                                                      [r for r in reasons if r], _json(facts).decode(),
                                                      e.causation_id))
            view.events.least(PLACE, key, place)
    return fold


# Topics in the order one instant's events follow each other across them: the unit's act, the quota
# decision it causes, the review, the notice and release.
AUDIT = PlacedProjection(name="review.audit", schema="review_audit", topics=(NOMINATIONS, QUOTA, REVIEW, PUBLISH),
                         tables=(EVENTS,), folds={t: _folding(f) for t, f in ROWS.items()}, version=2)
