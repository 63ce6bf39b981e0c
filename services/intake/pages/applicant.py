"""The applicant's pages: its applications with their state, a list's form (rendered from the intake's form
models), saving a draft with attachments, and sending it to the recommending unit. Every write is the API's
handler (handlers.save_application, handlers.run_application) under a key made of the form's one-time token."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from contracts.campaign import Campaign
from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.http.front_door import service_of
from eventlog.pages.access import signed_in
from eventlog.write.idempotency import Reply

from .. import attachments, handlers, views
from ..domain.commands import SendApplication
from ..http_contract import MAX_ATTACHMENT_BYTES
from ..schemas import ApplicationRequest
from .common import (
    APPLICATION_STATES, NOMINATION_STATES, ROOT, T, campaign_of, deadline, page_now, submission_key,
    target_name, through_handler,
)
from .form_fields import errors_by_input, form_body, form_inputs, form_values, input_names, laid_out

router = APIRouter(include_in_schema=False)
HOME = ROOT + "/applications"
NEW = HOME + "/new"
ONE = HOME + "/{application_id}"
SEND_TO = HOME  # every save posts here (multipart, with the upload): one path, one body limit
ACCEPTED = "、".join(attachments.NAMES.values())
MAX_MB = MAX_ATTACHMENT_BYTES // (1024 * 1024)


async def _units(request: Request, campaign: str) -> list[tuple[str, str]]:
    async with service_of(request).pool.acquire() as conn:
        rows = await conn.fetch("SELECT unit_id, name FROM intake.units WHERE campaign = $1 ORDER BY unit_id", campaign)
    return [(r["unit_id"], r["name"]) for r in rows]


@router.get(HOME)
async def my_applications(request: Request, done: str | None = None) -> Response:
    who, csrf = signed_in(request, "applicant")
    campaign = await campaign_of(request, request.query_params.get("campaign"))
    async with service_of(request).pool.acquire() as conn:
        rows, total = await views.applications_where(conn, "applicant", who.org, status=None, offset=0, limit=200)
    items = [{**views.application_out(r, detail=False),
              "target": target_name(campaign, r["list_code"], r["domain"]) if campaign else r["list_code"],
              "state": APPLICATION_STATES.get(r["status"], r["status"])} for r in rows]
    return T.page("applicant_home.html", title="我的申报", who=who, csrf=csrf, items=items, total=total,
                  campaign=campaign, units=await _units(request, campaign.code) if campaign else [],
                  deadline=deadline(campaign, page_now(request)) if campaign else None, new=NEW,
                  done={"sent": "已报送推荐单位。"}.get(done or ""))


def _choice(campaign: Campaign, list_code: str, domain: str) -> tuple[str, str | None] | None:
    lists = {lst.code: lst for lst in campaign.lists if not lst.separately_organised}
    lst = lists.get(list_code)
    if lst is None:
        return None
    if lst.domains:
        return (list_code, domain) if domain in {d.code for d in lst.domains} else None
    return list_code, None


async def _form_page(request: Request, who: Identity, csrf: str, campaign: Campaign, list_code: str,
                     domain: str | None, *, values: dict[str, str], unit_id: str, kept: list[dict],
                     application: dict | None = None, errors: dict[str, str] | None = None, status: int = 200,
                     done: str | None = None, nomination: dict | None = None) -> Response:
    inputs = laid_out(form_inputs(list_code), values)
    editable = application is None or application["status"] in ("draft", "returned")
    return T.page("application_form.html", status, title="填写申报", who=who, csrf=csrf, campaign=campaign,
                  target=target_name(campaign, list_code, domain), list_code=list_code, domain=domain,
                  inputs=inputs, values=values, errors=errors or {}, unit_id=unit_id,
                  units=await _units(request, campaign.code), kept=kept, application=application,
                  states=APPLICATION_STATES, editable=editable, accepted=ACCEPTED, max_mb=MAX_MB,
                  deadline=deadline(campaign, page_now(request)), submission=uuid4().hex, action=SEND_TO,
                  done=done, nomination=nomination, home=HOME)


@router.get(NEW)
async def new_application(request: Request) -> Response:
    who, csrf = signed_in(request, "applicant")
    q = request.query_params
    campaign = await campaign_of(request, q.get("campaign"))
    choice = _choice(campaign, q.get("list_code", ""), q.get("domain", "")) if campaign else None
    if campaign is None or choice is None:
        return T.page("message.html", 422, title="请选择榜单", heading="请选择榜单", who=who, csrf=csrf,
                      message="请选择要申报的榜单；先导技术榜还须选择领域。", back=HOME)
    return await _form_page(request, who, csrf, campaign, *choice, values={}, unit_id=q.get("unit_id", ""), kept=[])


@router.get(ONE)
async def application_page(application_id: str, request: Request, done: str | None = None) -> Response:
    who, csrf = signed_in(request, "applicant")
    row = await _own(request, who, application_id)
    if row is None:
        return T.page("message.html", 404, title="未找到", heading="未找到", who=who, csrf=csrf,
                      message="未找到该申报。", back=HOME)
    campaign = await service_of(request).campaigns.knowing(row["campaign"])
    app = views.application_out(row)
    nomination = None
    if row["nomination_id"]:
        async with service_of(request).pool.acquire() as conn:
            found = await views.nomination(conn, row["nomination_id"])
            # its later states as the unit may show them (the same reading: the decision only under notice)
            later = (await views.progress(conn, [found], page_now(request)))[found["nomination_id"]] if found else {}
        if found is not None:
            out = views.nomination_out(found, detail=False)
            nomination = {**out, **later, "state": NOMINATION_STATES.get(out["status"], out["status"])}
    return await _form_page(request, who, csrf, campaign, row["list_code"], row["domain"],
                            values=form_values(row["list_code"], row["form"]), unit_id=row["unit_id"],
                            kept=list(row["attachments"] or []), application=app, nomination=nomination,
                            done={"saved": "草稿已保存。", "sent": "已报送推荐单位。"}.get(done or ""))


async def _own(request: Request, who: Identity, application_id: str):
    try:
        wanted = UUID(application_id)
    except ValueError:
        return None
    async with service_of(request).pool.acquire() as conn:
        row = await views.application(conn, wanted)
    return row if row is not None and row["applicant_id"] == who.org else None  # another's: as if absent


def _reply_errors(reply: Reply) -> list[dict[str, Any]]:
    body = reply.body if isinstance(reply.body, dict) else {}
    found = [e for e in body.get("errors") or () if isinstance(e, dict) and e.get("field")]
    return found or [{"field": body.get("field") or "", "message": body.get("detail") or "未能完成，请稍后重试。"}]


@router.post(SEND_TO)
async def save(request: Request) -> Response:
    """Save the draft (a new one, or the next version of one), with an uploaded file if any; with
    action=send, then send it to the unit."""
    who, csrf = signed_in(request, "applicant")
    async with request.form(max_files=1, max_fields=2000) as form:
        posted = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        kept_hashes = [str(v) for v in form.getlist("attachment") if isinstance(v, str)]
        upload = form.get("upload")
        data = await upload.read(MAX_ATTACHMENT_BYTES + 1) if isinstance(upload, UploadFile) and upload.filename else None
        name, declared = (upload.filename, upload.content_type) if data is not None else (None, None)
    existing = await _own(request, who, posted.get("application_id", "")) if posted.get("application_id") else None
    if posted.get("application_id") and existing is None:
        return T.page("message.html", 404, title="未找到", heading="未找到", who=who, csrf=csrf,
                      message="未找到该申报。", back=HOME)
    campaign = await campaign_of(request, existing["campaign"] if existing else posted.get("campaign"))
    choice = (existing["list_code"], existing["domain"]) if existing else (
        _choice(campaign, posted.get("list_code", ""), posted.get("domain", "")) if campaign else None)
    if campaign is None or choice is None:
        return T.page("message.html", 422, title="请选择榜单", heading="请选择榜单", who=who, csrf=csrf,
                      message="请选择要申报的榜单；先导技术榜还须选择领域。", back=HOME)
    list_code, domain = choice
    values = {k: v for k, v in posted.items() if k not in ("csrf", "submission", "action")}
    app_out = views.application_out(existing) if existing else None
    async with service_of(request).pool.acquire() as conn:
        kept = list(await attachments.resolve(conn, who.org, kept_hashes)) if kept_hashes else []

    def again(errors: dict[str, str], status: int = 422) -> Any:
        return _form_page(request, who, csrf, campaign, list_code, domain, values=values,
                          unit_id=posted.get("unit_id", ""), kept=[k.model_dump() for k in kept],
                          application=app_out, errors=errors, status=status)

    if data is not None:  # the API's upload, its rules: type by content, the size limit
        try:
            ref = attachments.check_upload(name, declared, data, MAX_ATTACHMENT_BYTES)
        except DomainError as exc:
            return await again({"upload": exc.message}, exc.http_status)
        async with service_of(request).pool.acquire() as conn:
            await attachments.store_upload(conn, who.org, ref, data)
        kept = [k for k in kept if k.sha256 != ref.sha256] + [ref]
    try:
        body = ApplicationRequest(campaign=campaign.code, unit_id=posted.get("unit_id", ""), list_code=list_code,
                                  domain=domain, form=form_body(list_code, posted),
                                  attachments=[k.sha256 for k in kept]).model_dump(mode="json")
    except ValueError:
        return await again({"unit_id": "请选择推荐单位。"})
    application_id = existing["application_id"] if existing else None
    api = f"/v1/applications/{application_id}" if application_id else "/v1/applications"
    reply = await through_handler(request, who, api, body, submission_key(posted, "save"),
                                  lambda state, req: handlers.save_application(
                                      state, req, ApplicationRequest.model_validate(body), application_id))
    inputs = laid_out(form_inputs(list_code), values)
    if reply.status >= 400:
        return await again(errors_by_input(_reply_errors(reply), input_names(inputs) | {"unit_id", "upload"}),
                           reply.status)
    saved_id = UUID(reply.body["application_id"])
    if posted.get("action") != "send":
        return RedirectResponse(ONE.format(application_id=saved_id) + "?done=saved", 303)
    sent = await through_handler(request, who, f"/v1/applications/{saved_id}/send", {}, submission_key(posted, "send"),
                                 lambda state, req: handlers.run_application(state, req,
                                                                             SendApplication(req.who, saved_id)))
    if sent.status >= 400:
        app_out = {"application_id": str(saved_id), "status": "draft", "comments": None}
        return await again(errors_by_input(_reply_errors(sent), input_names(inputs)), sent.status)
    return RedirectResponse(ONE.format(application_id=saved_id) + "?done=sent", 303)

