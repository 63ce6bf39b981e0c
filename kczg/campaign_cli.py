"""`kczg campaign load | extend-deadline | move-release | show`: a campaign is events on the campaigns topic.

Each command reads the topic to its end (eventlog/campaign_follower.py), decides with the pure functions of
contracts/campaign/decisions.py, and publishes at most one event (acks=all) — or refuses with a Chinese
message and exit code 1, publishing nothing.
"""

from __future__ import annotations

import asyncio
import os
import sys
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


async def publish(events: list[Event]) -> None:
    if not events:
        return
    from eventlog.admin import create_topics
    from eventlog.producer import EventPublisher, event_producer

    await create_topics((CAMPAIGNS,))  # never let the broker auto-create it with default retention
    producer = event_producer()
    await producer.start()
    try:
        await EventPublisher(producer).publish_many([(CAMPAIGNS, e) for e in events])
    finally:
        await producer.stop()


async def book() -> CampaignBook:
    from eventlog.campaign_follower import read_campaign_book

    return await read_campaign_book()


async def load_file(path: str, actor: Actor, at: datetime) -> list[Event]:
    """Validate the file, then publish CampaignOpened unless this exact definition is already open."""
    campaign = load_campaign(path)  # CampaignFileError (line + field) before anything touches Kafka
    events = decide_open(await book(), campaign, actor=actor, at=at, source=path)
    await publish(events)
    return events


async def change_timeline(code: str, changes_of, reason: str, actor: Actor, at: datetime) -> list[Event]:
    current = await book()
    events = decide_timeline_change(current, code, changes_of(current.as_of(code)), reason, actor=actor, at=at)
    await publish(events)
    return events


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
