"""The matching commands as the unit of work runs them (eventlog/write/unit_of_work.py), as steps.py does the
list's: each locks its request (one request is the aggregate), loads it, gathers what it needs (the entry as
listed now, the contact's key) and saves the request as the pure decide's events leave it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from contracts.events import Event, PackageSent
from contracts.identity import Identity
from contracts.personal import match_contact_id
from contracts.topics import PUBLISH
from eventlog import privacy
from eventlog.privacy import KeySealer
from eventlog.write.idempotency import Reply
from eventlog.write.unit_of_work import Command

from . import match_store
from .domain import matching, packages
from .domain.matching import Match, MatchContext

Answer = Callable[[Match | None, list[Event]], Reply]


def match_aggregate(campaign: str, match_id) -> str:
    return f"match:{campaign}:{match_id}"


def _load(campaign: str, match_id):
    return lambda conn: match_store.load_match(conn, campaign, match_id)


def _sealing(campaign: str, pid: str, now: datetime, held: list[privacy.HeldKeys]):
    """The key the command seals a contact with, held in its transaction; stored only if it saves events."""
    async def fetch(conn) -> KeySealer:
        held.clear()
        held.append(await privacy.held_keys(conn, [pid], campaign, now))
        return KeySealer(held[0].keys)
    return fetch


def _saving(held: list[privacy.HeldKeys]):
    async def save(conn, state: Match | None, events: list[Event]) -> None:
        if events and held:
            await privacy.store_new_keys(conn, held[0])
        await match_store.save_match(conn, state, matching.evolve(state, events))
    return save


def request_match_step(campaign: str, cmd: matching.RequestMatch, now: datetime, who: Identity,
                       answer: Answer) -> Command:
    held: list[privacy.HeldKeys] = []
    sealing = _sealing(campaign, match_contact_id(cmd.match_id, "requester"), now, held)

    async def gather(conn, state: Match | None) -> MatchContext:
        held.clear()
        entry = await match_store.listed_entry(conn, campaign, cmd.nomination_id, now)
        known = cmd.package_id is None or await match_store.package_sent(conn, campaign, cmd.package_id)
        return MatchContext(now, who, entry, await sealing(conn) if entry else None, known)

    return Command(aggregates=[match_aggregate(campaign, cmd.match_id)], command=cmd, topic=PUBLISH,
                   load=_load(campaign, cmd.match_id), gather=gather, decide=matching.decide, save=_saving(held),
                   answer=answer)


def match_step(campaign: str, cmd: matching.TriageMatch | matching.AnswerMatch | matching.RecordOutcome,
               now: datetime, who: Identity, answer: Answer) -> Command:
    """Triage, the holder's answer (a consent seals the holder's contact) or an outcome."""
    held: list[privacy.HeldKeys] = []
    consent = isinstance(cmd, matching.AnswerMatch) and cmd.consent
    sealing = _sealing(campaign, match_contact_id(cmd.match_id, "holder"), now, held)

    async def gather(conn, state: Match | None) -> MatchContext:
        held.clear()
        return MatchContext(now, who, sealer=await sealing(conn) if consent and state is not None else None)

    return Command(aggregates=[match_aggregate(campaign, cmd.match_id)], command=cmd, topic=PUBLISH,
                   load=_load(campaign, cmd.match_id), gather=gather, decide=matching.decide, save=_saving(held),
                   answer=answer)


def send_package_step(campaign: str, cmd: packages.SendPackage, now: datetime, who: Identity,
                      answer: Callable[[None, list[Event]], Reply]) -> Command:
    async def gather(conn, state: None) -> packages.PackageContext:
        return packages.PackageContext(now, who, campaign, tuple(await match_store.listed_entries(conn, campaign, now)))

    async def save(conn, state: None, events: list[Event]) -> None:
        for e in events:
            if isinstance(e, PackageSent):
                await match_store.save_package(conn, e)

    async def load(conn) -> None:
        return None

    return Command(aggregates=[f"package:{campaign}:{cmd.package_id}"], command=cmd, topic=PUBLISH, load=load,
                   gather=gather, decide=packages.decide, save=save, answer=answer)
