"""The secretariat's final review as the committee sits (终评会议): one list's ranked candidates (one domain of
先导技术榜, or all of them) in one table with their preliminary aggregate and rank; the roll call entered once;
then yes/no/abstain and the decision per candidate. The form records the sitting through the handler the JSON
route POST /v1/review/campaigns/{campaign}/final/sittings calls, keyed per person with the form's one-time key,
so a form sent twice records once; every decision is checked against the quorum rules, and one refused
decision refuses the sitting, each refusal shown beside its row with what was typed kept. The same form can be
filled from the minutes workbook the page offers (pages/minutes.py): upload, check, confirm."""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import uuid4

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.errors import DomainError
from contracts.identity import Identity
from eventlog.http.front_door import by_person, now_for, service_of, write_request
from eventlog.http.page_session import PAGES
from eventlog.http.problems import FIELD_MESSAGES, field_message
from eventlog.write.idempotency import Reply

from .. import handlers
from ..domain.context import ReviewContext
from ..domain.final import RecordDecision, RecordSitting, vote_rule
from ..domain.targets import targets_of
from ..domain.votes import CommitteeVote
from ..routes.final import SittingRequest
from ..views import final_queries, review_queries
from . import minutes, minutes_pdf
from .access import T, signed_in

router = APIRouter(include_in_schema=False)
SITTING = PAGES + "/review/campaigns/{campaign}/final"
TEMPLATE = SITTING + "/minutes.xlsx"
MINUTES_PDF = SITTING + "/minutes.pdf"
UPLOAD = SITTING + "/minutes"
API = "/v1/review/campaigns/{campaign}/final/sittings"
MAX_FORM_BYTES = 256 * 1024  # the session's own limit (eventlog/http/page_session.py): ~2,800 candidates at ~92 bytes each
MAX_UPLOAD_BYTES = 256 * 1024
ROLL = ("eligible", "present", "recused")
VOTES = ("yes", "no", "abstain")
SELECTED = {"1": "入选", "0": "不入选"}


async def _sitting(request: Request, campaign: str, list_code: str | None, domain: str | None) -> dict:
    """The lists with submitted results, the one chosen (default: the first) and its candidates in page order."""
    state = service_of(request)
    found = await state.campaigns.knowing(campaign)
    async with state.pool.acquire() as conn:
        ready = [t for t in targets_of(found)
                 if (summary := await review_queries.target(conn, t.key)) and summary["results_submitted"]]
        lists = [lst for lst in found.lists if any(t.list_code == lst.code for t in ready)]
        chosen = next((lst for lst in lists if lst.code == list_code), lists[0] if lists else None)
        domains = [d for d in chosen.domains if any(t.domain == d.code for t in ready)] if chosen else []
        domain = domain if any(d.code == domain for d in domains) else ""
        keys = [t.key for t in ready if chosen and t.list_code == chosen.code and (not domain or t.domain == domain)]
        candidates = await final_queries.sitting_candidates(conn, keys)
    names = {d.code: d.name for d in domains}
    rows = [{**c, "domain_name": names.get(c["domain"], "") if c["domain"] else "", "rank": c["prelim_rank"],
             "aggregate": c["prelim_aggregate"]} for c in candidates]
    rule = vote_rule(ReviewContext(now_for(request), found))
    return {"found": found, "lists": lists, "chosen": chosen, "domains": domains, "domain": domain, "rows": rows,
            "rule": rule}


def _href(campaign: str, list_code: str | None, domain: str | None) -> str:
    query = urlencode({k: v for k, v in (("list", list_code), ("domain", domain)) if v})
    return SITTING.format(campaign=campaign) + (f"?{query}" if query else "")


