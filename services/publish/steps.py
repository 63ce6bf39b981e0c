"""The publish service's commands as the unit of work runs them (eventlog/write/unit_of_work.py): each locks
its list (one list of one campaign is the aggregate), loads the list's notices, objections and
versions, gathers the facts from the release-facts view, and saves the list as the pure decide's events
leave it (folded by domain/evolve.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from contracts.campaign import Campaign
from contracts.events import Actor, Event
from contracts.personal import objector_id
from contracts.topics import PUBLISH
from eventlog import privacy
from eventlog.privacy import KeySealer
from eventlog.write.idempotency import Reply
from eventlog.write.unit_of_work import Command

from . import facts, review_progress, store
from .domain import corrections, news, notice, objections, release
from .domain.evolve import evolve
from .domain.model import ListState

Answer = Callable[[ListState, list[Event]], Reply]
# The objector is named in the event; the actor is the public form that took the objection in.
PUBLIC_ACTOR = Actor(role="system", id="publish:public")


def list_aggregate(campaign: str, list_code: str) -> str:
    return f"list:{campaign}:{list_code}"


async def _save(conn, state: ListState, events: list[Event]) -> None:
    await store.save_list(conn, state, evolve(state, events))


def _load(campaign: str, list_code: str):
    return lambda conn: store.load_list(conn, campaign, list_code)


def open_notice_step(campaign: Campaign, cmd: notice.OpenNotice, now: datetime, actor: Actor,
                     answer: Answer) -> Command:
    async def gather(conn, state: ListState) -> notice.NoticeContext:
        return notice.NoticeContext(now, campaign, actor, await facts.decided(conn, campaign.code, cmd.list_code),
                                    await review_progress.target_progress(conn, campaign.code, cmd.list_code))

    return Command(aggregates=[list_aggregate(campaign.code, cmd.list_code)], command=cmd, topic=PUBLISH,
                   load=_load(campaign.code, cmd.list_code), gather=gather, decide=notice.decide,
                   save=_save, answer=answer)


def file_objection_step(located: tuple[str, str] | None, cmd: objections.FileObjection, now: datetime, client: str,
                        answer: Answer) -> Command:
    """`located`: the notice's (campaign, list), or None for a notice that does not exist (decide refuses)."""
    limit = objections.RATE_LIMIT
    locks = [f"objection-client:{client}"] + ([list_aggregate(*located)] if located else [f"notice:{cmd.notice_id}"])

    async def load(conn) -> ListState | None:
        return await store.load_list(conn, *located) if located else None

    held: list[privacy.HeldKeys] = []  # this attempt's (a retried group gathers again)

    async def gather(conn, state: ListState | None) -> objections.ObjectionContext:
        held.clear()
        recent = await store.recent_objections(conn, client, now, limit.window)
        # the objector's own key, stored with the event it seals (a refusal stores none)
        if located:
            held.append(await privacy.held_keys(conn, [objector_id(cmd.objection_id)], located[0], now))
        sealer = KeySealer(held[0].keys) if held else None
        return objections.ObjectionContext(now, PUBLIC_ACTOR, located[0] if located else "", recent, limit, sealer)

    async def save(conn, state: ListState, events: list[Event]) -> None:
        await privacy.store_new_keys(conn, held[0] if held and events else None)
        await _save(conn, state, events)
        await store.count_objection(conn, client, now)

    return Command(aggregates=locks, command=cmd, topic=PUBLISH, load=load, gather=gather,
                   decide=objections.decide, save=save, answer=answer)


def resolve_objection_step(located: tuple[str, str] | None, cmd: objections.ResolveObjection, now: datetime,
                           actor: Actor, answer: Answer) -> Command:
    async def load(conn) -> ListState | None:
        return await store.load_list(conn, *located) if located else None

    return Command(aggregates=[list_aggregate(*located) if located else f"objection:{cmd.objection_id}"],
                   command=cmd, topic=PUBLISH, load=load,
                   context=objections.ObjectionContext(now, actor, located[0] if located else ""),
                   decide=objections.decide, save=_save, answer=answer)


def publish_list_step(campaign: Campaign, cmd: release.PublishList, now: datetime, actor: Actor,
                      answer: Answer) -> Command:
    async def gather(conn, state: ListState) -> release.ReleaseContext:
        latest = state.latest_notice
        found = await facts.entries(conn, latest.nominations) if latest else {}
        return release.ReleaseContext(now, campaign, actor, found)

    return Command(aggregates=[list_aggregate(campaign.code, cmd.list_code)], command=cmd, topic=PUBLISH,
                   load=_load(campaign.code, cmd.list_code), gather=gather, decide=release.decide,
                   save=_save, answer=answer)


def correct_entries_step(campaign: Campaign, cmd: corrections.CorrectEntries, now: datetime, actor: Actor,
                         answer: Answer) -> Command:
    async def gather(conn, state: ListState) -> release.ReleaseContext:
        latest = state.latest_notice
        # after the release a correction starts from the current version: the facts are not read then
        found = await facts.entries(conn, latest.nominations) if latest and not state.published else {}
        return release.ReleaseContext(now, campaign, actor, found)

    return Command(aggregates=[list_aggregate(campaign.code, cmd.list_code)], command=cmd, topic=PUBLISH,
                   load=_load(campaign.code, cmd.list_code), gather=gather, decide=corrections.decide,
                   save=_save, answer=answer)


def publish_news_step(campaign: Campaign, cmd: news.PublishNews, now: datetime, actor: Actor,
                      answer: Callable[[None, list[Event]], Reply]) -> Command:
    """News has no state to decide on: the campaign's news lock orders its items; the view keeps them."""
    async def load(conn) -> None:
        return None

    async def save(conn, state: None, events: list[Event]) -> None:
        return None

    return Command(aggregates=[f"news:{campaign.code}"], command=cmd, topic=PUBLISH, load=load,
                   context=news.NewsContext(now, campaign, actor), decide=news.decide, save=save, answer=answer)
