"""`kczg campaign load | extend-deadline | move-release | show`: a campaign is events on the campaigns topic.

Each write is a command of the unit of work (eventlog/write/unit_of_work.py), locked on its campaign in
PostgreSQL (schema `campaigns`: its outbox): under the lock it publishes what an earlier operator's
command on the campaign left in the outbox, reads the topic to its end (eventlog/consume/campaign_follower.py),
decides with the pure functions of contracts/campaign/decisions.py, stages at most one event and commits;
then publishes it (acks=all). Two operators racing on one campaign are decided one after the other, the
second on the book the first left: one wins, the other gets the outcome that book gives (a no-op, or a
refusal with a Chinese message and exit code 1, publishing nothing).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from datetime import date, datetime, timezone

import typer
from rich.console import Console

from contracts.campaign import Campaign, load_campaign
from contracts.campaign.decisions import deadline_extension, decide_open, decide_timeline_change, release_move
from contracts.campaign.book import CampaignBook
from contracts.errors import DomainError
from contracts.events import Actor, Event
from contracts.topics import CAMPAIGNS

app = typer.Typer(help="活动（年度征集）：加载、调整时间、查看（campaigns as events）.", no_args_is_help=True)


def _actor(by: str | None) -> Actor:
    return Actor(role="secretariat", id=by or os.environ.get("KCZG_OPERATOR") or os.environ.get("USER") or "operator")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class CampaignWrites:
    """The campaign CLI's writes through a unit of work of its own (the services' path), on schema `campaigns`."""

    SCHEMA = "campaigns"

    async def __aenter__(self) -> "CampaignWrites":
        import asyncpg

        from eventlog.admin import create_topics
        from eventlog.write.idempotency import IdempotencyKeys
        from eventlog.write.outbox import Outbox
        from eventlog.write.producer import EventPublisher, event_producer
        from eventlog.settings import database_url
        from eventlog.write.unit_of_work import UnitOfWork

        await create_topics((CAMPAIGNS,))  # never let the broker auto-create it with default retention
        self.pool = await asyncpg.create_pool(database_url(), min_size=1, max_size=3, timeout=10)
        self.producer = event_producer()
        try:
            await self.producer.start()
            self.outbox = Outbox(self.SCHEMA, self.pool, EventPublisher(self.producer))
            self.uow = UnitOfWork(self.pool, self.outbox, IdempotencyKeys(self.SCHEMA))
            async with self.pool.acquire() as conn:
                await self.uow.ensure_schema(conn)
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc) -> None:
        await self.producer.stop()
        await self.pool.close()

    async def run(self, code: str, decide: Callable[[CampaignBook], list[Event]]) -> list[Event]:
        """`decide(book)` on campaign `code`, locked: the events it decided, published."""
        from eventlog.write.idempotency import Reply
        from eventlog.write.unit_of_work import Command

        async def load(conn) -> CampaignBook:
            await self.outbox.publish({code.encode()})  # an earlier command's event, committed, on the log first
            return await book()

        async def nothing_to_save(conn, state, events) -> None:
            pass

        decided: list[Event] = []

        def answer(state, events: list[Event]) -> Reply:
            decided.extend(events)
            return Reply(200, {})

        await self.uow.run(Command(aggregates=[f"campaign:{code}"], command=code, topic=CAMPAIGNS, load=load,
                                   decide=lambda current, _, __: decide(current), save=nothing_to_save,
                                   answer=answer))
        return decided


async def book() -> CampaignBook:
    from eventlog.consume.campaign_follower import read_campaign_book

    return await read_campaign_book()


async def load_file(path: str, actor: Actor, at: datetime) -> list[Event]:
    """Validate the file, then publish CampaignOpened unless this exact definition is already open."""
    campaign = load_campaign(path)  # CampaignFileError (line + field) before anything touches Kafka
    async with CampaignWrites() as writes:
        return await writes.run(campaign.code, lambda current: decide_open(current, campaign, actor=actor, at=at,
                                                                           source=path))


async def change_timeline(code: str, changes_of, reason: str, actor: Actor, at: datetime) -> list[Event]:
    def decide(current: CampaignBook) -> list[Event]:
        return decide_timeline_change(current, code, changes_of(current.as_of(code)), reason, actor=actor, at=at)

    async with CampaignWrites() as writes:
        return await writes.run(code, decide)


def _run(coro) -> list[Event]:
    try:
        return asyncio.run(coro)
    except DomainError as e:
        typer.echo(f"拒绝（{e.code}）：{e.message}\n未发布任何事件（nothing published）。", err=True)
        raise typer.Exit(1) from None


def _report(events: list[Event], done: str, noop: str) -> None:
    if events:
        typer.echo(f"{done}（published {events[0].type} {events[0].event_id}）")
    else:
        typer.echo(noop)


@app.command()
def load(path: str = typer.Argument(..., help="campaign file, e.g. contracts/campaigns/kczg-2022.yaml"),
         by: str = typer.Option(None, help="operator recorded as the actor")) -> None:
    """Validate a campaign file and publish CampaignOpened (identical re-load: no-op)."""
    events = _run(load_file(path, _actor(by), _now()))
    _report(events, "活动已开启", "该活动已以相同定义开启，无需重复加载（no-op, nothing published）。")


def _instant(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"不是 ISO 时间：{value}（e.g. 2022-11-08T00:00:00+08:00）") from None


@app.command("extend-deadline")
def extend_deadline(code: str, until: str = typer.Option(..., help="new exclusive end, ISO; no offset = campaign time zone"),
                    reason: str = typer.Option(..., help="why (recorded on the event)"),
                    deadline: str = typer.Option("submission", help="submission | prelim"),
                    by: str = typer.Option(None, help="operator recorded as the actor")) -> None:
    """Publish CampaignTimelineChanged moving a deadline later."""
    if deadline not in ("submission", "prelim"):
        raise typer.BadParameter("deadline 须为 submission 或 prelim")
    instant = _instant(until)

    def changes(c: Campaign) -> dict[str, datetime]:
        aware = instant if instant.tzinfo else instant.replace(tzinfo=c.tz)
        return deadline_extension(c, deadline, aware)

    events = _run(change_timeline(code, changes, reason, _actor(by), _now()))
    _report(events, "截止时间已延长", "截止时间未变（no-op）。")


@app.command("move-release")
def move_release(code: str, to: str = typer.Option(..., help="release day, ISO date, e.g. 2023-02-20"),
                 reason: str = typer.Option(..., help="why (recorded on the event)"),
                 by: str = typer.Option(None, help="operator recorded as the actor")) -> None:
    """Publish CampaignTimelineChanged planning the release for another day."""
    try:
        day = date.fromisoformat(to)
    except ValueError:
        raise typer.BadParameter(f"不是 ISO 日期：{to}（e.g. 2023-02-20）") from None
    events = _run(change_timeline(code, lambda c: release_move(c, day), reason, _actor(by), _now()))
    _report(events, "发布时间已调整", "发布时间未变（no-op）。")


@app.command()
def show(code: str = typer.Argument(None, help="campaign code; default: the most recently opened")) -> None:
    """Print the current campaign (lists, quotas, channels, timeline in Beijing time, bodies) in Chinese."""
    from eventlog.clock import clock_from_spec
    from kczg.campaign_view import clock_note, render_campaign

    current = asyncio.run(book())
    if not current.codes:
        typer.echo("尚未加载任何活动（no campaign on the topic）：kczg campaign load <file>", err=True)
        raise typer.Exit(1)
    code = code or current.codes[-1]
    if code not in current:
        typer.echo(f"未找到活动 {code}；已有：{', '.join(current.codes)}", err=True)
        raise typer.Exit(1)
    spec = os.environ.get("KCZG_CLOCK")
    try:
        now = clock_from_spec(spec).now()  # the services' clock: the phase they report
    except ValueError as exc:
        typer.echo(f"KCZG_CLOCK 无法解析（invalid_clock）：{exc}", err=True)
        raise typer.Exit(1) from None
    console = Console(width=None if sys.stdout.isatty() else 140)  # piped: wide enough for the tables
    render_campaign(console, current.history(code), now, clock_note(spec, now),
                    others=[c for c in current.codes if c != code])
