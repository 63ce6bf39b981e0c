"""A campaign as readable Chinese rich tables (for `kczg campaign show`); times in Beijing time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from contracts.campaign import Campaign, RankingList
from contracts.campaign.book import CampaignVersion

BEIJING = ZoneInfo("Asia/Shanghai")

TIMELINE = (  # (field, label, is an exclusive end)
    ("collection_opens_at", "征集开始", False),
    ("submission_closes_at", "申报截止", True),
    ("prelim_due_at", "初评结果报送截止", True),
    ("final_review_opens_at", "终评开始", False),
    ("final_review_closes_at", "终评结束", True),
    ("release_planned_from", "发布推介开始", False),
    ("release_planned_until", "发布推介结束", True),
    ("publicity_opens_at", "宣传推广开始", False),
    ("publicity_closes_at", "宣传推广结束", True),
    ("notice_opens_at", "公示开始", False),  # optional: a call need not name a 公示 window
    ("notice_closes_at", "公示结束", True),
)
LABELS = {name: label for name, label, _ in TIMELINE}
PHASES = {"not_started": "尚未开始", "collection": "征集中", "preliminary_review": "初评中",
          "awaiting_final_review": "待终评", "final_review": "终评中", "awaiting_release": "待发布",
          "release": "发布推介中", "released": "已发布"}


def beijing(at: datetime, exclusive_end: bool = False) -> str:
    """Beijing wall time; an exclusive end at midnight reads as the previous day's 24:00, as notices write it."""
    local = at.astimezone(BEIJING)
    if exclusive_end and (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"{(local - timedelta(days=1)):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


def _quota(c: Campaign, lst: RankingList) -> str:
    if lst.quota_per_unit is None:
        return "不设渠道名额"
    scope = "每领域" if lst.quota_scope == "per_domain" else ""
    return f"每单位{scope}不超过 {lst.quota_per_unit} 项" + ("（多渠道可叠加）" if c.rules.quota_stacking == "add" else "")


def _channels(c: Campaign, lst: RankingList) -> str:
    if lst.separately_organised:
        return "另行组织"
    if lst.channels is None:
        return "全部推荐渠道"
    names = {ch.code: ch.name for ch in c.channels}
    return "、".join(names.get(code, code) for code in lst.channels)


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def clock_note(spec: str | None, now: datetime) -> str:
    """Which clock the phase is read at: the services' KCZG_CLOCK (eventlog/clock.py), or the system's."""
    spec = (spec or "").strip()
    which = "系统时钟" if spec in ("", "system") else f"KCZG_CLOCK={spec}"
    return f"按{which}：{beijing(now)} 北京时间"


def render_campaign(console: Console, history: tuple[CampaignVersion, ...], now: datetime, clock: str,
                    others: list[str] = ()) -> None:
    """`now` is the instant the phase is read at, `clock` says whose (clock_note)."""
    c, opened = history[-1].campaign, history[0].campaign
    overview = _table(f"{c.title}（{c.code}）", "项目", "内容")
    for label, value in (
        ("通知文号", c.source_notice or "—"), ("申报平台", c.platform or "—"), ("时区", c.timezone),
        ("秘书处", c.secretariat), ("当前阶段", f"{PHASES.get(c.phase_at(now), c.phase_at(now))}（{clock}）"),
        ("名额规则", "推荐单位属于多个渠道的，可叠加推荐名额" if c.rules.quota_stacking == "add"
         else "名额不叠加（属于多个渠道也按一个渠道计）"),
        ("往届上榜", f"不再推荐：{c.rules.previously_listed_reason}" if c.rules.previously_listed_not_renominable
         else "不限制"),
    ):
        overview.add_row(label, value)
    console.print(overview)

    lists = _table("榜单", "榜单", "领域", "推荐名额", "推荐渠道", "评审方式")
    for lst in c.lists:
        domains = "、".join(d.name + ("（专项）" if d.kind == "special" else "") for d in lst.domains) or "不分领域"
        stage = "单阶段评审" if lst.review_stage == "single_stage" else "初评 + 终评"
        lists.add_row(f"{lst.name}\n{lst.code}", domains, _quota(c, lst), _channels(c, lst), stage)
    console.print(lists)

    channels = _table("推荐渠道", "渠道", "代码")
    for ch in c.channels:
        channels.add_row(ch.name, ch.code)
    console.print(channels)

    timeline = _table("时间安排（北京时间）", "节点", "时间", "备注")
    for name, label, exclusive in TIMELINE:
        value, first = getattr(c.timeline, name), getattr(opened.timeline, name)
        if value is None:
            continue
        note = f"已调整，原为 {beijing(first, exclusive) if first else '未设'}" if value != first else ""
        if name.startswith("notice_") and c.timeline.notice_basis == "modelled_default":
            note = "；".join(filter(None, (note, "建模默认值，非通知原文")))
        timeline.add_row(label, beijing(value, exclusive), note)
    console.print(timeline)

    bodies = _table("评审机构", "机构", "类型", "负责")
    list_names = {lst.code: lst for lst in c.lists}
    for body in c.bodies:
        scope = []
        for list_code, domain in body.lists:
            lst = list_names[list_code]
            scope.append(lst.name + (f"·{lst.domain(domain).name}" if domain and lst.domain(domain) else ""))
        bodies.add_row(body.name, "初评机构" if body.kind == "preliminary" else "评审机构（单阶段）", "、".join(scope))
    bodies.add_row(c.secretariat, "终评", "全部榜单")
    console.print(bodies)

    if len(history) > 1:
        changes = _table("时间调整记录", "记录时间（北京时间）", "调整", "原因")
        for version in history[1:]:
            moved = "；".join(f"{LABELS.get(k, k)} → {beijing(v, k.endswith(('closes_at', 'due_at', 'until')))}"
                             for k, v in version.changes.items())
            changes.add_row(beijing(version.effective_at), moved, version.reason)
        console.print(changes)
    if others:
        console.print(f"其他活动：{'、'.join(others)}（kczg campaign show <代码>）")