async def _page(request: Request, who: Identity, csrf: str, campaign: str, list_code: str | None,
                domain: str | None, status: int = 200, typed: dict | None = None, done: dict | None = None,
                read: dict | None = None) -> Response:
    s = await _sitting(request, campaign, list_code, domain)
    code = s["chosen"].code if s["chosen"] else None
    typed = typed or {"roll": {}, "rows": {}, "errors": {}, "row_errors": {}}
    return T.page("final.html", status, title="终评会议", who=who, csrf=csrf, campaign=campaign,
                  campaign_title=s["found"].title, lists=s["lists"], chosen=s["chosen"], domains=s["domains"],
                  domain=s["domain"], rows=s["rows"], rule=s["rule"], typed=typed, done=done, read=read,
                  selected_names=SELECTED, action=SITTING.format(campaign=campaign), upload=UPLOAD.format(campaign=campaign),
                  template_href=TEMPLATE.format(campaign=campaign) + "?" + urlencode(
                      {k: v for k, v in (("list", code), ("domain", s["domain"])) if v}),
                  pdf_href=MINUTES_PDF.format(campaign=campaign) + "?" + urlencode(
                      {k: v for k, v in (("list", code), ("domain", s["domain"])) if v}),
                  list_href=lambda lc, d=None: _href(campaign, lc, d), submission=uuid4().hex)


@router.get(PAGES + "/review/final")
async def home(request: Request) -> Response:
    signed_in(request, "secretariat")
    titles = service_of(request).campaigns.titles()
    return RedirectResponse(SITTING.format(campaign=sorted(titles)[0]) if titles else PAGES + "/review/screening", 303)


@router.get(SITTING)
async def sitting(campaign: str, request: Request, list: str | None = None,  # noqa: A002
                  domain: str | None = None) -> Response:
    who, csrf = signed_in(request, "secretariat")
    return await _page(request, who, csrf, campaign, list, domain)


def _typed(form) -> dict:
    """What the form holds, as typed: the roll call, the note, and per nomination its counts and decision."""
    text = lambda name: str(form.get(name) or "").strip()[:64]  # noqa: E731
    rows = {}
    for i in range(minutes.MAX_ROWS):
        nid = text(f"n.{i}")
        if not nid:
            break
        rows[nid] = {k: text(f"{k}.{i}") for k in (*VOTES, "recused", "selected")}
    return {"roll": {k: text(k) for k in ROLL} | {"note": str(form.get("note") or "").strip()[:2000]},
            "rows": rows, "errors": {}, "row_errors": {}}


def _row_vote(roll: dict[str, str], row: dict[str, str]) -> dict[str, str] | str:
    """A row's vote as typed: the roll call's figures; with the row's own recusals (回避 on this candidate
    only), those attending who do not recuse on it are its present. A message if the row's recusals cannot be."""
    vote = {k: roll[k] for k in ROLL} | {k: row[k] for k in VOTES}
    vote["recused"], vote["abstain"] = vote["recused"] or "0", vote["abstain"] or "0"
    own = row["recused"]
    if not own:
        return vote
    if not own.isdigit():
        return f"本项回避：{FIELD_MESSAGES['int_parsing']}（收到“{own}”）。"
    if vote["present"].isdigit() and vote["recused"].isdigit():
        attending = int(vote["present"]) + int(vote["recused"])
        if int(own) > attending:
            return f"本项回避 {int(own)} 人，超过到会 {attending} 人（实到与回避之和）。"
        vote["present"], vote["recused"] = str(attending - int(own)), str(int(own))
    return vote


