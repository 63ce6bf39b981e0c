"""The intake's pages in tests: a login link's cookie for an applicant or a unit, the tokens a page's form
carries, and a 先导技术榜 form as a person types it into the page's inputs."""

from __future__ import annotations

import re

import httpx

from eventlog.http.page_session import PAGES

CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')
SUBMISSION = re.compile(r'name="submission" value="([0-9a-f]{32})"')
ATTACHMENT = re.compile(r'name="attachment" value="([0-9a-f]{64})"')
FORM = PAGES + "/intake/applications"
NEW_LEADING = FORM + "/new?campaign=kczg-2022&list_code=leading_tech&domain=advanced_materials"
QUEUE = PAGES + "/intake/unit/applications"
QUOTA = PAGES + "/intake/unit/quota"
NOMINATIONS = PAGES + "/intake/unit/nominations"
BAD_CREDIT_CODE = "91350100M000100Y44"  # the example's code with a wrong check digit
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def log_in(client, role: str, org: str) -> str:
    """The session cookie's value after following the development login link."""
    r = await client.get(f"{PAGES}/login?token={client.keys.token(role, org, sub=f'{org}-person')}")
    assert r.status_code == 303, r.text
    value = httpx.Cookies(r.cookies)["kczg_session"]
    client.cookies.clear()
    return value


def cookie(value: str) -> dict[str, str]:
    return {"Cookie": f"kczg_session={value}"}


def tokens(html: str) -> tuple[str, str]:
    """The CSRF token and the one-time submission key of the page's (first) form."""
    return CSRF.search(html).group(1), SUBMISSION.search(html).group(1)


def typed_leading_form(**changes: str) -> dict[str, str]:
    """The example 先导技术榜 form as its inputs' texts (what a person types), with `changes`."""
    from services.intake.examples import example_form
    from services.intake.pages.form_fields import form_values

    values = form_values("leading_tech", example_form("leading_tech"))
    return {**values, **changes}
