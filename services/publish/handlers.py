"""The publish service's commands, called by its JSON routes and its pages' form alike (routes/): each
takes the service's state (eventlog/http/front_door.py; its `own` part is the Pages of pages.py, which hold
the release files), the write request (caller, key, instant) and what the request says, and answers a
Reply after the unit of work (steps.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

from contracts.events import (EntriesCorrected, ListPublished, NewsPublished, ObjectionFiled, ObjectionResolved,
                              PublicNoticeOpened)
from eventlog.http.front_door import ServiceState, WriteRequest
from eventlog.write.idempotency import Reply

from . import facts, store
from .domain.corrections import CorrectEntries, EntryChange
from .domain.notice import Omission, OpenNotice
from .domain.news import PublishNews
from .domain.objections import FileObjection, ResolveObjection
from .domain.release import PublishList
from .steps import (correct_entries_step, file_objection_step, open_notice_step, publish_list_step, publish_news_step,
                    resolve_objection_step)


async def open_notice(state: ServiceState, req: WriteRequest, campaign: str, list_code: str,
                      omit: tuple[Omission, ...] = ()) -> Reply:
    """A list's notice, once its review is complete; `omit`: outstanding targets to proceed without, with reasons."""
    found = await state.campaigns.knowing(campaign)
    found.ranking_list(list_code)
    await facts.caught_up(state.pool, state.log_ends)  # every decision recorded before now

    def answer(listed, events) -> Reply:
        e: PublicNoticeOpened = events[0]
        return Reply(201, {"notice_id": str(e.notice_id), "event_id": str(e.event_id), "list_code": e.list_code,
                           "opens_at": e.opens_at.isoformat(), "closes_at": e.closes_at.isoformat(),
                           "nominations": [str(n) for n in e.nominations],
                           "omitted": [{"domain": o.domain, "reason": o.reason} for o in e.omitted]})

    notice_id = req.idem.derived_id("notice") if req.idem else uuid.uuid4()
    step = open_notice_step(found, OpenNotice(notice_id, list_code, omit), req.now, req.who.actor(), answer)
    return await state.uow.run(step, req.idem)


async def file_objection(state: ServiceState, req: WriteRequest, campaign: str, notice_id: UUID, fields: dict,
                         client: str) -> Reply:
    """One objection, from the public (the JSON route and the page's form both come here); under an
    idempotency key a retry answers the first filing (its id derived from the key), never a second.
    `client`: who it came from, for the rate limit (a hash, never the address)."""
    async with state.pool.acquire() as conn:
        located = await store.notice_list(conn, notice_id)
    if located is not None and located[0] != campaign:
        located = None  # another campaign's notice: not found under this one
    objection_id = req.idem.derived_id("objection") if req.idem else uuid.uuid4()
    cmd = FileObjection(objection_id=objection_id, notice_id=notice_id, **fields)

    def answer(listed, events) -> Reply:
        e: ObjectionFiled = events[0]
        return Reply(201, {"objection_id": str(e.objection_id), "event_id": str(e.event_id),
                           "notice_id": str(e.notice_id), "nomination_id": str(e.nomination_id),
                           "message": "异议已收到。秘书处将核实处理；您的联系方式不予公开。"})

    return await state.uow.run(file_objection_step(located, cmd, req.now, client, answer), req.idem)


async def resolve_objection(state: ServiceState, req: WriteRequest, campaign: str, objection_id: UUID,
                            upheld: bool, note: str) -> Reply:
    async with state.pool.acquire() as conn:
        located = await store.objection_list(conn, objection_id)
    if located is not None and located[0] != campaign:
        located = None

    def answer(listed, events) -> Reply:
        e: ObjectionResolved = events[0]
        return Reply(200, {"objection_id": str(e.objection_id), "upheld": e.upheld, "event_id": str(e.event_id)})

    cmd = ResolveObjection(objection_id, upheld, note)
    return await state.uow.run(resolve_objection_step(located, cmd, req.now, req.who.actor(), answer), req.idem)


async def publish_list(state: ServiceState, req: WriteRequest, campaign: str, list_code: str, reason: str,
                       public_at: datetime | None = None) -> Reply:
    """A list released (again: a corrected version), at once or public from `public_at` (an embargo); its
    files are built ahead of the first download."""
    found = await state.campaigns.knowing(campaign)
    found.ranking_list(list_code)
    await facts.caught_up(state.pool, state.log_ends)  # titles and names as the log has them now

    def answer(listed, events) -> Reply:
        e: ListPublished = events[0]
        return Reply(201, {"list_code": e.list_code, "version": e.version, "event_id": str(e.event_id),
                           "released_on": e.released_on.isoformat() if e.released_on else None,
                           "entries": len(e.entries),
                           "public_at": e.public_at.isoformat() if e.public_at else None})

    reply = await state.uow.run(publish_list_step(found, PublishList(list_code, reason, public_at), req.now, req.who.actor(),
                                                  answer), req.idem)
    if reply.status == 201:
        state.own.release_files.warm(state.pool, state.log_ends, found)
    return reply


async def correct_entries(state: ServiceState, req: WriteRequest, campaign: str, list_code: str, reason: str,
                          changes: tuple[EntryChange, ...]) -> Reply:
    """Entries corrected or revoked, with reasons: before the release an EntriesCorrected the release carries,
    after it the next version of the list (its files built ahead of the first download)."""
    found = await state.campaigns.knowing(campaign)
    found.ranking_list(list_code)
    await facts.caught_up(state.pool, state.log_ends)  # before the release: the entries as the log has them now

    def answer(listed, events) -> Reply:
        e = events[0]
        body = {"list_code": e.list_code, "event_id": str(e.event_id), "reason": e.reason,
                "corrections": [c.model_dump(mode="json") for c in e.corrections]}
        if isinstance(e, ListPublished):
            return Reply(201, {**body, "kind": "version", "version": e.version, "entries": len(e.entries),
                               "released_on": e.released_on.isoformat() if e.released_on else None,
                               "public_at": e.public_at.isoformat() if e.public_at else None})
        assert isinstance(e, EntriesCorrected)
        return Reply(201, {**body, "kind": "before_release", "version": None})

    reply = await state.uow.run(correct_entries_step(found, CorrectEntries(list_code, reason, changes), req.now,
                                                     req.who.actor(), answer), req.idem)
    if reply.status == 201 and reply.body.get("kind") == "version":
        state.own.release_files.warm(state.pool, state.log_ends, found)
    return reply


async def publish_news(state: ServiceState, req: WriteRequest, campaign: str, title: str, body: str,
                       publish_at: datetime | None) -> Reply:
    """A news item of the campaign's 宣传推广 (its page form comes here too); a retry under the same key answers
    the first one."""
    found = await state.campaigns.knowing(campaign)

    def answer(_, events) -> Reply:
        e: NewsPublished = events[0]
        return Reply(201, {"news_id": str(e.news_id), "event_id": str(e.event_id), "title": e.title,
                           "publish_at": e.publish_at.isoformat()})

    news_id = req.idem.derived_id("news") if req.idem else uuid.uuid4()
    return await state.uow.run(publish_news_step(found, PublishNews(news_id, title, body, publish_at), req.now,
                                                 req.who.actor(), answer), req.idem)
