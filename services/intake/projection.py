"""The intake's projection of the log: its own events (repairing what a crashed command left
unwritten), the quota decisions, the review's screening outcomes, the unit registry, the public notices
opened, every campaign's published lists (for the previously-listed rule), and each nomination's later
states from the review and the releases (intake.review_states: experts, preliminary results, decision,
release). Offsets are stored with the rows."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import msgspec

from contracts.events import (
    ApplicationDeclined,
    ApplicationReturned,
    ApplicationSaved,
    ApplicationSentToUnit,
    EntriesCorrected,
    ExpertAssigned,
    ExpertUnassigned,
    FinalDecisionRecorded,
    ListPublished,
    NominationAmended,
    NominationResubmitted,
    NominationReturned,
    NominationScreened,
    NominationSubmitted,
    NominationWithdrawn,
    PrelimResultsSubmitted,
    PublicNoticeOpened,
    QuotaRejected,
    QuotaReleased,
    QuotaReserved,
    UnitChannelsChanged,
    UnitRegistered,
    WithdrawalRefused,
    WithdrawalRequested,
)
from contracts.topics import APPLICATIONS, NOMINATIONS, PUBLISH, QUOTA, REVIEW
from eventlog.consume.consumer import ConsumerSpec, Records
from eventlog.consume.deadletter import DeadLetter, decoded
from eventlog.settings import consumer_group

from . import listings, store

VIEW_NAME = "intake:views"
OWN = (ApplicationSaved, ApplicationSentToUnit, ApplicationReturned, ApplicationDeclined,
       NominationSubmitted, NominationAmended, NominationWithdrawn, NominationResubmitted,
       WithdrawalRequested, WithdrawalRefused)  # the last two, and a withdrawal granted, the review's: folded alike

# A decision applies only if it is about the same or a later revision than the one shown.
_DECISION = """
INSERT INTO intake.nomination_status (nomination_id, decision, reason, message, slot, quota_limit, used,
                                      decided_at, decision_revision)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (nomination_id) DO UPDATE SET decision = EXCLUDED.decision, reason = EXCLUDED.reason,
    message = EXCLUDED.message, slot = EXCLUDED.slot, quota_limit = EXCLUDED.quota_limit, used = EXCLUDED.used,
    decided_at = EXCLUDED.decided_at, decision_revision = EXCLUDED.decision_revision
WHERE coalesce(intake.nomination_status.decision_revision, 0) <= EXCLUDED.decision_revision
"""
_KEEP_PREVIOUS = """
UPDATE intake.nomination_status SET message = $2, reason = $3 WHERE nomination_id = $1
"""
# The review's screening outcome (a pass, a fail, or a return for correction): a later one replaces an earlier
# one by what follows what, not by time (one instant may see both): a return by its round, a verdict after any
# return, and a verdict's re-check by its time; a redelivery re-applies the same. The unit reads it with its
# nomination (views.py).
_SCREENING = """
INSERT INTO intake.nomination_status AS s (nomination_id, screening, screening_reasons, correction_due_at,
                                           return_round, screened_at, screening_event, screening_order)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (nomination_id) DO UPDATE SET screening = EXCLUDED.screening,
    screening_reasons = EXCLUDED.screening_reasons, correction_due_at = EXCLUDED.correction_due_at,
    return_round = EXCLUDED.return_round, screened_at = EXCLUDED.screened_at,
    screening_event = EXCLUDED.screening_event, screening_order = EXCLUDED.screening_order
WHERE s.screening IS NULL OR (s.screening_order, s.screened_at, s.screening_event)
    <= (EXCLUDED.screening_order, EXCLUDED.screened_at, EXCLUDED.screening_event)