def _decisions(typed: dict) -> list[dict] | None:
    """The filled rows as the API's decisions, validated by the API's own model; None (with the typed
    errors set beside their fields) if any is not."""
    roll, errors, row_errors = typed["roll"], typed["errors"], typed["row_errors"]
    filled = [(nid, row) for nid, row in typed["rows"].items() if any(row.values())]
    if not filled:
        errors[""] = "请至少填写一项的赞成、反对、弃权票数和决定（不表决的项整行留空）。"
        return None
    decisions = []
    for nid, row in filled:
        if row["selected"] not in SELECTED:
            row_errors[nid] = "请选择“入选”或“不入选”。"
        vote = _row_vote(roll, row)
        if isinstance(vote, str):
            row_errors[nid] = vote
            continue
        decisions.append({"nomination_id": nid, "selected": row["selected"] == "1", "vote": vote, "note": roll["note"]})
    try:
        body = SittingRequest.model_validate({"decisions": decisions})
    except ValidationError as exc:
        for err in exc.errors():
            loc = err["loc"]
            if len(loc) >= 3 and loc[0] == "decisions" and isinstance(loc[1], int):
                nid, field = decisions[loc[1]]["nomination_id"], loc[-1]
                if field in ROLL:
                    errors.setdefault(field, field_message(err))
                elif field == "note":
                    errors.setdefault("note", field_message(err))
                elif field == "nomination_id":
                    row_errors.setdefault(nid, "推荐编号无效。")
                else:
                    row_errors.setdefault(nid, f"{dict(yes='赞成', no='反对', abstain='弃权', recused='本项回避').get(field, field)}："
                                               f"{field_message(err)}")
        return None
    if row_errors:
        return None
    return [d.model_dump(mode="json") for d in body.decisions]


async def _record(request: Request, who: Identity, campaign: str, submission: str, decisions: list[dict]) -> Reply:
    """The sitting through the API's handler, keyed per person by the form's one-time key."""
    state = service_of(request)
    body = SittingRequest.model_validate({"decisions": decisions})
    try:
        req = write_request(state, who, request.headers, "POST", API.format(campaign=campaign),
                            orjson.dumps(body.model_dump(mode="json")), by_person, key=f"{submission}-sitting")
        cmd = RecordSitting(req.who, uuid4(), tuple(
            RecordDecision(req.who, d.nomination_id, d.selected, CommitteeVote(**d.vote.model_dump()), d.note)
            for d in body.decisions))
        return await handlers.record_sitting(state, req, campaign, cmd)
    except DomainError as exc:
        return Reply(exc.http_status, {"code": exc.code, "detail": exc.message, "errors": exc.errors or []})


@router.post(SITTING)
async def record(campaign: str, request: Request) -> Response:
    who, csrf = signed_in(request, "secretariat")
    if len(await request.body()) > MAX_FORM_BYTES:
        return T.page("message.html", 413, title="无法完成请求", heading="无法完成请求", who=who, csrf=csrf,
                      message="提交内容过大：请按领域分次记录。", back=SITTING.format(campaign=campaign))
    form = await request.form(max_files=0, max_fields=5 * minutes.MAX_ROWS + 20)
    list_code, domain = str(form.get("list") or "")[:64], str(form.get("domain") or "")[:64]
    typed = _typed(form)
    decisions = _decisions(typed)
    if decisions is None:
        return await _page(request, who, csrf, campaign, list_code, domain, 422, typed)
    reply = await _record(request, who, campaign, str(form.get("submission") or ""), decisions)
    if reply.status >= 400:
        typed["errors"][""] = reply.body.get("detail", "")
        for e in reply.body.get("errors") or ():
            if isinstance(e, dict) and e.get("nomination_id"):
                typed["row_errors"][e["nomination_id"]] = e.get("message", "")
        return await _page(request, who, csrf, campaign, list_code, domain, reply.status, typed)
    done = {"recorded": reply.body["recorded"], "unchanged": reply.body["unchanged"],
            "sitting_id": reply.body["sitting_id"], "replayed": reply.replayed}
    return await _page(request, who, csrf, campaign, list_code, domain, done=done)


@router.get(TEMPLATE)
async def minutes_template(campaign: str, request: Request, list: str | None = None,  # noqa: A002
                           domain: str | None = None) -> Response:
    signed_in(request, "secretariat")
    s = await _sitting(request, campaign, list, domain)
    name = " · ".join([s["chosen"].name if s["chosen"] else "（无已报送初评结果的榜单）"]
                      + [d.name for d in s["domains"] if d.code == s["domain"]])
    data = minutes.template(f"{s['found'].title} · {name} · 终评会议表决记录", s["rows"])
    filename = f"minutes-{campaign}-{s['chosen'].code if s['chosen'] else 'none'}{'-' + s['domain'] if s['domain'] else ''}.xlsx"
    return Response(data, media_type=minutes.XLSX, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})


