"""The secretariat's screening queue (形式审查): the nominations holding a slot, filtered by list, domain and
status, with batch actions — pass the selected, fail them with reasons, return them for correction — and the
dossier of one opened beside the queue. Each nomination of a batch is one command through the handlers the
JSON routes call (services/review/handlers.py), keyed per person with the form's one-time key and the
nomination, so a form sent twice records once; the commands of a batch go together, and the unit of work
groups them into as few transactions as it can."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode
from uuid import UUID, uuid4

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.deadline_text import end_of_day
from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.http.front_door import by_person, service_of, write_request
from eventlog.http.page_session import PAGES
from eventlog.http.problems import field_message
from eventlog.write.idempotency import Reply

from .. import handlers
from ..domain.commands import ReturnForCorrection, Screen
from ..dossier_links import readable_dossier
from ..schemas import ReturnRequest
from ..views import review_queries
from .access import T, signed_in
from .dossier import dossier_rows
from .expert import DOSSIER_LINKS, embedding_headers, shown_in_page

router = APIRouter(include_in_schema=False)
HOME = PAGES + "/review/screening"
QUEUE = PAGES + "/review/campaigns/{campaign}/screening"
PAGE_SIZE = 50
MAX_FORM_BYTES = 64 * 1024
STATES = {"pending": "待审查", "passed": "通过", "failed": "不通过", "returned": "退回补正"}
ACTIONS = {"pass": "通过", "fail": "不通过", "return": "退回补正"}


@router.get(HOME)
async def home(request: Request) -> Response:
    """The campaigns the service knows: the one there is, or a choice."""
    who, csrf = signed_in(request, "secretariat")
    titles = service_of(request).campaigns.titles()
    if len(titles) == 1:
        return RedirectResponse(QUEUE.format(campaign=next(iter(titles))), 303)
    return T.page("screening_home.html", title="形式审查", who=who, csrf=csrf,
                  campaigns=[(QUEUE.format(campaign=code), title) for code, title in sorted(titles.items())])


def _filters(params) -> dict[str, str]:
    """The queue's filters as sent (empty: all); an unknown status is no filter."""
    found = {k: (params.get(k) or "").strip()[:64] for k in ("list", "domain", "status")}
    if found["status"] not in STATES:
        found["status"] = ""
    return found