"""
VERDICT = 1_000_000  # a pass or a fail orders after every return for correction (numbered by round from 1)
# A channel change of a unit not seen registered keeps its id as the name until the registration shows.
_UNIT = """
INSERT INTO intake.units (campaign, unit_id, name, channels) VALUES ($1, $2, coalesce($3, $2), $4)
ON CONFLICT (campaign, unit_id) DO UPDATE SET name = coalesce($3, intake.units.name), channels = EXCLUDED.channels
"""


def _row_key(row: tuple) -> UUID:
    return row[0]


def _decision_row(e) -> tuple | None:
    if isinstance(e, QuotaReserved):
        return (e.nomination_id, "reserved", None, None, e.slot, e.limit, e.used, e.occurred_at, e.revision)
    if isinstance(e, QuotaRejected) and not e.keeps_previous:
        return (e.nomination_id, "rejected", e.reason, e.message, None, e.limit, e.used, e.occurred_at, e.revision)
    if isinstance(e, QuotaReleased) and e.reason != "moved":
        return (e.nomination_id, "released", e.reason, None, None, None, e.used, e.occurred_at, e.revision)
    return None


def _screening_row(e: NominationScreened | NominationReturned) -> tuple:
    if isinstance(e, NominationReturned):
        return (e.nomination_id, "returned", list(e.reasons), e.correction_due_at, e.round, e.occurred_at, e.event_id,
                e.round)
    return (e.nomination_id, "passed" if e.passed else "failed", list(e.reasons), None, None, e.occurred_at,
            e.event_id, VERDICT)


class _Envelope(msgspec.Struct):
    event_id: UUID
    type: str


_peek = msgspec.json.Decoder(_Envelope).decode
_OWN_TYPES = frozenset(cls.__name__ for cls in OWN)


def _own_event_id(raw: bytes | None) -> UUID | None:
    """The id of one of the intake's own events, read without decoding the rest (most were applied by
    the command that made them, so most need no decoding at all); None for anything else."""
    try:
        envelope = _peek(raw or b"")
    except (msgspec.MsgspecError, ValueError):
        return None  # the full decode says what is wrong with it
    return envelope.event_id if envelope.type in _OWN_TYPES else None


async def _apply_own(conn: asyncpg.Connection, own: dict[UUID, object], letters: list[DeadLetter]) -> None:
    """Claim the ids, then decode and apply only the events no writer applied before."""
    fresh = await store.claim_ids(conn, own)
    claimed = {id(record): event_id for event_id, record in own.items() if event_id in fresh}
    decodable, poison = decoded(record for event_id, record in own.items() if event_id in fresh)
    events = [event for _, event in decodable]
    letters += poison
    unread = [claimed[id(letter.record)] for letter in poison]
    if unread:  # not applied, so not claimed: a replay after a fix (or by a newer worker) still applies it
        await conn.execute("DELETE FROM intake.inbox WHERE event_id = ANY($1::uuid[])", unread)
    if events:
        await store.apply_events(conn, events)


async def apply(conn: asyncpg.Connection, records: Records) -> list[DeadLetter]:
    own: dict[UUID, object] = {}  # event id -> record, first delivery only
    decisions, kept, screenings = [], [], []
    units: dict[tuple[str, str], list] = {}
    published: list[ListPublished] = []
    notices: list[tuple] = []
    later = _LaterStates()
    others = []
    for recs in records.values():
        for record in recs:
            if (event_id := _own_event_id(record.value)) is not None:
                own.setdefault(event_id, record)
            else:
                others.append(record)
    events, letters = decoded(others)
    for record, event in events:
        if isinstance(event, OWN):  # an envelope only the full decoder reads (e.g. an upcast type)
            own.setdefault(event.event_id, record)
        elif isinstance(event, (NominationScreened, NominationReturned)):
            screenings.append(_screening_row(event))
        elif (row := _decision_row(event)) is not None:
            decisions.append(row)
        elif isinstance(event, QuotaRejected):  # an amendment's move refused: the old slot stands
            kept.append((event.nomination_id, event.message, event.reason))
        elif isinstance(event, UnitRegistered):
            units[(event.campaign, event.unit_id)] = [event.name, list(event.channels)]
        elif isinstance(event, UnitChannelsChanged):
            name = units.get((event.campaign, event.unit_id), [None])[0]
            units[(event.campaign, event.unit_id)] = [name, list(event.channels)]
        elif isinstance(event, ListPublished):
            published.append(event)
            later.released(event)
        elif isinstance(event, PublicNoticeOpened):
            notices.append((event.notice_id, event.campaign, event.list_code, event.opens_at, event.closes_at,
                            list(event.nominations), sorted({o.domain or "" for o in event.omitted})))
        elif isinstance(event, LATER):
            later.fold(event)
    if own:
        await _apply_own(conn, own, letters)
    # Rows in key order (stable: one nomination's decisions keep theirs), as the command path's group
    # commit writes them, so the two never wait on each other in opposite orders.
    if decisions:
        await conn.executemany(_DECISION, sorted(decisions, key=_row_key))
    if kept:
        await conn.executemany(_KEEP_PREVIOUS, sorted(kept, key=_row_key))
    if screenings:
        await conn.executemany(_SCREENING, sorted(screenings, key=_row_key))
    if units:
        await conn.executemany(_UNIT, [(c, u, name, channels) for (c, u), (name, channels) in units.items()])
    for event in published:
        await listings.save_published_list(conn, event)
    if notices:  # a notice is opened once: a redelivery changes nothing
        await conn.executemany(_NOTICE, sorted(notices, key=lambda n: n[0]))
    if later.rows:
        await conn.executemany(_LATER, later.out())
    return letters


_NOTICE = """
INSERT INTO intake.notices (notice_id, campaign, list_code, opens_at, closes_at, nominations, omitted)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (notice_id) DO NOTHING
"""

# One row per nomination and batch, in key order: experts added and removed (a set, kept sorted), the
# earliest preliminary results, the decision of the highest revision (a redelivery re-applies the same), the
# release of the highest list version, the earliest revocation. So any order of batches folds to the same row.
_LATER = """
INSERT INTO intake.review_states AS r (nomination_id, experts, prelim_at, selected, decision_revision, decided_at,
                                       release_version, released_at, revoked_at, revoke_reason)
