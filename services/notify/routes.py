"""The notifier's routes, for the secretariat: the log of messages about one subject, and the addresses a
mail server refused permanently."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from contracts.identity import Identity
from eventlog.http.auth import requires
from eventlog.http.front_door import service_of

from . import store

router = APIRouter(prefix="/v1/notify")
secretariat = requires("secretariat")


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
