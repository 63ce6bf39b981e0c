"""The pages' session layer alone (eventlog/http/page_session.py), and the development login link: the cookie
becomes the bearer token on workbench paths only, and a cookie-borne form without its CSRF token never
reaches the app."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from typer.testing import CliRunner

from eventlog.http.auth import DEFAULT_AUDIENCE, DEFAULT_ISSUER, TokenVerifier, load_public_key
from eventlog.http.page_session import PageSession, csrf_token
from eventlog.pages.login import safe_next
from kczg.cli import app as cli


class Recorder:
    """The app behind the layer: what reached it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None, bytes]] = []

    async def __call__(self, scope, receive, send):
        body = (await receive()).get("body", b"")
        self.seen.append((scope["path"], dict(scope["headers"]).get(b"authorization", b"").decode() or None, body))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def send(method: str, path: str, headers: dict[str, str] | None = None, data: dict | None = None):
    behind = Recorder()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=PageSession(behind)), base_url="http://x") as c:
        r = await c.request(method, path, headers=headers or {}, data=data)
    return r, behind.seen


async def test_the_cookie_is_the_bearer_token_on_workbench_paths_only():
    cookie = {"Cookie": "kczg_session=tok.en.x"}
    assert (await send("GET", "/workbench/review/me", cookie))[1] == [("/workbench/review/me", "Bearer tok.en.x", b"")]
    assert (await send("GET", "/v1/review/me/queue", cookie))[1] == [("/v1/review/me/queue", None, b"")]
    # A request naming its own credentials keeps them.
    both = {**cookie, "Authorization": "Bearer other"}
    assert (await send("GET", "/workbench/review/me", both))[1] == [("/workbench/review/me", "Bearer other", b"")]


async def test_a_cookie_borne_form_needs_its_session_s_csrf_token():
    cookie = {"Cookie": "kczg_session=tok.en.x"}
    for data in ({}, {"csrf": ""}, {"csrf": csrf_token("another")}):
        r, seen = await send("POST", "/workbench/logout", cookie, data)
        assert (r.status_code, seen) == (403, []) and "CSRF" in r.text
    r, seen = await send("POST", "/workbench/logout", cookie, {"csrf": csrf_token("tok.en.x"), "a": "1"})
    assert r.status_code == 200 and seen == [("/workbench/logout", "Bearer tok.en.x",
                                              f"csrf={csrf_token('tok.en.x')}&a=1".encode())]  # the body, replayed whole
    r, seen = await send("POST", "/workbench/logout", {**cookie, "X-CSRF-Token": csrf_token("tok.en.x")})
    assert r.status_code == 200 and len(seen) == 1
    # No cookie (a bearer caller, or nobody), or the login exchange itself: nothing to ride, nothing checked.
    assert (await send("POST", "/workbench/logout", {"Authorization": "Bearer t"}))[0].status_code == 200
    assert (await send("POST", "/workbench/login", cookie, {"token": "t"}))[0].status_code == 200
    assert (await send("POST", "/v1/review/nominations/x/screening", cookie))[0].status_code == 200


async def test_an_upload_form_carries_its_csrf_token_as_a_field_and_a_forged_one_is_refused():
    cookie = {"Cookie": "kczg_session=tok.en.x"}
    upload = {"file": ("minutes.xlsx", b"PK\x03\x04 not read here", "application/octet-stream")}
    behind = Recorder()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=PageSession(behind)), base_url="http://x") as c:
        for data in ({}, {"csrf": csrf_token("another")}):
            r = await c.post("/workbench/review/campaigns/c/final/minutes", headers=cookie, data=data, files=upload)
            assert r.status_code == 403 and behind.seen == []
        r = await c.post("/workbench/review/campaigns/c/final/minutes", headers=cookie,
                         data={"csrf": csrf_token("tok.en.x")}, files=upload)
    assert r.status_code == 200 and len(behind.seen) == 1 and b"not read here" in behind.seen[0][2]


def test_after_login_only_a_workbench_page_is_followed():
    assert safe_next("/workbench/review/me") == "/workbench/review/me"
    for outside in ("https://evil.example/", "//evil.example/workbench/", "/workbench//evil", "/v1/x", "", None):
        assert safe_next(outside) == "/workbench/"


def test_token_issue_login_prints_a_link_whose_token_verifies(tmp_path):
    r = CliRunner().invoke(cli, ["token", "issue", "--role", "expert", "--org", "cast_advanced_materials_consortium",
                                 "--sub", "e01", "--login", "--keys-dir", str(tmp_path)])
    assert r.exit_code == 0, r.output
    link = urlsplit(r.output.strip())
    assert (link.scheme, link.netloc, link.path) == ("http", "127.0.0.1:8003", "/workbench/login")
    (token,) = parse_qs(link.query)["token"]
    verifier = TokenVerifier(load_public_key(str(tmp_path / "jwt-ed25519.pub.pem")), DEFAULT_ISSUER, DEFAULT_AUDIENCE)
    who = verifier.verify(token)
    assert (who.role, who.org, who.sub) == ("expert", "cast_advanced_materials_consortium", "e01")


async def test_a_refusal_on_a_page_is_a_page_in_the_api_s_words_and_the_api_stays_problem_json():
    from services.review.api import create_app

    app = create_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as c:
        page, api = await c.get("/workbench/nope"), await c.get("/v1/nope")
        moved = await c.delete("/workbench/login")
    assert (page.status_code, page.headers["content-type"]) == (404, "text/html; charset=utf-8")
    assert 'lang="zh-CN"' in page.text and f'role="status">{api.json()["detail"]}</p>' in page.text
    assert (api.status_code, api.headers["content-type"]) == (404, "application/problem+json")
    assert (moved.status_code, moved.headers["allow"]) == (405, "GET, POST") and "该地址不支持此请求方法。" in moved.text
