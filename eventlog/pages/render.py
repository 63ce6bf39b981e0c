"""Rendering a page: one Jinja2 environment per service over its own templates and the shared layout,
and the headers every page goes out with (no script or style from anywhere but the service itself)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from contracts.deadline_text import BEIJING, deadline_text

SHARED = Path(__file__).resolve().parent / "templates"
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Cache-Control": "no-store",
}


def beijing(at: datetime | None) -> str:
    return "—" if at is None else at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


class Templates:
    """The templates of `directory` (a service's), falling back to the shared layout and pages."""

    def __init__(self, directory: Path | None = None) -> None:
        loaders = [FileSystemLoader(directory)] if directory else []
        # Templates are read once per process, as code is (no stat of every template on every page).
        self.env = Environment(loader=ChoiceLoader([*loaders, FileSystemLoader(SHARED)]),
                               autoescape=select_autoescape(default=True), undefined=StrictUndefined,
                               trim_blocks=True, lstrip_blocks=True, auto_reload=False)
        self.env.filters["beijing"] = beijing
        self.env.filters["deadline"] = deadline_text  # an end at midnight reads as 24:00 of the day before

    def render(self, name: str, **context) -> str:
        return self.env.get_template(name).render(**context)

    def page(self, name: str, status: int = 200, headers: dict[str, str] | None = None, **context) -> HTMLResponse:
        return HTMLResponse(self.render(name, **context), status_code=status, headers={**PAGE_HEADERS, **(headers or {})})


SHARED_TEMPLATES = Templates()


def problem_page(status: int, detail: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    """A refusal or failure on a page: the API's Chinese words in the layout (never JSON, never a trace)."""
    heading = {401: "请先登录", 403: "无权访问", 404: "未找到", 503: "服务暂不可用"}.get(status, "无法完成请求")
    back = "/workbench/login" if status == 401 else "/workbench/"
    return SHARED_TEMPLATES.page("message.html", status, headers, title=heading, heading=heading, message=detail,
                                 who=None, csrf=None, back=back)