def _sitting_name(s: dict) -> str:
    return " · ".join([s["chosen"].name if s["chosen"] else "（无已报送初评结果的榜单）"]
                      + [d.name for d in s["domains"] if d.code == s["domain"]])


@router.get(MINUTES_PDF)
async def minutes_as_pdf(campaign: str, request: Request, list: str | None = None,  # noqa: A002
                         domain: str | None = None) -> Response:
    """The decisions on record for the page's list (or domain) with their votes, printed to sign and file."""
    who, csrf = signed_in(request, "secretariat")
    s = await _sitting(request, campaign, list, domain)
    title = f"{s['found'].title} · {_sitting_name(s)} · 终评会议表决记录"
    try:
        data = await minutes_pdf.minutes_pdf(title, minutes_pdf.minutes_rows(s["rows"]), now_for(request))
    except minutes_pdf.PrinterMissing:
        return T.page("message.html", 503, title="服务暂不可用", heading="服务暂不可用", who=who, csrf=csrf,
                      message="本机暂时无法生成 PDF（缺少排版库 pango）；请改用 Excel 模板或导出。",
                      back=_href(campaign, list, domain))
    filename = f"minutes-{campaign}-{s['chosen'].code if s['chosen'] else 'none'}{'-' + s['domain'] if s['domain'] else ''}.pdf"
    return Response(data, media_type=minutes_pdf.PDF, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})


@router.post(UPLOAD)
async def upload(campaign: str, request: Request) -> Response:
    """The filled-in minutes read into the sitting's form for the secretariat to check and confirm: nothing
    is recorded until the form is sent."""
    who, csrf = signed_in(request, "secretariat")
    typed = {"roll": {}, "rows": {}, "errors": {}, "row_errors": {}}
    if len(await request.body()) > MAX_UPLOAD_BYTES + 4096:
        typed["errors"]["file"] = "文件过大（上限 256 KiB）：请按领域分次导入。"
        return await _page(request, who, csrf, campaign, None, None, 413, typed)
    form = await request.form(max_files=1, max_fields=10)
    list_code, domain = str(form.get("list") or "")[:64], str(form.get("domain") or "")[:64]
    file = form.get("file")
    if file is None or isinstance(file, str) or not file.filename:
        typed["errors"]["file"] = "请选择要导入的会议纪要文件（.xlsx）。"
        return await _page(request, who, csrf, campaign, list_code, domain, 422, typed)
    try:
        roll, rows = minutes.read(await file.read())
    except minutes.MinutesUnreadable as exc:
        typed["errors"]["file"] = str(exc)
        return await _page(request, who, csrf, campaign, list_code, domain, 422, typed)
    known = {r["nomination_id"] for r in (await _sitting(request, campaign, list_code, domain))["rows"]}
    strangers = [line for line, nid, _ in rows if nid not in known]
    typed["roll"] = {k: roll.get(k, "") for k in (*ROLL, "note")}
    typed["rows"] = {nid: values for _, nid, values in rows if nid in known}
    if strangers:
        typed["errors"]["file"] = (f"文件第 {'、'.join(map(str, strangers[:10]))} 行的推荐编号不在本页的终评名单中"
                                   "（请下载本页的模板重新填写）；其余各项已读入。")
        return await _page(request, who, csrf, campaign, list_code, domain, 422, typed)
    if not rows:
        typed["errors"]["file"] = "文件中没有填写任何一项的表决票数和决定。"
        return await _page(request, who, csrf, campaign, list_code, domain, 422, typed)
    return await _page(request, who, csrf, campaign, list_code, domain, typed=typed,
                       read={"name": file.filename, "count": len(rows)})
