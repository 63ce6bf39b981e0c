"""The registry's commands as the unit of work runs them (eventlog/write/unit_of_work.py): the units locked,
their registry records loaded and saved, the pure decide of domain/registry.py in between."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from contracts.events import Event
from contracts.topics import NOMINATIONS
from eventlog.write.idempotency import Reply
from eventlog.write.unit_of_work import Command

from . import store
from .domain.registry import RegistryCommand, RegistryContext, RegistryState, decide


def registry_step(context: RegistryContext, unit_ids: Sequence[str], command: RegistryCommand,
                  answer: Callable[[RegistryState, list[Event]], Reply]) -> Command:
    """One registry command over `unit_ids` (each unit of the campaign is an aggregate)."""
    campaign, units = context.campaign.code, sorted(set(unit_ids))
    return Command(aggregates=[f"unit:{campaign}:{u}" for u in units], command=command, topic=NOMINATIONS,
                   load=lambda conn: store.load_registry(conn, campaign, units), context=context,
                   decide=decide, save=store.save_registry, answer=answer)
