"""`kczg audit NOMINATION`: a nomination's audit — every event about it, who acted (role, organisation,
person), when (Beijing time) and why — read from the review service's audit view (`review.audit`, built
from the log) with the query its API route answers with, so both print the same rows. `--json` prints
the route's body exactly."""

from __future__ import annotations

import asyncio
from datetime import datetime
from uuid import UUID

import asyncpg
import orjson
import typer

from contracts.deadline_text import BEIJING
from eventlog.http.docs import json_response
from eventlog.settings import database_url

COLUMNS = ("时间（北京）", "事件", "角色", "单位", "经办人", "理由")


async def read_audit(nomination_id: UUID) -> list[dict] | None:
    from services.review.views.audit_queries import nomination_audit

    conn = await asyncpg.connect(database_url())
    try:
        return await nomination_audit(conn, nomination_id)
    finally:
        await conn.close()


def line(event: dict) -> str:
    """One event as one tab-separated row of COLUMNS."""
    at: datetime = event["occurred_at"]
    actor = event["actor"]
    return "\t".join((at.astimezone(BEIJING).isoformat(), f"{event['name']}（{event['type']}）",
                      actor["role_name"], actor["organisation"], actor["person"] or "—",
                      "；".join(event["reasons"]) or "—"))


def audit(nomination: str = typer.Argument(..., help="the nomination's id (UUID)"),
          as_json: bool = typer.Option(False, "--json", help="the API's JSON body, exactly")) -> None:
    """Print every event about NOMINATION: who (role, organisation, person), when and why, in the log's order."""
    try:
        nomination_id = UUID(nomination)
    except ValueError:
        raise typer.BadParameter(f"不是有效的推荐编号（UUID）：{nomination!r}") from None
    try:
        events = asyncio.run(read_audit(nomination_id))
    except asyncpg.UndefinedTableError:
        typer.echo("审计视图尚未构建：请先启动评审服务或运行 `kczg projections rebuild review.audit`（views_building）。",
                   err=True)
        raise typer.Exit(1) from None
    if events is None:
        typer.echo(f"未找到该推荐对象的任何记录（nomination_not_found）：{nomination_id}", err=True)
        raise typer.Exit(1)
    if as_json:
        body = json_response({"nomination_id": str(nomination_id), "events": events}).body
        typer.echo(orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2).decode())
        return
    typer.echo("\t".join(COLUMNS))
    for event in events:
        typer.echo(line(event))
