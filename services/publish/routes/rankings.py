"""The ranking views (read-only), for the people who may see them (domain/access.py): the secretariat all,
a review body its own targets' nominations, a unit its own (its results once their notice opened, as its campaign
sets); the public none (401). A release embargoed until its instant is published to the secretariat alone."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from contracts.errors import DomainError, NotFound
from contracts.identity import Identity
from eventlog.http.auth import requires
from eventlog.http.front_door import now_for, service_of

from ..domain.access import Scope, ranking_scope
from ..views import ranking_queries
from ..views.ranking_tables import SHOWN_STATUSES
from .common import optional_identity, pool

router = APIRouter(tags=["评审视图"])


def _check(value: str | None, known, field: str, label: str) -> None:
    if value is not None and value not in known:
        raise DomainError(f"未知{label}：{value}", code=f"unknown_{field}", field=field)


def scope_of(request: Request, caller: Identity | None) -> Scope:
    book = service_of(request).campaigns.book
    return ranking_scope(caller, [book.as_of(code) for code in book.codes])


def _filter(request: Request, scope: Scope, **given: Any) -> ranking_queries.NominationFilter:
    seen = ranking_queries.Visibility(results_as_recorded=scope.results_as_recorded,
                                      release_seen_at=None if scope.previews_releases else now_for(request))
    return ranking_queries.NominationFilter(seen, **given, own_unit=scope.unit_id,
                                            targets=None if scope.everything or scope.unit_id else scope.targets)


@router.get("/v1/rankings/nominations", summary="推荐及其评审状态（按权限范围）")
async def list_nominations(
    request: Request,
    campaign: str | None = Query(None, max_length=64),
    list_code: str | None = Query(None, max_length=64),
    domain: str | None = Query(None, max_length=64),
    unit_id: str | None = Query(None, max_length=64),
    channel: str | None = Query(None, max_length=64),
    status: str | None = Query(None, max_length=32, json_schema_extra={"enum": list(SHOWN_STATUSES)},
                               description="状态（按调用者所见：公示前推荐单位所见的评审结果为 under_review，评审中）"),
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(50, ge=1, le=200),
    caller: Identity | None = Depends(optional_identity),
) -> dict[str, Any]:
    scope = scope_of(request, caller)
    # A list, domain or channel code no campaign has matches nothing (an empty page), as an unknown campaign
    # or unit does: the codes grow with every campaign on the log, so the document cannot name them all.
    _check(status, SHOWN_STATUSES, "status", "状态")
    where = _filter(request, scope, campaign=campaign, list_code=list_code, domain=domain, unit_id=unit_id, channel=channel,
                    status=status)
    async with pool(request).acquire() as conn:
        total, items = await ranking_queries.nominations(conn, where, page, page_size)
    return {"items": items, "page": page, "page_size": page_size, "total": total}


@router.get("/v1/rankings/nominations/{nomination_id}", summary="一项推荐及其评审状态（按权限范围）")
async def get_nomination(nomination_id: UUID, request: Request,
                         caller: Identity | None = Depends(optional_identity)) -> dict[str, Any]:
    where = _filter(request, scope_of(request, caller), nomination_id=str(nomination_id))
    async with pool(request).acquire() as conn:
        row = await ranking_queries.nomination(conn, where)
    if row is None:  # outside the caller's scope reads the same as absent: never confirm it exists
        raise NotFound("未找到该推荐（可能尚在处理，请稍后再试）。", code="nomination_not_found")
    return row


@router.get("/v1/campaigns/{campaign}/progress", summary="活动进度统计（秘书处）")
async def campaign_progress(campaign: str, request: Request,
                            caller: Identity = Depends(requires("secretariat"))) -> dict[str, Any]:
    async with pool(request).acquire() as conn:
        return await ranking_queries.campaign_progress(conn, campaign)
