"""The publish write side restored from the log (`kczg state verify publish`): each list's notices,
objections and versions, its events folded in log order by the commands' own evolve (domain/evolve.py)
into the list's state loaded from the restored tables as the command loads it, and saved by the same
`store.save_list`."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

import asyncpg

from contracts.events import (EntriesCorrected, Event, ListPublished, ObjectionFiled, ObjectionResolved,
                             PackageSent, PublicNoticeOpened)
from contracts.topics import PUBLISH
from eventlog.verify.state_compare import StateTable
from eventlog.verify.state_replay import from_events
from eventlog.verify.state_verify import ServiceState

from . import match_store, store
from .domain import matching
from .domain.evolve import evolve

LIST_EVENTS = (PublicNoticeOpened, ObjectionFiled, ObjectionResolved, ListPublished, EntriesCorrected)


def _list_of(e: Event) -> tuple[str, str] | None:
    if not isinstance(e, LIST_EVENTS):
        return None
    campaign, list_code = e.key.split(":", 1)  # publish events are keyed by their list
    return campaign, list_code


async def restore(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    for located, run in groupby(events, key=_list_of):
        if located is not None:  # one list's consecutive events, saved as its commands save theirs
            before = await store.load_list(conn, *located)
            await store.save_list(conn, before, evolve(before, run))
        else:
            for e in run:
                await _after_release(conn, e)


async def _after_release(conn: asyncpg.Connection, e: Event) -> None:
    """A matching request's event, saved as its command saves it; a package sent."""
    if isinstance(e, PackageSent):
        await match_store.save_package(conn, e)
    elif e.type.startswith("Match"):
        before = await match_store.load_match(conn, e.campaign, e.match_id)
        await match_store.save_match(conn, before, matching.evolve(before, [e]))


STATE = ServiceState(
    service="publish",
    topics=(PUBLISH,),
    tables=(StateTable("publish.notices"), StateTable("publish.objections"), StateTable("publish.releases"),
            StateTable("publish.pending_corrections"), StateTable("publish.matches"), StateTable("publish.packages")),
    set_up=store.ensure_schema,
    apply=from_events("publish", restore),
    not_compared=((("publish.objection_clients",), "the objection rate limiter's window: per client address, "
                                                   "never on the log"),
                  (("publish.outbox", "publish.idempotency"), "the write side's bookkeeping: events in flight, "
                                                              "answers remembered per Idempotency-Key"),
                  (("publish_rankings.*", "publish_facts.*", "publish_matching.*"), "projections: `kczg projections verify`")),
)
