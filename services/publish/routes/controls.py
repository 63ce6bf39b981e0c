"""The secretariat's notice and release controls (公示与发布) and objections queue (异议处理), as pages beside
the public site: per list whether the notice guard would let it open and, if not, its reasons in its own words
(domain/readiness.py); open the notice (proceeding without an outstanding domain only with a reason); release
the list at once or scheduled for an instant (Beijing time); and resolve each named objection. Every form calls
the handler the JSON route calls (handlers.py), keyed per person with the form's one-time key, so a form sent
twice records once; the login and CSRF check are the shared pages' (eventlog/pages, eventlog/http/page_session)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from uuid import UUID, uuid4

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.deadline_text import BEIJING
from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.http.front_door import by_person, now_for, service_of, write_request
from eventlog.http.page_session import PAGES
from eventlog.pages.access import signed_in
from eventlog.pages.addresses import service_url
from eventlog.pages.render import Templates, problem_page
from eventlog.write.idempotency import Reply

from .. import facts, handlers, public, review_progress, store
from ..domain.embargo import shown
from ..domain.notice import Omission
from ..domain.readiness import outstanding

router = APIRouter(include_in_schema=False)
T = Templates(Path(__file__).resolve().parents[1] / "workbench_templates")
HOME = PAGES + "/publish"
CONTROLS = PAGES + "/publish/campaigns/{campaign}/controls"
NOTICE = CONTROLS + "/lists/{list_code}/notice"
RELEASE = CONTROLS + "/lists/{list_code}/release"
OBJECTIONS = PAGES + "/publish/campaigns/{campaign}/objections"
RESOLUTION = OBJECTIONS + "/{objection_id}/resolution"
MAX_FORM_BYTES = 64 * 1024
CONTROLS_TYPED = {"list": None, "action": None, "reasons": {}, "public_at": "", "reason": "", "error": None}
OBJECTION_TYPED = {"objection": None, "upheld": "", "note": "", "error": None}


def review_home() -> str:
    """The secretariat's home on the review service, as browsers reach it (KCZG_REVIEW_URL)."""
    base = service_url("review")
    return base + PAGES + "/review/secretariat"


@router.get(HOME)
async def home(request: Request) -> Response:
    signed_in(request, "secretariat")
    titles = service_of(request).campaigns.titles()
    if not titles:
        return problem_page(404, "目前没有评选活动。")
    return RedirectResponse(CONTROLS.format(campaign=sorted(titles)[0]), 303)


async def _lists(request: Request, campaign: str) -> tuple:
    """Per list: the guard's reasons (outstanding targets), its notices and its versions."""
    state = service_of(request)
    found = await state.campaigns.knowing(campaign)
    now = now_for(request)
    out = []
    async with state.pool.acquire() as conn:
        notices = await public.notices(conn, campaign)
        versions = shown(await public.versions(conn, campaign), now, True)
        for lst in found.lists:
            decided = await facts.decided(conn, campaign, lst.code)
            progress = await review_progress.target_progress(conn, campaign, lst.code)
            waiting = outstanding(found, lst.code, progress, (f.nomination_id for f in decided))
            mine = [n for n in notices if n.list_code == lst.code]
            out.append({"code": lst.code, "name": lst.name, "waiting": waiting,
                        "decided": len(decided), "selected": sum(1 for f in decided if f.selected and not f.withdrawn),
                        "notices": mine, "open": any(n.open_at(now) for n in mine),
                        "versions": [v for v in versions if v.list_code == lst.code]})
    return found, now, out


async def _page(request: Request, who: Identity, csrf: str, campaign: str, status: int = 200,
                typed: dict | None = None, done: dict | None = None) -> Response:
    found, now, lists = await _lists(request, campaign)
    return T.page("controls.html", status, title="公示与发布", who=who, csrf=csrf, campaign=campaign,
                  campaign_title=found.title, lists=lists, now=now, typed=CONTROLS_TYPED | (typed or {}), done=done,
                  notice_href=lambda code: NOTICE.format(campaign=campaign, list_code=code),
                  release_href=lambda code: RELEASE.format(campaign=campaign, list_code=code),
                  objections=OBJECTIONS.format(campaign=campaign), controls=CONTROLS.format(campaign=campaign),
                  home=review_home(), submission=uuid4().hex,
                  planned=(found.timeline.release_planned_from, found.timeline.release_planned_until))


@router.get(CONTROLS)
async def controls(campaign: str, request: Request) -> Response:
    who, csrf = signed_in(request, "secretariat")
    return await _page(request, who, csrf, campaign)


async def _form(request: Request) -> dict | None:
    if len(await request.body()) > MAX_FORM_BYTES:
        return None
    form = await request.form(max_files=0, max_fields=60)
    return {k: str(v) for k, v in form.multi_items()} | {"_omit": form.getlist("omit")}


def _as_problem(exc: DomainError) -> Reply:
    return Reply(exc.http_status, {"code": exc.code, "detail": exc.message, "field": exc.field})


