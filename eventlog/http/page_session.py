"""The pages' login, in front of every service (eventlog/http/service_app.py FRONT): the session cookie
becomes the request's bearer token, and a form sent with the cookie must carry its CSRF token.

Only paths under PAGES (/workbench/) are touched, and only there is the cookie sent (its Path): the JSON
APIs and the public pages never see it, so they keep reading the Authorization header alone.

The CSRF token is bound to the session, not stored: it is a digest of the session's token, which the
cookie holds HttpOnly, so a page of another site can neither read the cookie nor compute the digest. A
forged form (which SameSite=Strict already keeps the cookie from) is refused before anything reads it.
No server secret is needed, so every worker and every service checks the same token. A request that
carries its own Authorization header is not a browser's cookie ride and needs no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eventlog.http.path_limits import limit_of

PAGES = "/workbench"
COOKIE = "kczg_session"
CSRF_FIELD, CSRF_HEADER = "csrf", b"x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NO_CSRF = frozenset({PAGES + "/login"})  # the identity provider's form post carries a token of its own
MAX_FORM_BYTES = 256 * 1024
MAX_FORM_FIELDS = 16_000
MAX_MULTIPART_FIELDS = 2_000


def csrf_token(session_token: str) -> str:
    """The CSRF token of the session whose cookie holds `session_token`."""
    return hashlib.sha256(b"kczg-csrf\0" + session_token.encode()).hexdigest()


def session_of(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The session cookie's token, if the request carries one."""
    for name, value in headers:
        if name == b"cookie":
            morsel = SimpleCookie(value.decode("latin-1")).get(COOKIE)
            if morsel is not None and morsel.value:
                return morsel.value
    return None


class PageSession:
    """`per_path`: larger body limits of page paths that take an upload (the service's own limits for them)."""

    def __init__(self, app: ASGIApp, per_path: dict[str, int] | None = None) -> None:
        self.app = app
        self.per_path = {p: n for p, n in (per_path or {}).items() if p.startswith(PAGES + "/")}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == PAGES or path.startswith(PAGES + "/")):
            return await self.app(scope, receive, send)
        headers = list(scope.get("headers") or [])
        token = session_of(headers)
        if token is None or any(name == b"authorization" for name, _ in headers):
            return await self.app(scope, receive, send)
        scope = {**scope, "headers": [*headers, (b"authorization", b"Bearer " + token.encode("latin-1"))]}
        if scope["method"] in SAFE_METHODS or path in NO_CSRF:
            return await self.app(scope, receive, send)
        body = await _read(receive, limit_of(self.per_path, path, MAX_FORM_BYTES))
        if body is None:
            return await _refuse(send, 413, "提交内容过大，请缩短后重试。")
        if not hmac.compare_digest((await _sent_csrf(headers, body)).encode(), csrf_token(token).encode()):
            return await _refuse(send, 403, "表单已失效或来源不明（缺少或不匹配的 CSRF 令牌），未做任何修改。"
                                            "请返回上一页、刷新后重新提交。")
        await self.app(scope, _replay(body, receive), send)


async def _sent_csrf(headers: list[tuple[bytes, bytes]], body: bytes) -> str:
    """The token the request sent: its X-CSRF-Token header, else the `csrf` field of a urlencoded or
    multipart form (an upload: the body is already bounded above)."""
    fields = dict(headers)
    if CSRF_HEADER in fields:
        return fields[CSRF_HEADER].decode("latin-1")
    kind = fields.get(b"content-type", b"").split(b";")[0].strip()
    if kind == b"application/x-www-form-urlencoded":
        try:  # a sitting's form has a few fields per candidate; the body's limit bounds them all
            values = parse_qs(body.decode("utf-8", "replace"), max_num_fields=MAX_FORM_FIELDS).get(CSRF_FIELD)
        except ValueError:
            return ""
        return values[0] if values else ""
    if kind == b"multipart/form-data":
        return await _multipart_csrf(headers, body)
    return ""


async def _multipart_csrf(headers: list[tuple[bytes, bytes]], body: bytes) -> str:
    from starlette.datastructures import Headers
    from starlette.formparsers import MultiPartException, MultiPartParser

    async def stream():
        yield body

    try:
        # an application form has a field per input of its tables (people, patents): bounded by the body limit
        form = await MultiPartParser(Headers(raw=headers), stream(), max_files=4, max_fields=MAX_MULTIPART_FIELDS).parse()
    except (MultiPartException, ValueError):
        return ""
    try:
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    finally:
        await form.close()


async def _read(receive: Receive, limit: int) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:
            return None
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def again() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # after the body: the disconnect, when it comes
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again


async def _refuse(send: Send, status: int, message: str) -> None:
    from eventlog.pages.render import PAGE_HEADERS, SHARED_TEMPLATES  # the layout, not needed on an API's path

    html = SHARED_TEMPLATES.render("message.html", title="无法完成请求", heading="无法完成请求", message=message,
                                   who=None, csrf=None, back=PAGES + "/").encode()
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(html)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in PAGE_HEADERS.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": html})
