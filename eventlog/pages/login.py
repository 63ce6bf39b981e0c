"""The login exchange and the shared pages' routes, mounted by every service that serves pages.

The platform's identity provider (or, in development, `kczg token issue … --login`) hands over the same
JWT the APIs take; it is checked like a bearer token and kept in an HttpOnly, SameSite=Strict cookie
(Secure under KCZG_ENV=production) scoped to /workbench, for as long as the token itself is valid.

- POST /workbench/login (form field `token`, optional `next`): how the identity provider hands the token
  over (an auto-submitted form, as OpenID Connect's form_post response mode). It answers with a page that
  moves on by itself: a 303 after a cross-site post would arrive without the Strict cookie.
- GET /workbench/login?token=…: the development link; refused in production, where a token never goes
  into a URL (logs, history). Without a token: the login page.
- POST /workbench/logout: the cookie cleared (a form with its CSRF token, like every other).
"""

from __future__ import annotations

import time
from pathlib import Path

import jwt
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.errors import DomainError
from contracts.identity import ROLE_NAMES, Identity
from eventlog.http.auth import identify, verifier_of
from eventlog.http.page_session import COOKIE, PAGES, csrf_token, session_of
from eventlog.pages.render import PAGE_HEADERS, SHARED_TEMPLATES as T
from eventlog.settings import is_production

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {p.name: p.read_bytes() for p in STATIC.iterdir() if p.is_file()}  # read once: a handful of small files
MEDIA = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".txt": "text/plain; charset=utf-8"}
MAX_LOGIN_BYTES = 16 * 1024


def session(request: Request) -> tuple[Identity | None, str | None]:
    """Who the page's caller is (None: nobody verified) and the CSRF token its forms carry."""
    try:
        who = identify(verifier_of(request), request.headers.get("authorization"))
    except DomainError:
        return None, None
    token = session_of(list(request.scope["headers"]))
    return who, csrf_token(token) if token else ""


def safe_next(value: str | None) -> str:
    """Where to go after login: a page of this site only (no open redirect)."""
    if value and value.startswith(PAGES + "/") and "//" not in value and "\\" not in value:
        return value
    return PAGES + "/"


def _with_cookie(response: Response, token: str, expires_at: float) -> Response:
    response.set_cookie(COOKIE, token, max_age=max(int(expires_at - time.time()), 0), path=PAGES, httponly=True,
                        samesite="strict", secure=is_production())
    return response


def _login_page(request: Request, status: int = 200, error: str | None = None, next_: str = "") -> Response:
    return T.page("login.html", status, title="登录", who=None, csrf=None, error=error, next=safe_next(next_),
                  development=not is_production())


def _verified(request: Request, token: str) -> tuple[Identity, float]:
    who = identify(verifier_of(request), f"Bearer {token}")  # signature, issuer, audience, expiry: as the APIs
    return who, float(jwt.decode(token, options={"verify_signature": False})["exp"])


def login_router(homes: dict[str, str]) -> APIRouter:
    """The shared routes; `homes` maps a role to its start page on this service."""
    router = APIRouter(include_in_schema=False)

    @router.get(PAGES + "/")
    async def home(request: Request) -> Response:
        who, csrf = session(request)
        if who is None:
            return RedirectResponse(PAGES + "/login", status_code=303)
        if who.role in homes:
            return RedirectResponse(homes[who.role], status_code=303)
        return T.page("message.html", title="工作台", heading="工作台", who=who, csrf=csrf, back=None,
                      message=f"您以“{ROLE_NAMES[who.role]}”身份登录；本服务暂无该角色的页面。")

    @router.get(PAGES + "/login")
    async def login_page(request: Request, token: str | None = None, next: str = "") -> Response:
        if token is None:
            return _login_page(request, next_=next)
        if is_production():
            return _login_page(request, 400, "生产环境不接受链接登录，请经公共平台登录。", next)
        try:
            who, expires_at = _verified(request, token)
        except DomainError as exc:
            return _login_page(request, exc.http_status, exc.message, next)
        response = RedirectResponse(safe_next(next), status_code=303, headers={"Referrer-Policy": "no-referrer",
                                                                              "Cache-Control": "no-store"})
        return _with_cookie(response, token, expires_at)

    @router.post(PAGES + "/login")
    async def login(request: Request) -> Response:
        if len(await request.body()) > MAX_LOGIN_BYTES:
            return _login_page(request, 413, "登录凭证过长。")
        form = await request.form(max_files=0, max_fields=5)
        token, next_ = form.get("token"), form.get("next")
        next_ = next_ if isinstance(next_, str) else ""
        if not isinstance(token, str) or not token.strip():
            return _login_page(request, 401, "请提供登录凭证。", next_)
        try:
            who, expires_at = _verified(request, token.strip())
        except DomainError as exc:
            return _login_page(request, exc.http_status, exc.message, next_)
        page = T.page("logged_in.html", title="登录成功", who=None, csrf=None, role=ROLE_NAMES[who.role],
                      next=safe_next(next_))
        return _with_cookie(page, token.strip(), expires_at)

    @router.post(PAGES + "/logout")
    async def logout(request: Request) -> Response:
        page = T.page("message.html", title="已退出登录", heading="已退出登录", who=None, csrf=None,
                      message="您已退出登录。", back=PAGES + "/login")
        page.delete_cookie(COOKIE, path=PAGES, httponly=True, samesite="strict", secure=is_production())
        return page

    @router.get(PAGES + "/static/{name}")
    async def asset(name: str) -> Response:
        body = ASSETS.get(name)
        if body is None:
            return T.page("message.html", 404, title="未找到", heading="未找到", who=None, csrf=None,
                          message="请求的文件不存在。", back=None)
        return Response(body, media_type=MEDIA.get(Path(name).suffix, "application/octet-stream"),
                        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"})

    return router
