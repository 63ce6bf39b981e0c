"""Reading a nomination's audit (views/audit.py): every event about it in the log's order, each with who
(role, organisation, person), when, why and what it did. The API route and `kczg audit` print this."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import orjson

from contracts.identity import ROLE_NAMES

from .audit import AUDIT

S = AUDIT.schema
# What each event is, in Chinese, for the people reading the audit; `type` stays the machine code.
EVENT_NAMES = {
    "NominationSubmitted": "推荐提交", "NominationAmended": "推荐修改", "NominationWithdrawn": "撤回推荐",
    "WithdrawalRequested": "申请撤回", "WithdrawalRefused": "不同意撤回",
    "NominationScreened": "形式审查结论", "NominationReturned": "退回补正", "NominationResubmitted": "补正后重新提交",
    "QuotaReserved": "占用推荐名额", "QuotaRejected": "名额不足被拒", "QuotaReleased": "释放推荐名额",
    "ExpertAssigned": "分配评审专家", "ExpertUnassigned": "专家退出评审", "ConflictDeclared": "回避",
    "SeatShortfallRecorded": "评审专家不足", "ExpertScoreRecorded": "专家评分", "PrelimScored": "初评汇总",
    "ReReviewOpened": "启动复评", "ReReviewClosed": "结束复评", "PrelimResultsSubmitted": "报送初评结果",
    "FinalDecisionRecorded": "终评决定", "PublicNoticeOpened": "进入公示", "ObjectionFiled": "收到异议",
    "ObjectionResolved": "异议处理", "ListPublished": "榜单发布", "EntriesCorrected": "榜单条目更正",
}
ROLE_LABELS = {**ROLE_NAMES, "system": "系统"}


# By instant and place on the log; an event caused by another of the nomination's (a quota decision by its
# submission or amendment, at the same instant but on another topic) right after its cause.
_IN_ORDER = f"""
    SELECT e.event_id, e.event_type, e.occurred_at, e.actor_role, e.actor_org, e.actor_person, e.reasons,
           e.facts::text AS facts
    FROM {S}.events e LEFT JOIN {S}.events cause
      ON cause.nomination_id = e.nomination_id AND cause.event_id = e.caused_by
    WHERE e.nomination_id = $1
    ORDER BY coalesce(cause.occurred_at, e.occurred_at), coalesce(cause.log_place, e.log_place),
             cause.event_id IS NOT NULL, e.occurred_at, e.log_place, e.event_id"""


async def nomination_audit(conn: asyncpg.Connection, nomination_id: UUID) -> list[dict] | None:
    """The nomination's events, first to last; None when the log holds none about it."""
    rows = await conn.fetch(_IN_ORDER, nomination_id)
    if not rows:
        return None
    return [{"event_id": str(r["event_id"]), "type": r["event_type"], "name": EVENT_NAMES[r["event_type"]],
             "occurred_at": r["occurred_at"],
             "actor": {"role": r["actor_role"], "role_name": ROLE_LABELS.get(r["actor_role"], r["actor_role"]),
                       "organisation": r["actor_org"], "person": r["actor_person"]},
             "reasons": list(r["reasons"]), "facts": orjson.loads(r["facts"])} for r in rows]
