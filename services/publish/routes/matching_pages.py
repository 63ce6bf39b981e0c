"""The matching pages (资源对接) on the workbench, with its login and CSRF (eventlog/pages): the requester's form on
a listed entry and its list of requests; the secretariat's triage queue; the holder's consent; the outcome form.
Each form calls the same handler as the JSON route (matching_handlers.py), keyed by the form's one-time token,
so a form sent twice records once. Pages answer in Chinese, work without script and never show a contact the
rules keep back (domain/matching.py contact_sides)."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID, uuid4

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.http.front_door import by_org, now_for, service_of, write_request
from eventlog.http.page_session import PAGES
from eventlog.pages.access import signed_in
from eventlog.pages.login import session
from eventlog.pages.render import Templates
from eventlog.write.idempotency import Reply

from .. import match_store, matching_handlers
from ..domain import matching
from ..views import matching_queries

router = APIRouter(include_in_schema=False)
T = Templates(Path(__file__).resolve().parents[1] / "workbench_templates")
BASE = PAGES + "/publish/campaigns/{campaign}"
FORM = BASE + "/entries/{nomination_id}/match-request"
LIST = BASE + "/matches"
ACT = BASE + "/matches/{match_id}/{action}"
HOME = PAGES + "/publish/matches"  # the start page of a requester, a unit and the secretariat on this service
PARTIES = ("requester", "unit", "secretariat")
MAX_FORM_BYTES = 64 * 1024
API = "/v1/publish/campaigns/{campaign}/match-requests/{match_id}/{action}"


def message(who, csrf, status: int, heading: str, text: str, back: str | None = None) -> Response:
    return T.page("message.html", status, title=heading, heading=heading, who=who, csrf=csrf, message=text, back=back)


async def _form(request: Request) -> dict[str, str]:
    if len(await request.body()) > MAX_FORM_BYTES:
        raise DomainError("提交内容过大。", code="too_large", http_status=413)
    form = await request.form(max_files=0, max_fields=20)
    return {k: str(v) for k, v in form.items()}


def _write(request: Request, who: Identity, api: str, body: dict, key: str):
    return write_request(service_of(request), who, request.headers, "POST", api, orjson.dumps(body), by_org, key=key)


async def _reply(call) -> Reply:
    try:
        return await call
    except DomainError as exc:
        return Reply(exc.http_status, {"code": exc.code, "detail": exc.message, "field": exc.field})


@router.get(HOME)
async def home(request: Request) -> Response:
    """The campaigns the service knows: the one there is, or a choice."""
    who, csrf = signed_in(request, *PARTIES)
    titles = service_of(request).campaigns.titles()
    if len(titles) == 1:
        return RedirectResponse(LIST.format(campaign=next(iter(titles))), 303)
    return T.page("match_home.html", title="资源对接", who=who, csrf=csrf,
                  campaigns=[(LIST.format(campaign=code), title) for code, title in sorted(titles.items())])


@router.get(FORM)
async def request_form(campaign: str, nomination_id: UUID, request: Request) -> Response:
    who, csrf = signed_in(request, "requester")
    return await _form_page(request, who, csrf, campaign, nomination_id)


async def _form_page(request: Request, who: Identity, csrf: str, campaign: str, nomination_id: UUID,
                     typed: dict | None = None, error: str | None = None, status: int = 200) -> Response:
    found = await service_of(request).campaigns.knowing(campaign)
    async with service_of(request).pool.acquire() as conn:
        entry = await match_store.listed_entry(conn, campaign, nomination_id, now_for(request))
    if entry is None:
        return message(who, csrf, 404, "未找到",
                       "该项不在已发布的榜单中（未上榜或已撤销），不能提出对接需求。", LIST.format(campaign=campaign))
    lst = found.ranking_list(entry.list_code)
    domain = next((d.name for d in lst.domains if d.code == entry.domain), None)
    return T.page("match_request.html", status, title="提出对接需求", who=who, csrf=csrf, entry=entry,
                  list_name=lst.name, domain_name=domain, kinds=matching.KINDS, limits=matching.LIMITS,
                  typed=typed or {"package_id": request.query_params.get("package", "")}, error=error,
                  submission=uuid4().hex, action=FORM.format(campaign=campaign, nomination_id=nomination_id),
                  back=LIST.format(campaign=campaign))


@router.post(FORM)
async def file_request(campaign: str, nomination_id: UUID, request: Request) -> Response:
    who, csrf = signed_in(request, "requester")
    form = await _form(request)
    fields = {k: form.get(k, "") for k in ("organisation", "kind", "need", "region", "contact")}
    try:
        package = UUID(form["package_id"]) if form.get("package_id") else None
    except ValueError:
        package = None
    api = f"/v1/publish/campaigns/{campaign}/entries/{nomination_id}/match-requests"

    async def run() -> Reply:
        req = _write(request, who, api, {**fields, "package_id": str(package) if package else None},
                     form.get("submission") or uuid4().hex)
        return await matching_handlers.request_match(service_of(request), req, campaign, nomination_id,
                                                     {**fields, "package_id": package})

    reply = await _reply(run())
    if reply.status >= 400:
        return await _form_page(request, who, csrf, campaign, nomination_id, {**fields, "package_id": form.get("package_id", "")},
                                reply.body["detail"], reply.status)
    return RedirectResponse(LIST.format(campaign=campaign) + "?filed=1", 303)


@router.get(LIST)
async def list_page(campaign: str, request: Request) -> Response:
    who, csrf = signed_in(request, *PARTIES)
    return await _list_page(request, who, csrf, campaign,
                            notice="对接需求已提交，秘书处审核后将征求持有方同意。" if request.query_params.get("filed") else None)


async def _list_page(request: Request, who: Identity, csrf: str, campaign: str, notice: str | None = None,
                     error: str | None = None, status: int = 200) -> Response:
    found = await service_of(request).campaigns.knowing(campaign)
    async with service_of(request).pool.acquire() as conn:
        rows = await matching_queries.requests(conn, campaign, who)
        for r in rows:
            r["contacts"] = {}
            if r["status"] == "introduced" or r["status"].startswith("outcome_"):
                match = await match_store.load_match(conn, campaign, UUID(r["match_id"]))
                revealed = await match_store.contacts(conn, match)
                r["contacts"] = {side: revealed[side] for side in matching.contact_sides(match, who)}
    queue = [r for r in rows if r["status"] == "requested"] if who.role == "secretariat" else []
    others = [r for r in rows if r not in queue]
    title = {"secretariat": "对接需求审核", "unit": "本单位上榜项目的对接需求", "requester": "我的对接需求"}[who.role]
    return T.page("matches.html", status, title=title, who=who, csrf=csrf, campaign_title=found.title,
                  queue=queue, rows=others, role=who.role, reasons=matching.DECLINE_REASONS,
                  outcomes=matching.OUTCOMES, notice=notice, error=error, submission=uuid4().hex,
                  act=lambda match_id, action: ACT.format(campaign=campaign, match_id=match_id, action=action),
                  sides={"requester": "需求方", "holder": "持有方"})


ACTIONS = {"triage": ("secretariat",), "consent": ("unit",), "outcome": PARTIES}


@router.post(ACT)
async def act(campaign: str, match_id: UUID, action: str, request: Request) -> Response:
    if action not in ACTIONS:
        who, csrf = session(request)
        return message(who, csrf, 404, "未找到", "未找到该页面。")
    who, csrf = signed_in(request, *ACTIONS[action])
    async with service_of(request).pool.acquire() as conn:
        if await matching_queries.request(conn, campaign, match_id, who) is None:  # another's: absent, nothing kept
            return await _list_page(request, who, csrf, campaign, error=matching.not_found().message, status=404)
    form = await _form(request)
    note = form.get("note", "")
    if action == "triage":
        accepted = form.get("decision") == "accept"
        reason = None if accepted else (form.get("reason") or None)
        cmd, body = matching.TriageMatch(match_id, accepted, reason, note), {"accepted": accepted, "reason": reason}
    elif action == "consent":
        consent = form.get("decision") == "consent"
        cmd = matching.AnswerMatch(match_id, consent, form.get("contact", ""), note)
        body = {"consent": consent, "contact": form.get("contact", "")}
    else:
        cmd, body = matching.RecordOutcome(match_id, form.get("outcome", ""), note), {"outcome": form.get("outcome")}
    api = API.format(campaign=campaign, match_id=match_id, action="outcomes" if action == "outcome" else action)

    async def run() -> Reply:
        req = _write(request, who, api, {**body, "note": note}, f"{form.get('submission') or uuid4().hex}-{match_id}")
        return await matching_handlers.act_on_match(service_of(request), req, campaign, cmd)

    reply = await _reply(run())
    if reply.status >= 400:
        return await _list_page(request, who, csrf, campaign, error=reply.body["detail"], status=reply.status)
    return await _list_page(request, who, csrf, campaign, notice=f"已保存：{reply.body['status_name']}。")
