"""Named objections (实名异议) to a notice, and the secretariat's resolution of each, pure.

While a notice is open anyone may object, by name (姓名), organisation (单位) and contact (联系方式,
never shown; name and contact sealed with the objector's own key, so they can be erased), to a nomination on that notice, with grounds (理由). Every field is checked against
OBJECTION_LIMITS (the page's form uses the same numbers) and a client address may file at most
RATE_LIMIT objections per window (the count arrives in the context). The secretariat then resolves
each objection once: upheld (the nomination leaves the list at release) or dismissed, with a note.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events import Actor, Event, ObjectionFiled, ObjectionResolved, list_key
from contracts.personal import Sealer, objector_id

from .model import ListState

# Characters per field (keys as the page's form names them: org is the organisation); the event allows
# 200 for each name and 4000 for the grounds.
OBJECTION_LIMITS: dict[str, int] = {"name": 50, "org": 120, "contact": 100, "grounds": 4000}
FIELD_NAMES = {"name": "姓名", "organisation": "单位", "contact": "联系方式", "grounds": "理由", "nomination_id": "异议对象"}
NOTE_LIMIT = 2000


@dataclass(frozen=True)
class RateLimit:
    objections: int
    window: timedelta


RATE_LIMIT = RateLimit(5, timedelta(minutes=10))


@dataclass(frozen=True)
class FileObjection:
    objection_id: UUID
    notice_id: UUID
    nomination_id: UUID | None   # None: the form's "请选择" was left as it was
    name: str
    organisation: str
    contact: str
    grounds: str


@dataclass(frozen=True)
class ResolveObjection:
    objection_id: UUID
    upheld: bool
    note: str


@dataclass(frozen=True)
class ObjectionContext:
    now: datetime
    actor: Actor
    campaign: str
    recent_from_client: int = 0        # objections this client address filed within RATE_LIMIT.window
    rate_limit: RateLimit = RATE_LIMIT
    sealer: Sealer | None = None       # holds the objector's key (a filing only)


class InvalidObjection(DomainError):
    code = "invalid_objection"

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("异议未提交：" + "；".join(f"{FIELD_NAMES.get(f, f)}{m}" for f, m in problems.items()) + "。",
                         errors=[{"field": f, "code": "invalid", "message": f"{FIELD_NAMES.get(f, f)}{m}"}
                                 for f, m in problems.items()])
        self.problems = problems


def clean(text: str | None, multiline: bool = False) -> str:
    """NFC, trimmed, control characters removed (line breaks kept only in multi-line text)."""
    text = unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n"))
    if not multiline:
        text = " ".join(text.split())
    return "".join(ch for ch in text.strip()
                   if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))


def cleaned(cmd: FileObjection) -> FileObjection:
    return replace(cmd, name=clean(cmd.name), organisation=clean(cmd.organisation), contact=clean(cmd.contact),
                   grounds=clean(cmd.grounds, multiline=True))


def field_problems(cmd: FileObjection) -> dict[str, str]:
    problems: dict[str, str] = {}
    for field, limit, value in (("name", "name", cmd.name), ("organisation", "org", cmd.organisation),
                                ("contact", "contact", cmd.contact), ("grounds", "grounds", cmd.grounds)):
        if not value:
            problems[field] = "不能为空"
        elif len(value) > OBJECTION_LIMITS[limit]:
            problems[field] = f"不能超过 {OBJECTION_LIMITS[limit]} 字（现为 {len(value)} 字）"
    if cmd.nomination_id is None:
        problems["nomination_id"] = "须选择公示名单中的一项"
    return problems


def decide(state: ListState | None, command: FileObjection | ResolveObjection, context: ObjectionContext) -> list[Event]:
    match command:
        case FileObjection():
            return _file(state, command, context)
        case ResolveObjection():
            return _resolve(state, command, context)
    raise TypeError(f"not an objection command: {command!r}")


def _file(state: ListState | None, cmd: FileObjection, context: ObjectionContext) -> list[Event]:
    cmd = cleaned(cmd)
    notice = state.notice(cmd.notice_id) if state else None
    if state is None or notice is None:
        raise NotFound("未找到该公示。", code="notice_not_found")
    if context.now < notice.opens_at:
        raise Conflict("该公示尚未开始，暂不受理异议。", code="notice_not_open")
    if context.now >= notice.closes_at or state.published:
        raise Conflict("该公示已结束，不再受理异议。", code="notice_closed")
    problems = field_problems(cmd)
    if cmd.nomination_id is not None and cmd.nomination_id not in notice.nominations:
        problems["nomination_id"] = "不在本次公示名单中"
    if problems:
        raise InvalidObjection(problems)
    limit = context.rate_limit
    if context.recent_from_client >= limit.objections:
        minutes = int(limit.window.total_seconds() // 60)
        raise DomainError(f"提交过于频繁：同一来源每 {minutes} 分钟最多提交 {limit.objections} 条异议，请稍后再试。",
                          code="too_many_objections", http_status=429)
    assert cmd.nomination_id is not None and context.sealer is not None
    pid = objector_id(cmd.objection_id)
    return [ObjectionFiled(objection_id=cmd.objection_id, notice_id=notice.notice_id, nomination_id=cmd.nomination_id,
                           name=context.sealer.seal(pid, cmd.name), organisation=cmd.organisation,
                           contact=context.sealer.seal(pid, cmd.contact), grounds=cmd.grounds,
                           **_envelope(state, context))]


def _resolve(state: ListState | None, cmd: ResolveObjection, context: ObjectionContext) -> list[Event]:
    objection = state.objection(cmd.objection_id) if state else None
    if state is None or objection is None:
        raise NotFound("未找到该异议。", code="objection_not_found")
    if state.published:
        raise Conflict("该榜单已正式发布，异议不能再处理；如需更正，请发布更正版本。", code="list_already_published")
    if objection.resolved:
        raise Conflict("该异议已处理（" + ("成立" if objection.upheld else "不成立") + "），不能重复处理。",
                       code="objection_already_resolved")
    note = clean(cmd.note, multiline=True)
    if not note or len(note) > NOTE_LIMIT:
        raise DomainError(f"处理意见不能为空，且不超过 {NOTE_LIMIT} 字。", code="note_required", field="note")
    return [ObjectionResolved(objection_id=objection.objection_id, nomination_id=objection.nomination_id,
                              upheld=cmd.upheld, note=note, notice_id=objection.notice_id,
                              **_envelope(state, context))]


def _envelope(state: ListState, context: ObjectionContext) -> dict:
    return dict(occurred_at=context.now, campaign=state.campaign, key=list_key(state.campaign, state.list_code),
                actor=context.actor)
