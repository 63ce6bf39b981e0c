"""The dossier readable by role, against the real broker and database: a unit's PDF and PNG stored by the
intake, its nomination seated in review; the review hands a short-lived signed link to those who may read the
dossier (the secretariat, the target's bodies, its seated unconflicted experts, the unit), the intake serves
the bytes to that link alone — or to the unit and the secretariat with their own token — with a safe type,
nosniff and a sandboxing CSP; and the bytes served are those whose SHA-256 the nomination's event carries."""

from __future__ import annotations

import hashlib
from contextlib import AsyncExitStack
from urllib.parse import parse_qs, urlsplit

import pytest

from contracts.events import NominationSubmitted, decode_event
from contracts.topics import NOMINATIONS
from eventlog.clock import FixedClock
from eventlog.http.page_session import PAGES
from eventlog.http.signed_links import sign
from tests.integration.test_review_flow import as_
from tests.support.events import open_campaign, publish, registered
from tests.support.intake import Keys, intake_in_process, wait_for
from tests.support.kafka import read_topic
from tests.support.review import IN_REVIEW, MATERIALS, ECO, services_in_process, submission, views_show
from tests.support.workbench import PNG_1PX, SEAT, attach_and_nominate, dossier_pdf, log_in, seat_experts

PDF = dossier_pdf()
FILE = "/v1/nominations/{}/attachments/{}"


@pytest.fixture
async def dossier(env, tmp_path):
    """unit-a's nomination with a PDF and a PNG, unit-b's two without; all screened, experts seated (two each)."""
    keys = Keys(tmp_path)
    await open_campaign()
    async with AsyncExitStack() as stack:
        intake = await stack.enter_async_context(intake_in_process(keys, FixedClock(IN_REVIEW)))
        review = await stack.enter_async_context(services_in_process(keys, FixedClock(IN_REVIEW)))
        intake.keys, review.db = keys, env["DATABASE_URL"]
        mine, refs = await attach_and_nominate(intake, "unit-a", "advanced_materials", {
            "检测报告.pdf": (PDF, "application/pdf"), "现场照片.png": (PNG_1PX, "image/png")})
        others = [submission("unit-b", "advanced_materials") for _ in range(2)]
        await publish(*((NOMINATIONS, registered(u, "national_society")) for u in ("unit-a", "unit-b")),
                      *((NOMINATIONS, n) for n in (mine, *others)))
        await views_show(review.db, "SELECT count(*) FROM review_views.nominations WHERE quota_outcome = 'reserved'", 3)
        for n in (mine, *others):
            r = await review.post(f"/v1/review/nominations/{n.nomination_id}/screening", json={"passed": True},
                                  headers=as_(review, "secretariat", "kczg_secretariat"))
            assert r.status_code == 201, r.text
        await views_show(review.db, "SELECT count(*) FROM review_views.nominations WHERE in_review", 3)
        review.body = as_(review, "review_body", MATERIALS)
        seats = await seat_experts(review)
        # The intake knows the nomination from the log (its projection), as it would after its own write.
        await wait_for(lambda: _intake_knows(intake, mine.nomination_id))
        yield intake, review, mine, refs, seats