async def _queue_page(request: Request, who: Identity, csrf: str, campaign: str, filters: dict[str, str],
                      page: int, opened: str | None = None, status: int = 200, done: list[dict] | None = None,
                      typed: dict | None = None, view: str | None = None) -> Response:
    state = service_of(request)
    found = await state.campaigns.knowing(campaign)
    lists = {lst.code: lst for lst in found.lists}
    domains = {d.code: d.name for lst in found.lists for d in lst.domains}
    async with state.pool.acquire() as conn:
        queue = await review_queries.screening_queue(
            conn, campaign, page, PAGE_SIZE, filters["status"] or None, filters["list"] or None,
            filters["domain"] or None)
        dossier = None
        if opened:
            try:
                dossier = await readable_dossier(conn, state.campaigns, who, UUID(opened))
                dossier = {**dossier, "nomination_id": opened, "rows": dossier_rows(dossier["form"])}
            except (ValueError, DomainError):
                dossier = None
    for item in queue["items"]:
        lst = lists.get(item["list_code"])
        item["target_name"] = " · ".join([lst.name if lst else item["list_code"]]
                                         + ([domains.get(item["domain"], item["domain"])] if item["domain"] else []))
    pages = max((queue["total"] + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    query = urlencode({k: v for k, v in filters.items() if v})
    viewing = shown_in_page(dossier["attachments"], view) if dossier else None
    view_href = f"{QUEUE.format(campaign=campaign)}?{query}{'&' if query else ''}page={page}&open={opened}&" if dossier else None
    return T.page("screening.html", status, embedding_headers(viewing), title="形式审查", who=who, csrf=csrf, campaign=campaign,
                  campaign_title=found.title, queue=queue, pages=pages,
                  page=page, filters=filters, query=query, lists=found.lists, states=STATES, actions=ACTIONS,
                  action=QUEUE.format(campaign=campaign), dossier=dossier, done=done or [], typed=typed or {},
                  submission=uuid4().hex, viewing=viewing, view_href=view_href, **DOSSIER_LINKS)


@router.get(QUEUE)
async def queue(campaign: str, request: Request, page: int = 1, open: str | None = None,  # noqa: A002
                view: str | None = None) -> Response:
    who, csrf = signed_in(request, "secretariat")
    return await _queue_page(request, who, csrf, campaign, _filters(request.query_params), max(page, 1), open,
                             view=view)


async def _one(request: Request, who: Identity, submission: str, action: str, nomination_id: UUID,
               reasons: tuple[str, ...], due) -> Reply:
    """One nomination's command through the API's handler, keyed per person by the form and the nomination."""
    state = service_of(request)
    api = f"/v1/review/nominations/{nomination_id}/{'return' if action == 'return' else 'screening'}"
    body = orjson.dumps({"action": action, "reasons": reasons, "correction_due": str(due) if due else None})
    try:
        req = write_request(state, who, request.headers, "POST", api, body, by_person,
                            key=f"{submission}-{action}-{nomination_id}")
        if action == "return":
            return await handlers.return_for_correction(state, req, ReturnForCorrection(
                req.who, nomination_id, reasons, end_of_day(due)))
        return await handlers.screen(state, req, Screen(req.who, nomination_id, action == "pass", reasons))
    except DomainError as exc:
        return Reply(exc.http_status, {"code": exc.code, "detail": exc.message, "field": exc.field})


@router.post(QUEUE)
async def batch(campaign: str, request: Request) -> Response:
    who, csrf = signed_in(request, "secretariat")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return T.page("message.html", 413, title="无法完成请求", heading="无法完成请求", who=who, csrf=csrf,
                      message="提交内容过大。", back=QUEUE.format(campaign=campaign))
    form = await request.form(max_files=0, max_fields=PAGE_SIZE + 20)
    filters, page = _filters(form), int(form.get("page") or 1) if str(form.get("page") or "1").isdigit() else 1
    action = str(form.get("action") or "")
    reasons_text = str(form.get("reasons") or "")
    due_text = str(form.get("correction_due") or "")
    typed = {"reasons": reasons_text, "correction_due": due_text, "selected": set(form.getlist("nomination")),
             "errors": {}}
    again = lambda status: _queue_page(request, who, csrf, campaign, filters, page, status=status,  # noqa: E731
                                       typed=typed)
    try:
        selected = [UUID(str(v)) for v in form.getlist("nomination")]
    except ValueError:
        selected = []
    if action not in ACTIONS:
        typed["errors"][""] = "请选择操作：通过、不通过或退回补正。"
        return await again(422)
    if not selected:
        typed["errors"][""] = "请先勾选要处理的推荐。"
        return await again(422)
    reasons = tuple(line.strip() for line in reasons_text.splitlines() if line.strip())
    due = None
    if action == "return":
        try:
            due = ReturnRequest.model_validate({"reasons": list(reasons), "correction_due": due_text}).correction_due
        except ValidationError as exc:
            for err in exc.errors():
                typed["errors"].setdefault(str(err["loc"][0]), field_message(err))
            return await again(422)
    submission = str(form.get("submission") or "")
    replies = await asyncio.gather(*(_one(request, who, submission, action, n, reasons, due) for n in selected))
    done = []
    titles = {}
    async with service_of(request).pool.acquire() as conn:
        for n in selected:
            found = await review_queries.dossier(conn, str(n))
            titles[str(n)] = found["title"] if found else str(n)
    for n, reply in zip(selected, replies):
        refused = reply.status >= 400
        done.append({"nomination_id": str(n), "title": titles[str(n)], "refused": refused,
                     "message": reply.body["detail"] if refused else ACTIONS[action]})
        fields = [reply.body.get("field")] + [e.get("field") for e in reply.body.get("errors") or () if isinstance(e, dict)]
        for name in (f for f in fields if refused and f in ("reasons", "correction_due")):
            typed["errors"].setdefault(name, reply.body["detail"])
    if all(d["refused"] for d in done):
        return await _queue_page(request, who, csrf, campaign, filters, page, status=422 if typed["errors"] else 409,
                                 done=done, typed=typed)
    return await _queue_page(request, who, csrf, campaign, filters, page, done=done,
                             typed=typed if any(d["refused"] for d in done) else {})
