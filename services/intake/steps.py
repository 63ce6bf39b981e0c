"""The intake's commands as the unit of work runs them (eventlog/write/unit_of_work.py): which aggregates
are locked, how their state is loaded and saved, which outside facts are gathered, what is answered.
The decisions themselves are the domain's (domain/nominations.py, domain/applications.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from contracts.events import Event
from contracts.personal import applicant_contact_id
from contracts.topics import APPLICATIONS, NOMINATIONS
from eventlog import privacy
from eventlog.write.grouped_unit_of_work import BatchSteps, Grouped
from eventlog.write.idempotency import Reply
from eventlog.write.unit_of_work import Command

from . import store
from .domain import applications, nominations, rules
from .domain.access import application_not_found, own_nomination
from .domain.commands import (
    AmendNomination, ApplicationCommand, NominationCommand, RecommendApplication, SaveApplication, SendApplication,
    SubmitNomination,
)
from .domain.context import IntakeContext
from .domain.model import ApplicationState, NominationState, evolve_nomination
from .service import IntakeService

Answer = Callable[[object, list[Event]], Reply]


def nomination_step(svc: IntakeService, cmd: NominationCommand, now: datetime, answer: Answer) -> Command:
    """Submit (under an Idempotency-Key), amend or withdraw one nomination."""
    nomination_id = cmd.nomination_id

    async def load(conn) -> NominationState | None:
        return (await store.load_nominations(conn, [nomination_id])).get(nomination_id)

    async def gather(conn, state: NominationState | None):
        if isinstance(cmd, SubmitNomination):
            return await svc.context(conn, cmd.campaign, cmd.by.org, [(cmd.list_code, cmd.form, cmd.title)], now,
                                     registration_required=rules.registration_required(cmd.by))
        state = own_nomination(state, cmd.by)  # another unit's, or none: no facts to gather about it
        items = [(cmd.list_code or state.list_code, cmd.form, cmd.title)] if isinstance(cmd, AmendNomination) else []
        return await svc.context(conn, state.campaign, state.unit_id, items, now)

    async def save(conn, state: NominationState | None, events: list[Event]) -> None:
        await store.save_events(conn, events, ({nomination_id: state}, {}))

    return Command(aggregates=[f"nomination:{nomination_id}"], command=cmd, topic=NOMINATIONS, load=load,
                   gather=gather, decide=nominations.decide, save=save, answer=answer)


async def _load_submitted(conn, cmds: list[SubmitNomination]) -> list[NominationState | None]:
    found = await store.load_nominations(conn, [c.nomination_id for c in cmds])
    return [found.get(c.nomination_id) for c in cmds]


def _evolved(state: NominationState | None, events: list[Event]) -> NominationState | None:
    for event in events:
        state = evolve_nomination(state, event)
    return state


async def _save_submitted(conn, decided) -> None:
    await store.save_new_nominations(conn, [e for _, events in decided for e in events])


# Direct nominations, the campaign's most frequent command, come many at a time: a run of them in one
# group is loaded in one query and their rows claimed and saved in one statement.
SUBMISSIONS = BatchSteps(topic=NOMINATIONS, load=_load_submitted, decide=nominations.decide_submit,
                         evolve=_evolved, save=_save_submitted)


def submission_step(cmd: SubmitNomination, context: IntakeContext, answer: Answer) -> Grouped:
    """A direct nomination, with or without an Idempotency-Key; its facts are gathered beforehand (a new
    aggregate's: nothing of them is read under its lock)."""
    return Grouped(aggregates=[f"nomination:{cmd.nomination_id}"], command=cmd, context=context, answer=answer)


def application_step(svc: IntakeService, cmd: ApplicationCommand, now: datetime, answer: Answer) -> Command:
    """One step of the applicant stage; a recommendation also creates the nomination it becomes."""
    application_id = cmd.application_id
    recommending = isinstance(cmd, RecommendApplication)
    locked = [f"application:{application_id}"] + ([f"nomination:{cmd.nomination_id}"] if recommending else [])

    async def load(conn) -> ApplicationState | None:
        return (await store.load_applications(conn, [application_id])).get(application_id)

    held: list[privacy.HeldKeys] = []  # this attempt's: the applicant contact's key, stored with the event it seals

    async def gather(conn, state: ApplicationState | None):
        if isinstance(cmd, SaveApplication):
            campaign = state.campaign if state else cmd.campaign
            context = await svc.context(conn, campaign, cmd.unit_id, now=now,
                                        registration_required=True)  # an application goes to a registered unit only
            held.clear()
            if cmd.contact_email:
                held.append(await privacy.held_keys(conn, [applicant_contact_id(application_id)], campaign, now))
                context = replace(context, sealer=privacy.KeySealer(held[0].keys))
            return context
        if state is None:
            raise application_not_found()
        items = [(state.list_code, state.form, state.title)] if isinstance(cmd, (SendApplication,
                                                                                 RecommendApplication)) else []
        return await svc.context(conn, state.campaign, state.unit_id, items, now)

    async def save(conn, state: ApplicationState | None, events: list[Event]) -> None:
        new_nomination: dict[UUID, None] = {cmd.nomination_id: None} if recommending else {}
        await privacy.store_new_keys(conn, held[0] if held and events else None)
        await store.save_events(conn, events, (new_nomination, {application_id: state}))

    return Command(aggregates=locked, command=cmd, topic=NOMINATIONS if recommending else APPLICATIONS, load=load,
                   gather=gather, decide=applications.decide, save=save, answer=answer)
