"""`kczg release build | trace`: the release files and an entry's chain of events, read from the log alone.

`build` reads the campaign (kczg.campaigns) and every ListPublished of it (kczg.publish) and renders the
current version of each list with the same pure code the publish service serves its files with
(services/publish/release/assemble.py), so the files are byte for byte what the service serves.
`trace` prints the events a published entry rests on: nomination, quota, screening, prelim, decision,
notice and release, each looked up on the log (objections to it too, never the objector's contact).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable
from pathlib import Path
from uuid import UUID

import typer
from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.errors import DomainError
from contracts.events import Event, ListPublished, ObjectionFiled, ObjectionResolved
from contracts.topics import NOMINATIONS, PUBLISH, QUOTA, REVIEW, Topic
from eventlog.consume.deadletter import decoded
from eventlog.settings import kafka_bootstrap

app = typer.Typer(help="发布文件：从事件日志重建、追溯（release files from the log）.", no_args_is_help=True)
STAGES = (("nomination", "nomination_event_id", "推荐"), ("quota", "quota_event_id", "名额"),
          ("screening", "screening_event_id", "形式审查"), ("prelim", "prelim_event_id", "初评"),
          ("decision", "decision_event_id", "终评"), ("notice", "notice_event_id", "公示"))


async def read_events(topics: Iterable[Topic]) -> list[Event]:
    """Every decodable event on `topics` from the beginning to where they end now, per partition in order."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), enable_auto_commit=False,
                                auto_offset_reset="earliest", isolation_level="read_committed")
    await consumer.start()
    try:
        tps = [TopicPartition(t.name, p) for t in topics for p in range(t.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: dict[TopicPartition, list] = {tp: [] for tp in tps}
        while any([await consumer.position(tp) < ends[tp] for tp in tps]):
            for tp, batch in (await consumer.getmany(timeout_ms=500, max_records=10_000)).items():
                records[tp].extend(r for r in batch if r.offset < ends[tp])
        events, _ = decoded(r for tp in tps for r in records[tp])
        return [event for _, event in events]
    finally:
        await consumer.stop()


async def release_files(code: str) -> dict[str, bytes] | None:
    """The campaign's release files, built from the log alone; None before any list is published."""
    from eventlog.consume.campaign_follower import read_campaign_book
    from services.publish.release import build_release_files
    from services.publish.release.assemble import release_of, version_of

    campaign = (await read_campaign_book()).as_of(code)
    published = [e for e in await read_events([PUBLISH]) if isinstance(e, ListPublished) and e.campaign == code]
    release = release_of(campaign, [version_of(e) for e in published])
    return None if release is None else await asyncio.to_thread(build_release_files, release)


@app.command("build")
def build(campaign: str = typer.Argument(..., help="campaign code, e.g. kczg-2022"),
          out: Path = typer.Option(Path("release"), help="directory; the files go into DIR/CAMPAIGN/")) -> None:
    """Rebuild every release file of CAMPAIGN from the log, byte for byte as the publish service serves them."""
    from services.publish.release.files import write_bytes
    from services.publish.release.renderer import RendererUnavailable

    try:
        files = asyncio.run(release_files(campaign))
    except RendererUnavailable as e:  # all or nothing: a partial set beside a stale release.pdf would mislead
        typer.echo(f"{e.message}（{e.code}）", err=True)
        raise typer.Exit(1) from None
    except DomainError as e:
        typer.echo(f"拒绝（{e.code}）：{e.message}", err=True)
        raise typer.Exit(1) from None
    if files is None:
        typer.echo(f"{campaign} 尚无已发布的榜单（no ListPublished on the log）。", err=True)
        raise typer.Exit(1)
    written = write_bytes(files, out / campaign)
    for name, path in written.items():
        typer.echo(f"{hashlib.sha256(files[name]).hexdigest()}  {len(files[name]):>9}  {path}")


async def trace_lines(nomination_id: UUID) -> list[str] | None:
    events = await read_events([NOMINATIONS, QUOTA, REVIEW, PUBLISH])
    by_id = {e.event_id: e for e in events}
    current: dict[tuple[str, str], ListPublished] = {}
    for e in events:
        if isinstance(e, ListPublished):
            held = current.get((e.campaign, e.list_code))
            if held is None or (e.version, str(e.event_id)) > (held.version, str(held.event_id)):
                current[(e.campaign, e.list_code)] = e
    listed = [(lst, entry) for lst in current.values() for entry in lst.entries if entry.nomination_id == nomination_id]
    if not listed:
        return None
    lines = []
    for lst, entry in listed:
        lines.append(f"{entry.title}（{lst.campaign} · {lst.list_code} · 第 {lst.version} 版）")
        trace = entry.trace
        for stage, field, label in STAGES:
            event_id = getattr(trace, field) if trace else None
            lines.append(_line(stage, label, event_id, by_id))
        for e in events:
            if isinstance(e, (ObjectionFiled, ObjectionResolved)) and e.nomination_id == nomination_id:
                what = "异议" if isinstance(e, ObjectionFiled) else ("异议成立" if e.upheld else "异议不成立")
                lines.append(_line("objection", what, e.event_id, by_id))
        lines.append(_line("release", "发布", lst.event_id, by_id))
    return lines


def _line(stage: str, label: str, event_id: UUID | None, by_id: dict[UUID, Event]) -> str:
    if event_id is None:
        return f"{stage:<11}{label:<6}—"
    found = by_id.get(event_id)
    seen = f"{found.type}  {found.occurred_at.isoformat()}" if found else "未在日志中找到（not on the log）"
    return f"{stage:<11}{label:<6}{event_id}  {seen}"


@app.command("trace")
def trace(nomination: str = typer.Argument(..., help="nomination id of a published entry")) -> None:
    """Print the chain of event ids behind a published entry (nomination … release), each found on the log."""
    try:
        nomination_id = UUID(nomination)
    except ValueError:
        raise typer.BadParameter(f"不是提名编号（UUID）：{nomination}") from None
    lines = asyncio.run(trace_lines(nomination_id))
    if lines is None:
        typer.echo(f"{nomination} 不在任何已发布榜单中（not in any published list）。", err=True)
        raise typer.Exit(1)
    typer.echo("\n".join(lines))
