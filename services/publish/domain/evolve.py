"""What each publish event does to a list's state, pure: evolve(state, events) -> state.

The commands' save (steps.py) and the restore from the log (restore.py) fold events here; store.py
only persists the state returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from contracts.events import (EntriesCorrected, Event, ListPublished, ObjectionFiled, ObjectionResolved,
                             PublicNoticeOpened)

from .model import ListState, Notice, Objection, Version


def evolve(state: ListState, events: Iterable[Event]) -> ListState:
    for e in events:
        state = _evolve(state, e)
    return state


def _evolve(state: ListState, e: Event) -> ListState:
    match e:
        case PublicNoticeOpened():
            notice = Notice(e.notice_id, e.list_code, e.opens_at, e.closes_at, tuple(e.nominations), e.event_id)
            return replace(state, notices=(*state.notices, notice))
        case ObjectionFiled():
            objection = Objection(e.objection_id, e.notice_id, e.nomination_id, e.event_id, name=e.name,
                                  organisation=e.organisation, contact=e.contact, grounds=e.grounds,
                                  filed_at=e.occurred_at)
            return replace(state, objections=(*state.objections, objection))
        case ObjectionResolved():
            return replace(state, objections=tuple(
                replace(o, upheld=e.upheld, note=e.note, resolved_at=e.occurred_at, resolution_event_id=e.event_id)
                if o.objection_id == e.objection_id else o for o in state.objections))
        case EntriesCorrected():
            return replace(state, pending=(*state.pending, *e.corrections))
        case ListPublished():
            version = Version(e.version, e.event_id, e.published_at, tuple(x.nomination_id for x in e.entries),
                              e.public_at, tuple(e.entries), tuple(e.corrections))
            return replace(state, versions=(*state.versions, version), pending=())
    return state
