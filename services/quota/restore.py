"""The quota's own tables restored from the log (`kczg state verify quota`): the decisions it logged and
the unit events, applied in log order by the same store functions the decider and the registry
commands write with. Nothing is decided again: that would make (and publish) new decisions."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from contracts.events import Event, QuotaRejected, QuotaReleased, QuotaReserved, UnitChannelsChanged, UnitRegistered
from contracts.topics import NOMINATIONS, QUOTA
from eventlog.verify.state_compare import StateTable
from eventlog.verify.state_replay import from_events
from eventlog.verify.state_verify import ServiceState

from . import store
from .app import CONSUMER_NAME
from .domain import evolve
from .domain import registry

UNIT_EVENTS = (UnitRegistered, UnitChannelsChanged)
DECISIONS = (QuotaReserved, QuotaRejected, QuotaReleased)


class _Logged:
    """The outbox `store.record` stages decisions in: these are on the log already."""

    async def stage(self, conn, items) -> None:
        pass


async def restore(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    units = [e for e in events if isinstance(e, UNIT_EVENTS)]
    decisions = [e for e in events if isinstance(e, DECISIONS)]
    for campaign in dict.fromkeys(e.campaign for e in units):
        await _restore_registry(conn, campaign, [e for e in units if e.campaign == campaign])
    # The decider's state for these units and nominations, as it would load it, evolved by the logged
    # events instead of decided: then written as the decider writes its batch.
    state = await store.load_state(conn, units={(e.campaign, e.unit_id) for e in units + decisions},
                                   nominations={e.nomination_id for e in decisions})
    for e in events:
        if isinstance(e, UNIT_EVENTS + DECISIONS):
            state = evolve(state, e)
    await store.record(conn, _Logged(), state, units, decisions)  # type: ignore[arg-type]


async def _restore_registry(conn: asyncpg.Connection, campaign: str, events: list[Event]) -> None:
    state = await store.load_registry(conn, campaign, sorted({e.unit_id for e in events}))
    for e in events:
        state = registry.evolve(state, e)
    # The registry never decides a channel change for a unit it does not know; the log has none to save.
    await store.save_registry(conn, state, [e for e in events if e.unit_id in state])


STATE = ServiceState(
    service="quota",
    topics=(NOMINATIONS, QUOTA),
    tables=(StateTable("quota.units"),
            # decided_by and decided_at say which process decided, and when: operational, not of the log.
            StateTable("quota.nominations", exclude=("decided_by", "decided_at")),
            # A slot moved reads as that row's slot changed, not as one row gone and another come.
            StateTable("quota.holders", key=("nomination_id",)),
            StateTable("quota.registry")),
    set_up=store.ensure_schema,
    apply=from_events("quota", restore),
    not_compared=((("quota.outbox", "quota.idempotency"), "the write side's bookkeeping: events in flight, "
                                                          "answers remembered per Idempotency-Key"),),
    consumers=((CONSUMER_NAME, (NOMINATIONS,)),),
)
