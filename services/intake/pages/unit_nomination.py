"""One of the unit's nominations: its state, its form to amend while allowed (until the campaign's deadline,
or a return's correction deadline), resubmission after a return for correction, and a direct nomination
where the unit itself puts an item forward. The API's handlers (amend, resubmit, submit) under the form's
one-time key; another unit's nomination does not exist here."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.campaign import Campaign
from contracts.deadline_text import deadline_text
from contracts.identity import Identity
from eventlog.http.front_door import service_of
from eventlog.pages.access import signed_in
from eventlog.write.idempotency import Reply

from .. import handlers, views
from ..schemas import AmendRequest, NominationRequest
from .common import NOMINATION_STATES, ROOT, T, campaign_of, deadline, page_now, submission_key, target_name, through_handler
from .form_fields import errors_by_input, form_body, form_inputs, form_values, input_names, laid_out

router = APIRouter(include_in_schema=False)
NOMINATIONS = ROOT + "/unit/nominations"
ONE = NOMINATIONS + "/{nomination_id}"
NEW = ROOT + "/unit/nominate"


def _errors(reply: Reply, names: set[str]) -> dict[str, str]:
    body = reply.body if isinstance(reply.body, dict) else {}
    found = [e for e in body.get("errors") or () if isinstance(e, dict) and e.get("field")]
    return errors_by_input(found or [{"field": body.get("field") or "", "message": body.get("detail") or ""}], names)


async def _own(request: Request, who: Identity, nomination_id: str):
    try:
        wanted = UUID(nomination_id)
    except ValueError:
        return None
    async with service_of(request).pool.acquire() as conn:
        row = await views.nomination(conn, wanted)
    return row if row is not None and row["unit_id"] == who.org else None


def _until(row, campaign: Campaign, now) -> tuple[bool, str | None, bool]:
    """Whether the form may be amended now, until when (as the notice writes it), and whether it is a return
    for correction awaiting resubmission."""
    screening = views.nomination_out(row, detail=False)["screening"] or {}
    returned = screening.get("state") == "returned"
    if row["withdrawn"]:
        return False, None, False
    if returned and screening.get("correction_due_at"):
        due = datetime.fromisoformat(screening["correction_due_at"])
        return now < due, deadline_text(due), True
    return campaign.submissions_open(now), deadline(campaign, now)["text"], False


async def _page(request: Request, who: Identity, csrf: str, row, values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, status: int = 200, done: str | None = None) -> Response:
    campaign = await service_of(request).campaigns.knowing(row["campaign"])
    now = page_now(request)
    editable, until, returned = _until(row, campaign, now)
    out = views.nomination_out(row)
    async with service_of(request).pool.acquire() as conn:
        later = (await views.progress(conn, [row], now))[row["nomination_id"]]
    values = values if values is not None else form_values(row["list_code"], row["form"])
    return T.page("nomination_form.html", status, title=row["title"], who=who, csrf=csrf, campaign=campaign,
                  nomination={**out, **later, "state": NOMINATION_STATES.get(out["status"], out["status"])},
                  target=target_name(campaign, row["list_code"], row["domain"]), editable=editable, until=until,
                  returned=returned, inputs=laid_out(form_inputs(row["list_code"]), values), values=values,
                  errors=errors or {}, submission=uuid4().hex, action=ONE.format(nomination_id=row["nomination_id"]),
                  deadline=deadline(campaign, now), here="nominations", done=done, new=False)


@router.get(ONE)
async def nomination_page(nomination_id: str, request: Request, done: str | None = None) -> Response:
    who, csrf = signed_in(request, "unit")
    row = await _own(request, who, nomination_id)
    if row is None:
        return T.page("message.html", 404, title="未找到", heading="未找到", who=who, csrf=csrf,
                      message="未找到该推荐。", back=NOMINATIONS)
    return await _page(request, who, csrf, row, done={"amended": "修改已保存。", "resubmitted": "已重新提交，等待形式审查。", "nominated": "已提交推荐，等待名额审核。"}
                       .get(done or ""))


@router.post(ONE)
async def amend(nomination_id: str, request: Request) -> Response:
    """action=amend: a new revision of the form; action=resubmit: amend (if changed) then resubmit."""
    who, csrf = signed_in(request, "unit")
    row = await _own(request, who, nomination_id)
    if row is None:
        return T.page("message.html", 404, title="未找到", heading="未找到", who=who, csrf=csrf,
                      message="未找到该推荐。", back=NOMINATIONS)
    form = await request.form(max_files=0, max_fields=2000)
    posted = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    values = {k: v for k, v in posted.items() if k not in ("csrf", "submission", "action")}
    if posted.get("action") not in ("amend", "resubmit"):
        return await _page(request, who, csrf, row, values, {"": "请选择操作：保存修改或保存并重新提交。"}, 422)
    nid, list_code = row["nomination_id"], row["list_code"]
    names = input_names(laid_out(form_inputs(list_code), values))
    new_form = form_body(list_code, posted)
    changed = new_form != {k: v for k, v in form_body(list_code, form_values(list_code, row["form"])).items()}
    if changed or posted.get("action") != "resubmit":
        body = {"form": new_form}
        reply = await through_handler(request, who, f"/v1/nominations/{nid}", body, submission_key(posted, "amend"),
                                      lambda state, req: handlers.amend_nomination(state, req, nid,
                                                                                   AmendRequest.model_validate(body)))
        if reply.status >= 400:
            return await _page(request, who, csrf, row, values, _errors(reply, names), reply.status)
    if posted.get("action") != "resubmit":
        return RedirectResponse(ONE.format(nomination_id=nid) + "?done=amended", 303)
    reply = await through_handler(request, who, f"/v1/nominations/{nid}/resubmit", {}, submission_key(posted, "resubmit"),
                                  lambda state, req: handlers.resubmit_nomination(state, req, nid))
    if reply.status >= 400:
        return await _page(request, who, csrf, row, values, _errors(reply, names), reply.status)
    return RedirectResponse(ONE.format(nomination_id=nid) + "?done=resubmitted", 303)


def _choice(campaign: Campaign, list_code: str, domain: str) -> tuple[str, str | None] | None:
    lst = next((lst for lst in campaign.lists if lst.code == list_code and not lst.separately_organised), None)
    if lst is None:
        return None
    if lst.domains:
        return (list_code, domain) if domain in {d.code for d in lst.domains} else None
    return list_code, None


async def _new_page(request: Request, who: Identity, csrf: str, campaign: Campaign, list_code: str,
                    domain: str | None, values: dict[str, str], errors: dict[str, str] | None = None,
                    status: int = 200) -> Response:
    now = page_now(request)
    return T.page("nomination_form.html", status, title="直接推荐", who=who, csrf=csrf, campaign=campaign,
                  nomination=None, target=target_name(campaign, list_code, domain), editable=True,
                  until=deadline(campaign, now)["text"], returned=False,
                  inputs=laid_out(form_inputs(list_code), values), values=values, errors=errors or {},
                  submission=uuid4().hex, action=NEW, deadline=deadline(campaign, now), here="nominations",
                  done=None, new={"campaign": campaign.code, "list_code": list_code, "domain": domain})


@router.get(NEW)
async def nominate_page(request: Request) -> Response:
    who, csrf = signed_in(request, "unit")
    q = request.query_params
    campaign = await campaign_of(request, q.get("campaign"))
    choice = _choice(campaign, q.get("list_code", ""), q.get("domain", "")) if campaign else None
    if choice is None:
        return T.page("message.html", 422, title="请选择榜单", heading="请选择榜单", who=who, csrf=csrf,
                      message="请选择要推荐的榜单；先导技术榜还须选择领域。", back=NOMINATIONS)
    return await _new_page(request, who, csrf, campaign, *choice, values={})


@router.post(NEW)
async def nominate(request: Request) -> Response:
    """The unit's own recommendation (no applicant stage): the API's submit, keyed by the form's token."""
    who, csrf = signed_in(request, "unit")
    form = await request.form(max_files=0, max_fields=2000)
    posted = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    campaign = await campaign_of(request, posted.get("campaign"))
    choice = _choice(campaign, posted.get("list_code", ""), posted.get("domain", "")) if campaign else None
    if choice is None:
        return T.page("message.html", 422, title="请选择榜单", heading="请选择榜单", who=who, csrf=csrf,
                      message="请选择要推荐的榜单；先导技术榜还须选择领域。", back=NOMINATIONS)
    list_code, domain = choice
    values = {k: v for k, v in posted.items() if k not in ("csrf", "submission", "action")}
    names = input_names(laid_out(form_inputs(list_code), values)) | {"opinion"}
    body: dict[str, Any] = {"campaign": campaign.code, "list_code": list_code, "domain": domain,
                            "form": form_body(list_code, posted), "opinion": posted.get("opinion", "").strip() or None}
    reply = await through_handler(request, who, "/v1/nominations", body, submission_key(posted, "nominate"),
                                  lambda state, req: handlers.submit_nomination(state, req,
                                                                                NominationRequest.model_validate(body)))
    if reply.status >= 400:
        errors = _errors(reply, names)
        if "form.recommending_opinion" in str(reply.body) or reply.body.get("code") == "opinion_required":
            errors["opinion"] = errors.pop("", reply.body.get("detail", ""))
        return await _new_page(request, who, csrf, campaign, list_code, domain, values, errors, reply.status)
    return RedirectResponse(ONE.format(nomination_id=reply.body["nomination_id"]) + "?done=nominated", 303)