async def _intake_knows(intake, nomination_id) -> bool:
    r = await intake.get(f"/v1/nominations/{nomination_id}", headers=intake.keys.headers("unit", "unit-a"))
    return r.status_code == 200


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_a_seated_expert_opens_the_pdf_beside_the_score_sheet_and_reads_the_bytes_the_event_names(dossier):
    intake, review, mine, refs, seats = dossier
    nid = str(mine.nomination_id)
    expert = seats[nid][0]
    session = await log_in(review, expert)
    review.cookies.clear()
    # The seat page lists both attachments, each with its SHA-256, linking to the review's own route.
    page = await review.get(SEAT.format(nid), headers={"Cookie": f"kczg_session={session}"})
    assert page.status_code == 200, page.text
    pdf, png = refs
    href = f"{PAGES}/review/nominations/{nid}/attachments/{pdf['sha256']}"
    assert f'href="{href}" target="_blank"' in page.text and "检测报告.pdf" in page.text
    assert pdf["sha256"] in page.text and png["sha256"] in page.text and "附件暂不能" not in page.text
    # Following it: a 303 to the intake, with a link signed for this expert that lasts five minutes.
    r = await review.get(href, headers={"Cookie": f"kczg_session={session}"})
    assert r.status_code == 303, r.text
    location = r.headers["location"]
    assert location.startswith(f"http://127.0.0.1:8000{FILE.format(nid, pdf['sha256'])}?")
    query = parse_qs(urlsplit(location).query)
    assert query["reader"] == [f"expert:{MATERIALS}:{expert}"] and len(query["signature"][0]) == 64
    # The intake serves the bytes to the link, with no token: a safe type, nosniff, a sandboxing CSP.
    served = await intake.get(_local(location))
    assert served.status_code == 200, served.text
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["x-content-type-options"] == "nosniff"
    csp = served.headers["content-security-policy"]
    assert "default-src 'none'" in csp and csp.endswith("sandbox")
    assert served.headers["content-disposition"] == "inline; filename*=UTF-8''%E6%A3%80%E6%B5%8B%E6%8A%A5%E5%91%8A.pdf"
    assert served.headers["cache-control"] == "private, no-store"
    # The bytes are those the nomination's event names by SHA-256: the dossier the expert scored is traceable.
    on_log = [e for e in map(decode_event, await read_topic(NOMINATIONS.name))
              if isinstance(e, NominationSubmitted) and e.nomination_id == mine.nomination_id]
    assert [a.sha256 for a in on_log[0].attachments] == [hashlib.sha256(served.content).hexdigest(), png["sha256"]]
    assert served.content == PDF
    # Shown in the page on request, the PDF beside the sheet in the browser's own viewer (a frame through the same
    # route), the page's policy letting in the intake's origin for frames and images, and only then.
    assert "default-src 'none'" in page.headers["content-security-policy"] and "frame-src" not in page.text
    viewed = await review.get(SEAT.format(nid), params={"view": pdf["sha256"]}, headers={"Cookie": f"kczg_session={session}"})
    assert f'<iframe src="{href}" title="检测报告.pdf"></iframe>' in viewed.text
    assert viewed.headers["content-security-policy"].endswith("; frame-src 'self' http://127.0.0.1:8000")
    assert "img-src 'self' http://127.0.0.1:8000;" in viewed.headers["content-security-policy"]
    viewed = await review.get(SEAT.format(nid), params={"view": png["sha256"]}, headers={"Cookie": f"kczg_session={session}"})
    assert f'<img src="{PAGES}/review/nominations/{nid}/attachments/{png["sha256"]}" alt="现场照片.png">' in viewed.text
    viewed = await review.get(SEAT.format(nid), params={"view": "ab" * 32}, headers={"Cookie": f"kczg_session={session}"})
    assert 'id="viewer"' not in viewed.text and "frame-src" not in viewed.headers["content-security-policy"]
    # The PNG the same way, as an image.
    r = await review.get(f"{PAGES}/review/nominations/{nid}/attachments/{png['sha256']}",
                         headers={"Cookie": f"kczg_session={session}"})
    image = await intake.get(_local(r.headers["location"]))
    assert (image.status_code, image.headers["content-type"], image.content) == (200, "image/png", PNG_1PX)


async def test_a_link_is_good_for_its_file_its_reader_and_its_minutes_only(dossier):
    intake, review, mine, refs, seats = dossier
    nid, (pdf, png) = str(mine.nomination_id), refs
    r = await review.get(f"/v1/review/nominations/{nid}/attachments/{pdf['sha256']}",
                         headers=as_(review, "expert", MATERIALS, sub=seats[nid][0]))
    assert r.status_code == 200, r.text
    link = r.json()
    assert (link["name"], link["media_type"], link["size"], link["sha256"]) == ("检测报告.pdf", "application/pdf",
                                                                                len(PDF), pdf["sha256"])
    query = parse_qs(urlsplit(link["url"]).query)
    good = {k: v[0] for k, v in query.items()}

    async def refused(path: str, params: dict, status: int, code: str) -> None:
        answer = await intake.get(path, params=params)
        assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")

    # The PNG's path under the PDF's signature; another reader's name; a changed expiry; a forged signature.
    await refused(FILE.format(nid, png["sha256"]), good, 403, "link_invalid")
    await refused(FILE.format(nid, pdf["sha256"]), {**good, "reader": "expert:x:someone"}, 403, "link_invalid")
    await refused(FILE.format(nid, pdf["sha256"]), {**good, "expires": str(int(good["expires"]) + 3600)}, 403,
                  "link_invalid")
    await refused(FILE.format(nid, pdf["sha256"]), {**good, "signature": "0" * 64}, 403, "link_invalid")
    # Signed, but past its minutes.
    path = FILE.format(nid, pdf["sha256"])
    await refused(path, sign(path, "expert:e:e01", now=1_600_000_000), 403, "link_expired")
    # Signed for a file that is not this nomination's: the intake serves only the nomination's own.
    other = FILE.format(nid, "ab" * 32)
    await refused(other, sign(other, "expert:e:e01"), 404, "attachment_not_found")
    # The review hands no link to a file the nomination does not carry.
    r = await review.get(f"/v1/review/nominations/{nid}/attachments/{'ab' * 32}", headers=as_(
        review, "secretariat", "kczg_secretariat"))
    assert (r.status_code, r.json()["code"]) == (404, "attachment_not_found")


