"""Server-rendered public pages: one Jinja2 environment, autoescape on, one render_* per page."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

# The objection form's limits are the domain's (ObjectionFiled allows 200 per name field, 4000 of grounds).
from ..domain.objections import OBJECTION_LIMITS
from .page_models import ErrorPage, IndexPage, ListPage, NoticePage
from .table import domain_groups

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
BEIJING = ZoneInfo("Asia/Shanghai")

AGGREGATIONS = {"mean": "算术平均", "trimmed_mean": "去掉一个最高分和一个最低分后平均",
                "zscore_mean": "按专家标准化（Z 分数）后平均"}
TIE_BREAKS = {"raw_sum": "原始分之和（高者在前）", "earliest_submission": "推荐提交时间（早者在前）"}


def beijing(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("a shown time must be timezone-aware; naive times are never guessed")
    t = moment.astimezone(BEIJING)
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}（北京时间）"


def percent(weight: int) -> str:
    return f"{weight}%"


def tie_break_text(codes: tuple[str, ...]) -> str:
    rules = "；".join(f"{i}. {TIE_BREAKS.get(c, c)}" for i, c in enumerate(codes, 1))
    return f"汇总分相同时依次比较：{rules}"


def filesize(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    return f"{size / 1024:.1f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(beijing=beijing, percent=percent, filesize=filesize, by_domain=domain_groups,
                       aggregation=lambda code: AGGREGATIONS.get(code, code),
                       tie_break=tie_break_text)
    env.globals["limits"] = OBJECTION_LIMITS
    return env


def render_index(page: IndexPage) -> str:
    return environment().get_template("index.html").render(page=page)


def render_list(page: ListPage) -> str:
    """A list version page; with print_document=True, the HTML that release.pdf is printed from."""
    return environment().get_template("list.html").render(page=page)


def render_notice(page: NoticePage) -> str:
    return environment().get_template("notice.html").render(page=page)


def render_error(page: ErrorPage) -> str:
    return environment().get_template("error.html").render(page=page)


def render_page(template: str, page, **more) -> str:
    """The pages after the release (entry_pages.py's view models): entry, entries, statistics, news, archive."""
    return environment().get_template(template).render(page=page, **more)
