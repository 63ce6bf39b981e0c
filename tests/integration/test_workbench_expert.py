"""The expert's pages against the real broker and database: the login exchange and its cookie, the CSRF
check in front of every service (a form without its token is refused with 403 and writes nothing), and a
score sent through the page recorded by the same handler as the JSON API, errors beside their field."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

from contracts.events import ConflictDeclared, ExpertScoreRecorded
from eventlog.http.page_session import PAGES, csrf_token
from tests.integration.test_review_seating_flow import on_log, review  # noqa: F401 — the fixture
from tests.support.intake import OffsetWatch
from tests.support.review import views_show
from tests.support.workbench import HOME, SEAT, body_as, form_tokens, log_in, login_link, seat_experts

SCORES = {"innovation": "90", "advancement": "80", "industrial_value": "85", "social_benefit": "70"}  # the defaults' criteria


def cookie(value: str) -> dict[str, str]:
    return {"Cookie": f"kczg_session={value}"}


def score_form(csrf: str | None, submission: str, scores: dict[str, str], reason: str = "") -> dict[str, str]:
    form = {f"score.{code}": v for code, v in scores.items()} | {"submission": submission, "reason": reason}
    return form | ({"csrf": csrf} if csrf is not None else {})


async def test_the_login_link_sets_a_strict_httponly_cookie_that_opens_the_queue(review, monkeypatch):
    seats = await seat_experts(review)
    mine = sorted(n for n, experts in seats.items() if "e01" in experts)
    r = await review.get(login_link(review, "e01"))
    review.cookies.clear()
    # The link answers with the cookie and a redirect to the workbench; the token never reaches a page.
    assert (r.status_code, r.headers["location"], r.headers["referrer-policy"]) == (303, PAGES + "/", "no-referrer")
    set_cookie = r.headers["set-cookie"]
    assert set_cookie.startswith("kczg_session=ey") and "Path=/workbench" in set_cookie
    assert {"HttpOnly", "SameSite=strict"} <= {p.strip() for p in set_cookie.split(";")}
    assert "Secure" not in set_cookie  # development: plain http on localhost
    session = r.cookies["kczg_session"]
    # The workbench sends an expert to the queue, which lists the expert's seats only, with the deadline.
    r = await review.get(PAGES + "/", headers=cookie(session))
    assert (r.status_code, r.headers["location"]) == (303, HOME)
    r = await review.get(HOME, headers=cookie(session))
    assert r.status_code == 200 and 'lang="zh-CN"' in r.text
    titles = {str(n.nomination_id): n.title for n in review.nominations}
    assert sorted(n for n, t in titles.items() if t in r.text) == mine
    assert "已评分 <strong>0</strong> / 2 项" in r.text and "初评结果报送截止" in r.text
    # Without the cookie: the login page's words, never the queue.
    r = await review.get(HOME)
    assert r.status_code == 401 and "请先登录" in r.text and not any(t in r.text for t in titles.values())
    # A token that does not verify: refused with the API's Chinese words, no cookie.
    r = await review.get(f"{PAGES}/login?token=not-a-token")
    assert (r.status_code, "set-cookie" in r.headers) == (401, False) and "登录凭证无效" in r.text
    # The identity provider's form post: a page that moves on by itself (a cross-site 303 would lose the cookie).
    token = review.keys.token("expert", "cast_advanced_materials_consortium", sub="e01")
    r = await review.post(PAGES + "/login", data={"token": token, "next": HOME})
    review.cookies.clear()
    assert r.status_code == 200 and f'content="0;url={HOME}"' in r.text and r.cookies["kczg_session"] == token
    # An outside `next` is never followed.
    r = await review.get(login_link(review, "e01", next_="https://evil.example/"))
    review.cookies.clear()
    assert r.headers["location"] == PAGES + "/"
    # In production the cookie is Secure, and a token in a link is refused.
    monkeypatch.setenv("KCZG_ENV", "production")
    r = await review.post(PAGES + "/login", data={"token": token})
    review.cookies.clear()
    assert r.status_code == 200 and "Secure" in r.headers["set-cookie"]
    r = await review.get(login_link(review, "e01"))
    assert (r.status_code, "set-cookie" in r.headers) == (400, False) and "生产环境不接受链接登录" in r.text


async def test_a_form_without_its_csrf_token_is_refused_with_403_and_writes_nothing(review):
    seats = await seat_experts(review)
    nid = next(n for n, experts in seats.items() if "e01" in experts)
    session = await log_in(review, "e01")
    review.cookies.clear()
    page = await review.get(SEAT.format(nid), headers=cookie(session))
    csrf, submission = form_tokens(page.text)
    assert csrf == csrf_token(session)
    async with OffsetWatch() as watch:
        before = await watch.ends()
        for sent in (None, "", "0" * 64, csrf_token(session + "x")):  # missing, empty, wrong, another session's
            r = await review.post(SEAT.format(nid) + "/scores", data=score_form(sent, submission, SCORES),
                                  headers=cookie(session))
            assert r.status_code == 403 and "CSRF" in r.text and "未做任何修改" in r.text, r.text
            r = await review.post(SEAT.format(nid) + "/conflict", headers=cookie(session),
                                  data={"reason_code": "relative", "submission": submission + "c",
                                        **({"csrf": sent} if sent is not None else {})})
            assert r.status_code == 403
        # Logging out is a form like any other: without its token the session stays.
        r = await review.post(PAGES + "/logout", headers=cookie(session))
        assert r.status_code == 403 and "set-cookie" not in r.headers
        assert await watch.ends() == before, "a refused form put something on the log"
    assert await review_scores(review) == 0
    # With its token the same form is recorded.
    r = await review.post(SEAT.format(nid) + "/scores", data=score_form(csrf, submission, SCORES),
                          headers=cookie(session))
    assert r.status_code == 200 and "评分已记录" in r.text, r.text
    # And with its token the logout clears the cookie.
    r = await review.post(PAGES + "/logout", data={"csrf": csrf}, headers=cookie(session))
    assert r.status_code == 200 and 'kczg_session=""' in r.headers["set-cookie"]


async def review_scores(review) -> int:
    return sum(isinstance(e, ExpertScoreRecorded) for e in await on_log())


async def test_a_score_through_the_page_is_the_api_s_with_errors_beside_their_field(review):
    seats = await seat_experts(review)
    nid = next(n for n, experts in seats.items() if "e01" in experts)
    session = await log_in(review, "e01")
    review.cookies.clear()
    page = (await review.get(SEAT.format(nid), headers=cookie(session))).text
    csrf, submission = form_tokens(page)
    # The sheet shows the plan's criteria with weights and the range, beside the dossier's fields.
    for text in ("创新性", "30%", "0–100 分", "技术名称", "加权总分 = Σ（分数 × 权重）÷ 100"):
        assert text in unescape(page), text
    # Out of range and not a number: each error beside its criterion, in the API's words, what was typed kept.
    bad = {**SCORES, "innovation": "120", "advancement": "八十"}
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await review.post(SEAT.format(nid) + "/scores", data=score_form(csrf, submission, bad),
                              headers=cookie(session))
        assert r.status_code == 422
        assert 'id="error-advancement">应为数字（' in r.text and 'value="八十"' in r.text
        csrf, submission = form_tokens(r.text)  # each page its own one-time key: a corrected form is a new request
        r = await review.post(SEAT.format(nid) + "/scores", data=score_form(csrf, submission, {**SCORES, "innovation": "120"}),
                              headers=cookie(session))
        api = await review.put(f"/v1/review/campaigns/kczg-2022/targets/leading_tech/advanced_materials/nominations/"
                               f"{nid}/scores", json={"scores": {**SCORES, "innovation": "120"}}, headers=body_as(review, "e01"))
        assert (r.status_code, api.status_code) == (422, 422)
        assert f'id="error-innovation">{api.json()["detail"]}</p>' in unescape(r.text) and 'value="120"' in r.text
        assert await watch.ends() == before
    # Accepted: the total the domain computed, once, however often the form is sent.
    csrf, submission = form_tokens(r.text)
    for _ in range(2):
        r = await review.post(SEAT.format(nid) + "/scores", data=score_form(csrf, submission, SCORES),
                              headers=cookie(session))
        assert r.status_code == 200, r.text
    (recorded,) = [e for e in await on_log() if isinstance(e, ExpertScoreRecorded)]
    assert (str(recorded.nomination_id), recorded.expert_id, recorded.scores) == (
        nid, "e01", {k: Decimal(v) for k, v in SCORES.items()})
    assert f"评分已记录：加权总分 <strong>{recorded.total}</strong>" in r.text
    # The expert's own submitted scores on the page, once the view has them; no one else's, no aggregate.
    await views_show(review.db, "SELECT count(*) FROM review_views.panel WHERE scored_at IS NOT NULL", 1)
    page = (await review.get(SEAT.format(nid), headers=cookie(session))).text
    assert 'id="my-score"' in page and f"<td class=\"number\">{recorded.total}</td>" in page
    queue = (await review.get(HOME, headers=cookie(session))).text
    assert "已评分 <strong>1</strong> / 2 项" in queue
    # A conflict declared through the page: the API's handler, the typed reason on the event.
    other = next(n for n, experts in seats.items() if "e01" in experts and n != nid)
    page = (await review.get(SEAT.format(other), headers=cookie(session))).text
    csrf, submission = form_tokens(page)
    r = await review.post(SEAT.format(other) + "/conflict", headers=cookie(session),
                          data={"csrf": csrf, "submission": submission + "c", "reason_code": "collaboration",
                                "reason": "近三年有合作项目。"})
    assert r.status_code == 201 and "已声明回避" in r.text
    (declared,) = [e for e in await on_log() if isinstance(e, ConflictDeclared)]
    assert (str(declared.nomination_id), declared.expert_id, declared.reason_code) == (other, "e01", "collaboration")
