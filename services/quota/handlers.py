"""The quota service's registry commands, called by its routes (routes.py): each takes the service's
state (eventlog/http/front_door.py), the write request (caller, key, instant), the campaign and the command,
and runs it through the unit of work (steps.py) — the unit locked, the pure decide of
domain/registry.py, the record and the events' outbox rows saved together, published, answered."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from eventlog.http.front_door import ServiceState, WriteRequest
from eventlog.write.idempotency import Reply

from .domain.registry import ChangeChannels, ImportUnits, RegisterUnit, RegistryCommand, RegistryContext, unit_ids_in
from .steps import registry_step


async def _run(state: ServiceState, req: WriteRequest, campaign: str, unit_ids: Sequence[str], cmd: RegistryCommand,
               answer: Callable) -> Reply:
    found = await state.campaigns.knowing(campaign)
    context = RegistryContext(found, req.now, req.who.actor())
    return await state.uow.run(registry_step(context, unit_ids, cmd, answer), req.idem)


async def register_unit(state: ServiceState, req: WriteRequest, campaign: str, cmd: RegisterUnit) -> Reply:
    def answer(registry, events) -> Reply:
        reg = events[0] if events else registry[cmd.unit_id]
        return Reply(201 if events else 200, {"unit_id": reg.unit_id, "channels": list(reg.channels),
                                              "event_id": str(events[0].event_id) if events else None})

    return await _run(state, req, campaign, [cmd.unit_id], cmd, answer)


async def change_channels(state: ServiceState, req: WriteRequest, campaign: str, cmd: ChangeChannels) -> Reply:
    def answer(registry, events) -> Reply:
        channels = events[0].channels if events else registry[cmd.unit_id].channels
        return Reply(200, {"unit_id": cmd.unit_id, "channels": list(channels),
                           "event_id": str(events[0].event_id) if events else None})

    return await _run(state, req, campaign, [cmd.unit_id], cmd, answer)


async def import_units(state: ServiceState, req: WriteRequest, campaign: str, cmd: ImportUnits) -> Reply:
    """Every row of a unit sheet, all registered or none."""
    return await _run(state, req, campaign, unit_ids_in(cmd.rows), cmd,
                      lambda registry, events: Reply(201, {"imported": len(events)}))