@router.post(NOTICE)
async def open_notice(campaign: str, list_code: str, request: Request) -> Response:
    who, csrf = signed_in(request, "secretariat")
    form = await _form(request)
    if form is None:
        return problem_page(413, "提交内容过大。")
    omit = tuple(Omission(d or None, form.get(f"reason.{d}", "")) for d in form["_omit"])
    typed = {"list": list_code, "action": "notice", "reasons": {d: form.get(f"reason.{d}", "") for d in form["_omit"]}}
    body = orjson.dumps({"omit": [{"domain": o.domain, "reason": o.reason} for o in omit]})
    state = service_of(request)
    try:
        req = write_request(state, who, request.headers, "POST",
                            f"/v1/publish/campaigns/{campaign}/lists/{list_code}/notice", body, by_person,
                            key=f"{form['submission']}-notice-{list_code}" if form.get("submission") else None)
        reply = await handlers.open_notice(state, req, campaign, list_code, omit)
    except DomainError as exc:
        reply = _as_problem(exc)
    if reply.status >= 400:
        typed["error"] = reply.body["detail"]
        return await _page(request, who, csrf, campaign, reply.status, typed)
    closes = datetime.fromisoformat(reply.body["closes_at"])
    return await _page(request, who, csrf, campaign, done={
        "list": list_code, "message": f"公示已开启，共 {len(reply.body['nominations'])} 项，"
                                      f"至 {closes.astimezone(BEIJING):%Y-%m-%d %H:%M}（北京时间）结束。"})


def _public_at(text: str) -> datetime | None:
    """The form's date and time, read as Beijing time; empty: at once. Raises ValueError."""
    text = text.strip()
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING) if text else None


@router.post(RELEASE)
async def release(campaign: str, list_code: str, request: Request) -> Response:
    who, csrf = signed_in(request, "secretariat")
    form = await _form(request)
    if form is None:
        return problem_page(413, "提交内容过大。")
    typed = {"list": list_code, "action": "release", "public_at": form.get("public_at", ""),
             "reason": form.get("reason", "")}
    try:
        public_at = _public_at(typed["public_at"])
    except ValueError:
        typed["error"] = "公开时间格式应为 年-月-日 时:分（北京时间），如 2023-02-20 09:30；不填即立即公开。"
        return await _page(request, who, csrf, campaign, 422, typed)
    state = service_of(request)
    body = orjson.dumps({"reason": typed["reason"], "public_at": public_at.isoformat() if public_at else None})
    try:
        req = write_request(state, who, request.headers, "POST",
                            f"/v1/publish/campaigns/{campaign}/lists/{list_code}/release", body, by_person,
                            key=f"{form['submission']}-release-{list_code}" if form.get("submission") else None)
        reply = await handlers.publish_list(state, req, campaign, list_code, typed["reason"], public_at)
    except DomainError as exc:
        reply = _as_problem(exc)
    if reply.status >= 400:
        typed["error"] = reply.body["detail"]
        return await _page(request, who, csrf, campaign, reply.status, typed)
    when = (f"定于 {datetime.fromisoformat(reply.body['public_at']).astimezone(BEIJING):%Y-%m-%d %H:%M}（北京时间）公开，"
            "此前仅秘书处可预览" if reply.body["public_at"] else "已公开")
    return await _page(request, who, csrf, campaign, done={
        "list": list_code, "message": f"第 {reply.body['version']} 版已发布，共 {reply.body['entries']} 项，{when}。"})


async def _objections_page(request: Request, who: Identity, csrf: str, campaign: str, status: int = 200,
                           typed: dict | None = None, done: str | None = None) -> Response:
    state = service_of(request)
    found = await state.campaigns.knowing(campaign)
    async with state.pool.acquire() as conn:
        rows = await store.objections(conn, campaign)
    names = {lst.code: lst.name for lst in found.lists}
    pending = [o for o in rows if o["resolved_at"] is None]
    return T.page("objections.html", status, title="异议处理", who=who, csrf=csrf, campaign=campaign,
                  campaign_title=found.title, pending=pending, resolved=[o for o in rows if o["resolved_at"]],
                  names=names, typed=OBJECTION_TYPED | (typed or {}), done=done, submission=uuid4().hex,
                  resolve_href=lambda oid: RESOLUTION.format(campaign=campaign, objection_id=oid),
                  controls=CONTROLS.format(campaign=campaign), objections=OBJECTIONS.format(campaign=campaign),
                  home=review_home())


@router.get(OBJECTIONS)
async def objections(campaign: str, request: Request) -> Response:
    who, csrf = signed_in(request, "secretariat")
    return await _objections_page(request, who, csrf, campaign)


@router.post(RESOLUTION)
async def resolve(campaign: str, objection_id: UUID, request: Request) -> Response:
    who, csrf = signed_in(request, "secretariat")
    form = await _form(request)
    if form is None:
        return problem_page(413, "提交内容过大。")
    oid = str(objection_id)
    typed = {"objection": oid, "upheld": form.get("upheld", ""), "note": form.get("note", "")}
    if typed["upheld"] not in ("1", "0"):
        typed["error"] = "请选择：异议成立或不成立。"
        return await _objections_page(request, who, csrf, campaign, 422, typed)
    if not typed["note"].strip():
        typed["error"] = "请填写处理意见。"
        return await _objections_page(request, who, csrf, campaign, 422, typed)
    state = service_of(request)
    upheld, note = typed["upheld"] == "1", typed["note"].strip()
    body = orjson.dumps({"upheld": upheld, "note": note})
    try:
        req = write_request(state, who, request.headers, "POST",
                            f"/v1/publish/campaigns/{campaign}/objections/{oid}/resolution", body, by_person,
                            key=f"{form['submission']}-resolve-{oid}" if form.get("submission") else None)
        reply = await handlers.resolve_objection(state, req, campaign, objection_id, upheld, note)
    except DomainError as exc:
        reply = _as_problem(exc)
    if reply.status >= 400:
        typed["error"] = reply.body["detail"]
        return await _objections_page(request, who, csrf, campaign, reply.status, typed)
    return await _objections_page(request, who, csrf, campaign,
                                  done=f"异议已处理：{'成立' if upheld else '不成立'}。")
