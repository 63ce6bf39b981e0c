"""The notifier's routes: for the secretariat, the log of messages about one subject and the addresses a mail
server refused permanently; for everyone signed in, their inbox; for the secretariat and the bodies, a preview
of the reminders due now and the button that sends them (a body its own and its experts'); for a mail reader, the one-click
unsubscribe (RFC 8058) of an optional kind."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from contracts.campaign.book import UnknownCampaign
from contracts.errors import DomainError, Forbidden, NotFound
from contracts.identity import Identity
from eventlog.http.auth import requires
from eventlog.http.docs import problem_docs
from eventlog.http.front_door import now_for, service_of

from . import store
from .domain import KINDS, is_optional, token_matches
from .render import unsubscribe_secret
from .reminders import preview, schedule_reminders, visible_to

router = APIRouter(prefix="/v1/notify")
secretariat = requires("secretariat")
anyone_signed_in = requires("applicant", "unit", "review_body", "expert", "secretariat")
UNKNOWN_CAMPAIGN = problem_docs({404: ("unknown_campaign", "活动“kczg-2099”不存在。")}, 404)
UNSUBSCRIBE_REFUSALS = problem_docs({403: ("invalid_unsubscribe_token", "退订链接无效。"),
                                     422: ("duty_mail", "此类通知为必要的事务性通知，不能退订。")}, 422)
CAMPAIGN = Query(..., min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$", description="活动编码，如 kczg-2022")


@router.get("/messages", summary="发送给某一对象（如一项推荐）的全部通知及其发送结果")
async def messages(request: Request, subject: str = Query(..., min_length=1, max_length=200,
                                                           description="通知所涉对象，如推荐编号 nomination_id"),
                   caller: Identity = Depends(secretariat)) -> dict:
    async with service_of(request).pool.acquire() as conn:
        return {"subject": subject, "messages": await store.messages_about(conn, subject)}


@router.get("/bounces", summary="被邮件服务器永久拒收（5xx）的地址：不再向其发送")
async def bounces(request: Request, caller: Identity = Depends(secretariat)) -> dict:
    async with service_of(request).pool.acquire() as conn:
        return {"bounces": await store.bad_addresses(conn)}


@router.get("/inbox", summary="我的收件箱：平台发送给当前登录者的通知（最新在前）")
async def inbox(request: Request, caller: Identity = Depends(anyone_signed_in)) -> dict:
    async with service_of(request).pool.acquire() as conn:
        rows = await store.inbox(conn, caller.role, caller.org, caller.sub)
    return {"messages": [{**r, "kind_name": KINDS.get(r["kind"], r["kind"])} for r in rows]}


def _campaign(request: Request, code: str):
    try:
        return service_of(request).campaigns.campaign(code)
    except UnknownCampaign:
        raise NotFound(f"活动“{code}”不存在。", code="unknown_campaign") from None


@router.get("/reminders/preview", responses=UNKNOWN_CAMPAIGN, summary="提醒预览：此刻按提醒按钮将发送给哪些人、邮件全文（秘书处全部，评审机构本机构及其专家）")
async def reminders_preview(request: Request, campaign: str = CAMPAIGN,
                            caller: Identity = Depends(requires("secretariat", "review_body"))) -> dict:
    found = _campaign(request, campaign)
    async with service_of(request).pool.acquire() as conn:
        due = await preview(conn, found, now_for(request), visible_to(caller, found))
    return {"campaign": found.code, "at": now_for(request).isoformat(), "messages": due}


@router.post("/reminders/send", responses=UNKNOWN_CAMPAIGN, summary="提醒按钮：向此刻仍须提醒的人发送（与预览相同的名单，每条只发一次；评审机构仅本机构及其专家）")
async def reminders_send(request: Request, campaign: str = CAMPAIGN,
                         caller: Identity = Depends(requires("secretariat", "review_body"))) -> dict:
    found = _campaign(request, campaign)
    return {"campaign": found.code, "computed": await send_reminders(service_of(request), found, now_for(request),
                                                                     visible_to(caller, found))}


async def send_reminders(state, campaign, now, shown) -> int:
    """The button: the reminders due now that the caller may send, written to the outbox, the sender woken."""
    made = await schedule_reminders(state.pool, state.campaigns, now, only=campaign.code, shown=shown)
    if state.own is not None:
        state.own.wake.set()
    return made


@router.post("/unsubscribe", responses=UNSUBSCRIBE_REFUSALS,
             summary="一键退订（RFC 8058）：不再接收某类可选提醒；事务性通知不可退订")
async def unsubscribe(request: Request,
                      recipient: str = Query(..., min_length=3, max_length=200, pattern=r"^[a-z_]+:[A-Za-z0-9_.:-]+$"),
                      kind: str = Query(..., min_length=1, max_length=64, pattern=r"^[a-z_]+$"),
                      token: str = Query(..., pattern=r"^[0-9a-f]{32}$")) -> dict:
    if not token_matches(unsubscribe_secret(), recipient, kind, token):
        raise Forbidden("退订链接无效。", code="invalid_unsubscribe_token")
    if not is_optional(kind):
        raise DomainError("此类通知为必要的事务性通知，不能退订。", code="duty_mail", field="kind")
    async with service_of(request).pool.acquire() as conn:
        await store.unsubscribe(conn, recipient, kind)
    return {"recipient": recipient, "kind": kind, "unsubscribed": True}