VALUES ($1, $2, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (nomination_id) DO UPDATE SET
    experts = ARRAY(SELECT DISTINCT x FROM unnest(r.experts || $2::text[]) AS x WHERE x <> ALL($3::text[]) ORDER BY 1),
    prelim_at = least(r.prelim_at, EXCLUDED.prelim_at),
    selected = CASE WHEN EXCLUDED.decision_revision >= coalesce(r.decision_revision, 0)
                    THEN EXCLUDED.selected ELSE r.selected END,
    decided_at = CASE WHEN EXCLUDED.decision_revision >= coalesce(r.decision_revision, 0)
                      THEN EXCLUDED.decided_at ELSE r.decided_at END,
    decision_revision = greatest(r.decision_revision, EXCLUDED.decision_revision),
    released_at = CASE WHEN EXCLUDED.release_version >= coalesce(r.release_version, 0)
                       THEN EXCLUDED.released_at ELSE r.released_at END,
    release_version = greatest(r.release_version, EXCLUDED.release_version),
    revoke_reason = CASE WHEN EXCLUDED.revoked_at < coalesce(r.revoked_at, 'infinity')
                         THEN EXCLUDED.revoke_reason ELSE r.revoke_reason END,
    revoked_at = least(r.revoked_at, EXCLUDED.revoked_at)
"""
LATER = (ExpertAssigned, ExpertUnassigned, PrelimResultsSubmitted, FinalDecisionRecorded, EntriesCorrected)


class _LaterStates:
    """The batch's review and release events folded per nomination, in log order, into _LATER's rows."""

    def __init__(self) -> None:
        self.rows: dict[UUID, dict] = {}

    def _row(self, nomination_id: UUID) -> dict:
        return self.rows.setdefault(nomination_id, {"added": set(), "removed": set(), "prelim_at": None,
                                                    "decision": None, "release": None, "revoked": None})

    def fold(self, e) -> None:
        if isinstance(e, ExpertAssigned):
            row = self._row(e.nomination_id)
            row["added"].add(e.expert_id)
            row["removed"].discard(e.expert_id)
        elif isinstance(e, ExpertUnassigned):
            row = self._row(e.nomination_id)
            row["removed"].add(e.expert_id)
            row["added"].discard(e.expert_id)
        elif isinstance(e, PrelimResultsSubmitted):  # ranked, or left out with a gap: its target's results are in
            for nid in (*e.ranked, *(g.nomination_id for g in e.gaps)):
                row = self._row(nid)
                row["prelim_at"] = min(filter(None, (row["prelim_at"], e.occurred_at)))
        elif isinstance(e, FinalDecisionRecorded):
            row = self._row(e.nomination_id)
            if row["decision"] is None or row["decision"][1] <= e.revision:
                row["decision"] = (e.selected, e.revision, e.occurred_at)
        elif isinstance(e, EntriesCorrected):
            for c in e.corrections:
                if c.revoked:
                    self._revoked(c.nomination_id, e.occurred_at, c.reason)

    def released(self, e: ListPublished) -> None:
        visible = e.public_at or e.published_at  # embargoed: public only from then
        for entry in e.entries:
            row = self._row(entry.nomination_id)
            if row["release"] is None or row["release"][0] <= e.version:
                row["release"] = (e.version, visible)
        for c in e.corrections:
            if c.revoked:
                self._revoked(c.nomination_id, visible, c.reason)

    def _revoked(self, nomination_id: UUID, at, reason: str) -> None:
        row = self._row(nomination_id)
        if row["revoked"] is None or at < row["revoked"][0]:
            row["revoked"] = (at, reason)

    def out(self) -> list[tuple]:
        rows = []
        for nid in sorted(self.rows):
            r = self.rows[nid]
            selected, revision, decided_at = r["decision"] or (None, None, None)
            version, released_at = r["release"] or (None, None)
            revoked_at, reason = r["revoked"] or (None, None)
            rows.append((nid, sorted(r["added"]), sorted(r["removed"]), r["prelim_at"], selected, revision,
                         decided_at, version, released_at, revoked_at, reason))
        return rows


# Reads wait for a fuller fetch: under load one transaction (offset lock, claims, offset store) then
# covers tens of events instead of a few. The unit reads its own new rows from group commit, not from
# here, so the wait only delays what other services decided, by at most FETCH_WAIT_MS.
FETCH_WAIT_MS = 50
BATCHED_FETCH = {"fetch_min_bytes": 64 * 1024, "fetch_max_wait_ms": FETCH_WAIT_MS}


def spec() -> ConsumerSpec:
    # One consumer group across every intake worker process: each partition is projected once.
    return ConsumerSpec(name=VIEW_NAME, topics=[APPLICATIONS.name, NOMINATIONS.name, QUOTA.name, PUBLISH.name,
                                                REVIEW.name], apply=apply,
                        group_id=consumer_group("intake-views"), consumer_overrides=BATCHED_FETCH)