async def test_only_the_secretariat_the_targets_bodies_its_seated_experts_and_its_unit_read_the_dossier(dossier):
    intake, review, mine, refs, seats = dossier
    nid, sha = str(mine.nomination_id), refs[0]["sha256"]
    seated = seats[nid]
    unseated = sorted({e for experts in seats.values() for e in experts} - set(seated))[0]
    # A seated expert declares a conflict: from then on the dossier is not theirs to read.
    r = await review.post(f"/v1/review/campaigns/kczg-2022/targets/leading_tech/advanced_materials/nominations/{nid}"
                          "/conflict", json={"reason_code": "relative", "reason": "亲属在完成单位任职。"},
                          headers=as_(review, "expert", MATERIALS, sub=seated[0]))
    assert r.status_code == 201, r.text
    await views_show(review.db, "SELECT count(*) FROM review_views.panel WHERE nomination_id = $1 AND expert_id = $2 "
                                "AND conflict_reason_code IS NOT NULL", 1, mine.nomination_id, seated[0])
    now_seated = (await review.get("/v1/review/campaigns/kczg-2022/targets/leading_tech/advanced_materials",
                                   headers=review.body)).json()["nominations"]["items"]
    still = next(i["experts"] for i in now_seated if i["nomination_id"] == nid)
    callers = {"secretariat": (("secretariat", "kczg_secretariat", None), 200),
               "body of the target": (("review_body", MATERIALS, None), 200),
               "another body": (("review_body", ECO, None), 404),
               "seated expert": (("expert", MATERIALS, [e for e in still if e != seated[0]][0]), 200),
               "expert not seated": (("expert", MATERIALS, unseated if unseated not in still else "e99"), 404),
               "expert in conflict": (("expert", MATERIALS, seated[0]), 404),
               "the nominating unit": (("unit", "unit-a", None), 200),
               "another unit": (("unit", "unit-b", None), 404),
               "an applicant": (("applicant", "acme", None), 403)}
    got = {}
    for name, ((role, org, sub), _) in callers.items():
        r = await review.get(f"/v1/review/nominations/{nid}/attachments/{sha}", headers=as_(review, role, org, sub))
        got[name] = r.status_code
        if r.status_code == 200:  # and the link it hands out opens the file
            assert (await intake.get(_local(r.json()["url"]))).content == PDF
    assert got == {name: status for name, (_, status) in callers.items()}
    # The intake, with the caller's own token: the unit and the secretariat; the others go through the review.
    direct = {("unit", "unit-a"): 200, ("secretariat", "kczg_secretariat"): 200, ("unit", "unit-b"): 404,
              ("review_body", MATERIALS): 404, ("expert", MATERIALS): 403, ("applicant", "acme"): 403}
    seen = {}
    for (role, org) in direct:
        r = await intake.get(FILE.format(nid, sha), headers=intake.keys.headers(role, org))
        seen[(role, org)] = r.status_code
        if r.status_code == 200:
            assert r.content == PDF and r.headers["x-content-type-options"] == "nosniff"
    assert seen == direct
    assert (await intake.get(FILE.format(nid, sha))).status_code == 401  # neither a token nor a link


async def test_the_score_sheet_shows_the_plans_criteria_with_their_descriptions_weights_and_ranges(dossier):
    intake, review, mine, refs, seats = dossier
    nid = str(mine.nomination_id)
    session = await log_in(review, seats[nid][0])
    review.cookies.clear()
    plan = (await review.get("/v1/review/campaigns/kczg-2022/targets/leading_tech/advanced_materials",
                             headers=review.body)).json()["target"]["plan"]
    # The plan filed from the campaign's defaults carries each criterion's description (ReviewPlanFiled).
    assert [(c["code"], c["weight"]) for c in plan["criteria"]] == [
        ("innovation", 30), ("advancement", 25), ("industrial_value", 30), ("social_benefit", 15)]
    assert plan["criteria"][0]["description"] == "技术的原创程度与关键创新点，核心知识产权（发明专利等）的数量与质量。"
    page = (await review.get(SEAT.format(nid), headers={"Cookie": f"kczg_session={session}"})).text
    for c in plan["criteria"]:
        row = page[page.index(f'<label for="score-{c["code"]}">'):page.index(f'id="range-{c["code"]}"')]
        assert c["name"] in row and c["description"] in row and f'{c["weight"]}%' in row, row
        assert f'aria-describedby="about-{c["code"]} range-{c["code"]}"' in row
    assert page.count("0–100 分") == 4
    assert "（本表：创新性 × 30% + 先进性 × 25% + 产业价值 × 30% + 社会效益 × 15%）" in page
    assert "去掉一个最高分和一个最低分后取平均（评分不少于 5 份时；不足时取平均）" in page
