"""The expert's workbench in tests: a target of 先导技术榜 · 先进材料 with three screened nominations, a
filed plan and experts seated (the review and quota services in-process, real Kafka and PostgreSQL),
and the pages' session: a login link, its cookie, and a form's CSRF token read from the page."""

from __future__ import annotations

import re

import httpx

from contracts.events import AttachmentRef

from eventlog.http.page_session import PAGES
from tests.integration.test_review_flow import as_
from tests.support.review import MATERIALS, plan_body, roster, views_show

T = "/v1/review/campaigns/kczg-2022/targets/leading_tech/advanced_materials"
SEAT = PAGES + "/review/campaigns/kczg-2022/targets/leading_tech/advanced_materials/nominations/{}"
HOME = PAGES + "/review/me"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')
SUBMISSION = re.compile(r'name="submission" value="([0-9a-f]{32})"')


async def seat_experts(review) -> dict[str, list[str]]:
    """A plan with four experts, two per item, seated automatically: nomination id -> its experts."""
    r = await review.put(T + "/plan", json=plan_body(roster(4), per_item=2), headers=review.body)
    assert r.status_code == 201, r.text
    r = await review.post(T + "/assignments/auto", json={}, headers=review.body)
    assert r.status_code == 200, r.text
    await views_show(review.db, "SELECT count(*) FROM review_views.panel WHERE active", 6)
    items = (await review.get(T, headers=review.body)).json()["nominations"]["items"]
    return {i["nomination_id"]: i["experts"] for i in items}


def login_link(review, expert: str, next_: str = "") -> str:
    token = review.keys.token("expert", MATERIALS, sub=expert)
    return f"{PAGES}/login?token={token}" + (f"&next={next_}" if next_ else "")


async def log_in(review, expert: str) -> str:
    """The session cookie's value after the expert follows the development login link."""
    r = await review.get(login_link(review, expert))
    assert r.status_code == 303, r.text
    return httpx.Cookies(r.cookies)["kczg_session"]


def form_tokens(html: str) -> tuple[str, str]:
    """The CSRF token and the one-time submission key of the page's score form."""
    return CSRF.search(html).group(1), SUBMISSION.search(html).group(1)


def body_as(review, e: str) -> dict:
    return as_(review, "expert", MATERIALS, sub=e)


def dossier_pdf() -> bytes:
    """A real one-page PDF (a test report), as a unit would attach it: the browser's viewer can show it."""
    from weasyprint import HTML

    return HTML(string='<html lang="zh-CN"><body><h1>检测报告</h1><p>样品：高性能碳纤维复合材料。'
                       '结论：各项指标符合要求。</p></body></html>').write_pdf()


PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c489"
                        "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


async def attach_and_nominate(intake, unit: str, domain: str, files: dict[str, tuple[bytes, str]]):
    """`unit` uploads `files` (name -> (bytes, media type)) to the intake; a nomination carrying them is put on
    the unit's stream as the intake writes it. The nomination and the references the intake answered."""
    from tests.support.review import submission

    refs = []
    for name, (data, media_type) in files.items():
        r = await intake.post("/v1/attachments", files={"file": (name, data, media_type)},
                              headers=intake.keys.headers("unit", unit))
        assert r.status_code == 201, r.text
        refs.append(r.json())
    return submission(unit, domain).model_copy(update={"attachments": tuple(AttachmentRef(**a) for a in refs)}), refs
