"""`kczg privacy erase | expire | show`: crypto-shredding of natural persons' data on the log.

A person's sealed fields (contracts/personal.py) read as 已删除 everywhere once their key is destroyed
(eventlog/privacy). `erase` answers a person's request; `expire` is the daily retention job (run it from a
timer or cron, e.g. `systemd-run --on-calendar=daily kczg privacy expire`): for every campaign on the log it
destroys the keys of each purpose whose retention (Campaign.retention, in the campaign file) ran out at the
clock's instant, and prints what it did. Both are idempotent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import typer

from contracts.campaign.book import CampaignBook
from eventlog.clock import clock_from_env, parse_instant

app = typer.Typer(help="个人信息：按人删除（密钥销毁）、按保存期限到期删除（crypto-shredding）.",
                  no_args_is_help=True)


@dataclass(frozen=True)
class Expiry:
    campaign: str
    purpose: str
    expires_at: datetime
    erased: tuple[str, ...]  # person ids whose keys this run destroyed (empty: not due yet, or nothing left)
    due: bool


async def expire_due(conn, book: CampaignBook, now: datetime) -> list[Expiry]:
    """Every campaign's retention rules at `now` (the campaign as the log has it now: a moved release moves
    the expiry): the due ones' keys destroyed."""
    from eventlog import privacy

    await privacy.ensure_schema(conn)
    out = []
    for code in book.codes:
        campaign = book.as_of(code)
        for rule in campaign.retention:
            expires_at = rule.expires_at(campaign.timeline)
            erased: list = []
            if now >= expires_at:
                async with conn.transaction():
                    erased = await privacy.expire(conn, code, rule.purpose, f"retention:{rule.after}+{rule.days}d",
                                                  now)
            out.append(Expiry(code, rule.purpose, expires_at, tuple(pid for pid, _, _ in erased), now >= expires_at))
    return out


def _now(at: str | None) -> datetime:
    return parse_instant(at) if at else clock_from_env().now()


async def _connect():
    import asyncpg

    from eventlog.settings import database_url

    return await asyncpg.connect(database_url(), timeout=10)


@app.command()
def erase(person: str = typer.Argument(..., help="person id, e.g. objector:<objection id>"),
          why: str = typer.Option("request", help="why (recorded with the erasure), e.g. a request number"),
          at: str | None = typer.Option(None, help="instant, ISO with offset; default KCZG_CLOCK / now")) -> None:
    """Destroy one person's key: their fields read 已删除 in every view, page, export and replay."""
    from eventlog import privacy

    async def run() -> bool:
        conn = await _connect()
        try:
            await privacy.ensure_schema(conn)
            return await privacy.erase(conn, person, why, _now(at))
        finally:
            await conn.close()

    destroyed = asyncio.run(run())
    typer.echo(f"erased {person}: key destroyed" if destroyed
               else f"erased {person}: no live key (already erased or never held); recorded as erased")


@app.command()
def expire(at: str | None = typer.Option(None, help="instant, ISO with offset; default KCZG_CLOCK / now")) -> None:
    """The daily retention job: destroy the keys whose retention ran out, and say what it did."""
    from eventlog.consume.campaign_follower import read_campaign_book

    now = _now(at)

    async def run() -> list[Expiry]:
        book = await read_campaign_book()
        conn = await _connect()
        try:
            return await expire_due(conn, book, now)
        finally:
            await conn.close()

    results = asyncio.run(run())
    typer.echo(f"retention at {now.isoformat()}:")
    for r in results:
        state = f"expired: {len(r.erased)} key(s) destroyed" if r.due else "kept"
        typer.echo(f"  {r.campaign} · {r.purpose} · until {r.expires_at.isoformat()} · {state}")
        for pid in r.erased:
            typer.echo(f"    erased {pid}")
    if not results:
        typer.echo("  no campaign declares a retention")
