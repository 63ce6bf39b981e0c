"""Who a page is for, for every service with pages: the signed-in person of one of its roles, with their
forms' CSRF token; anyone else gets the login page's pointer (401) or the refusal (403) as a page, never a
problem+json."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.http.auth import authorise
from eventlog.http.page_session import PAGES
from eventlog.pages.login import session
from eventlog.pages.render import SHARED_TEMPLATES as T


class Refused(Exception):
    """The page to answer instead of the one asked for."""

    def __init__(self, response: Response) -> None:
        self.response = response


def signed_in(request: Request, *roles: str) -> tuple[Identity, str]:
    """The signed-in person, if of one of `roles`, and their CSRF token; else `Refused`."""
    who, csrf = session(request)
    if who is None:
        raise Refused(T.page("message.html", 401, title="请先登录", heading="请先登录", who=None, csrf=None,
                             message="请先登录：经公共平台进入，或使用开发环境的登录链接。",
                             back=f"{PAGES}/login?next={request.url.path}"))
    try:
        authorise(who, roles)
    except DomainError as exc:
        raise Refused(T.page("message.html", 403, title="无权访问", heading="无权访问", who=who, csrf=csrf,
                             message=exc.message, back=None)) from None
    return who, csrf
