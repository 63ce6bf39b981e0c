"""Matching requests (资源对接), pure: from a request on a listed entry to its outcome.

    requested --triage--> accepted --holder consents--> introduced --outcomes--> 洽谈中 / 签约 / 落地 / 未成
              \\-> declined (not_a_fit | too_early | incomplete)  \\-> holder_declined

An organisation (role requester) files a request on an entry that is listed and public now (never one revoked
or not listed): kind, need, region and a contact sealed with its own key. The secretariat triages it. The
holder (the entry's recommending unit) sees the requester's organisation and need, never its contact, and
consents (giving its own contact, sealed) or declines; on consent both are introduced (MatchIntroduced) and
each sees the other's contact. Outcomes are recorded after the introduction only, by either side or the
secretariat; the latest counts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from contracts.events import (Actor, Event, MatchConsented, MatchDeclined, MatchIntroduced, MatchOutcomeRecorded,
                              MatchRequested, MatchTriaged, entry_key)
from contracts.identity import Identity
from contracts.personal import Sealed, Sealer, match_contact_id

from .objections import clean

KINDS = {"tech_cooperation": "技术合作", "investment": "投资", "procurement": "采购", "landing": "落地",
         "talent": "人才"}
DECLINE_REASONS = {"not_a_fit": "需求与该项不匹配", "too_early": "时机尚早", "incomplete": "信息不完整"}
OUTCOMES = {"negotiating": "洽谈中", "signed": "签约", "landed": "落地", "failed": "未成"}
STATUSES = {"requested": "待秘书处审核", "declined": "未受理", "accepted": "待持有方同意", "holder_declined": "持有方未同意",
            "introduced": "已对接", **{f"outcome_{k}": v for k, v in OUTCOMES.items()}}
LIMITS = {"organisation": 120, "need": 2000, "region": 40, "contact": 100, "note": 2000}
FIELD_NAMES = {"organisation": "需求方单位", "need": "需求说明", "region": "所在地区", "contact": "联系方式",
               "kind": "对接类型", "note": "说明"}


@dataclass(frozen=True)
class ListedEntry:
    """An entry as its list's latest public version lists it (the write side's own releases table)."""

    campaign: str
    nomination_id: UUID
    list_code: str
    domain: str | None
    title: str
    unit_id: str
    holder_org: str | None
    unit_name: str | None = None
    region: str | None = None  # the holder's province-level region code (contracts/publication.py REGIONS)


@dataclass(frozen=True)
class Match:
    """One request's state, as its events leave it."""

    match_id: UUID
    campaign: str
    nomination_id: UUID
    holder_unit: str
    requester: str
    status: str = "requested"       # requested | declined | accepted | holder_declined | introduced
    outcome: str | None = None
    outcomes: int = 0               # outcomes recorded so far
    requester_contact: Sealed | None = None
    holder_contact: Sealed | None = None

    @property
    def introduced(self) -> bool:
        return self.status == "introduced"


@dataclass(frozen=True)
class RequestMatch:
    match_id: UUID
    nomination_id: UUID
    organisation: str
    kind: str
    need: str
    region: str
    contact: str
    package_id: UUID | None = None


@dataclass(frozen=True)
class TriageMatch:
    match_id: UUID
    accepted: bool
    reason: str | None = None
    note: str = ""


@dataclass(frozen=True)
class AnswerMatch:
    """The holder's answer: consent with its contact, or a decline."""

    match_id: UUID
    consent: bool
    contact: str = ""
    note: str = ""


@dataclass(frozen=True)
class RecordOutcome:
    match_id: UUID
    outcome: str
    note: str = ""


@dataclass(frozen=True)
class MatchContext:
    now: datetime
    who: Identity
    entry: ListedEntry | None = None    # a request: the entry as listed now (None: not listed, or revoked)
    sealer: Sealer | None = None        # holds the contact's key (a request, a consent)
    package_known: bool = True          # a request from a package: whether that package was sent


class InvalidMatch(DomainError):
    code = "invalid_match_request"

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("未提交：" + "；".join(f"{FIELD_NAMES.get(f, f)}{m}" for f, m in problems.items()) + "。",
                         errors=[{"field": f, "code": "invalid", "message": f"{FIELD_NAMES.get(f, f)}{m}"}
                                 for f, m in problems.items()])


def not_found() -> NotFound:
    return NotFound("未找到该对接需求。", code="match_not_found")


def _sized(problems: dict[str, str], field: str, value: str, required: bool = True) -> None:
    if required and not value:
        problems[field] = "不能为空"
    elif len(value) > LIMITS[field]:
        problems[field] = f"不能超过 {LIMITS[field]} 字（现为 {len(value)} 字）"


def decide(state: Match | None, command, context: MatchContext) -> list[Event]:
    match command:
        case RequestMatch():
            return _request(state, command, context)
        case TriageMatch():
            return _triage(_seen(state, context), command, context)
        case AnswerMatch():
            return _answer(_seen(state, context), command, context)
        case RecordOutcome():
            return _outcome(_seen(state, context), command, context)
    raise TypeError(f"not a matching command: {command!r}")


HIDDEN_FROM_HOLDER = ("requested", "declined")  # before the secretariat accepts it the holder is not asked


def may_see(requester: str, holder_unit: str, status: str, who: Identity) -> bool:
    """A requester its own requests, a holder (its recommending unit) those on its entries the secretariat
    accepted, the secretariat all."""
    return (who.role == "secretariat" or (who.role == "requester" and who.org == requester)
            or (who.role == "unit" and who.org == holder_unit and status not in HIDDEN_FROM_HOLDER))


def contact_sides(match: Match, who: Identity) -> tuple[str, ...]:
    """Whose contacts the caller may read: the secretariat both; each side the other's, only once introduced
    (a holder never sees the requester's contact before consenting)."""
    if who.role == "secretariat":
        return ("requester", "holder")
    if not match.introduced:
        raise Forbidden("持有方尚未同意对接，暂不能查看联系方式。", code="contact_before_consent")
    return ("holder",) if who.role == "requester" else ("requester",)


def _seen(state: Match | None, context: MatchContext) -> Match:
    if state is None or not may_see(state.requester, state.holder_unit, state.status, context.who):
        raise not_found()  # another's request answers as absent
    return state


def _request(state: Match | None, cmd: RequestMatch, context: MatchContext) -> list[Event]:
    entry = context.entry
    if entry is None:
        raise NotFound("该项不在已发布的榜单中（未上榜或已撤销），不能提出对接需求。", code="entry_not_listed")
    if state is not None:
        raise Conflict("该对接需求已提交。", code="match_exists")
    organisation, need = clean(cmd.organisation), clean(cmd.need, multiline=True)
    region, contact = clean(cmd.region), clean(cmd.contact)
    problems: dict[str, str] = {}
    if cmd.kind not in KINDS:
        problems["kind"] = "须为：" + "、".join(KINDS.values())
    for field, value in (("organisation", organisation), ("need", need), ("region", region), ("contact", contact)):
        _sized(problems, field, value)
    if problems:
        raise InvalidMatch(problems)
    if cmd.package_id is not None and not context.package_known:
        raise NotFound("未找到该推介包。", code="package_not_found")
    assert context.sealer is not None
    return [MatchRequested(
        match_id=cmd.match_id, nomination_id=entry.nomination_id, list_code=entry.list_code, domain=entry.domain,
        title=entry.title[:200], holder_unit=entry.unit_id, holder_org=entry.holder_org, requester=context.who.org,
        organisation=organisation, kind=cmd.kind, need=need, region=region,
        contact=context.sealer.seal(match_contact_id(cmd.match_id, "requester"), contact),
        package_id=cmd.package_id, **_envelope(entry.campaign, entry.nomination_id, context))]


def _triage(state: Match, cmd: TriageMatch, context: MatchContext) -> list[Event]:
    if context.who.role != "secretariat":
        raise Forbidden("仅秘书处可以审核对接需求。", code="role_not_allowed")
    if state.status != "requested":
        raise Conflict(f"该对接需求已审核（{STATUSES[state.status]}），不能重复审核。", code="match_already_triaged")
    if cmd.accepted == (cmd.reason is not None):
        raise DomainError("受理不附原因；退回须选择原因：" + "、".join(DECLINE_REASONS.values()) + "。",
                          code="decline_reason_required", field="reason")
    if cmd.reason is not None and cmd.reason not in DECLINE_REASONS:
        raise DomainError("退回原因须为：" + "、".join(DECLINE_REASONS.values()) + "。", code="decline_reason_required",
                          field="reason")
    note = _note(cmd.note)
    return [MatchTriaged(match_id=state.match_id, nomination_id=state.nomination_id, accepted=cmd.accepted,
                         reason=cmd.reason, note=note, **_envelope(state.campaign, state.nomination_id, context))]


def _answer(state: Match, cmd: AnswerMatch, context: MatchContext) -> list[Event]:
    if not (context.who.role == "unit" and context.who.org == state.holder_unit):
        raise Forbidden("仅该项的持有方（推荐单位）可以同意或谢绝对接。", code="not_the_holder")
    if state.status != "accepted":
        raise Conflict(f"该对接需求当前为“{STATUSES[state.status]}”，不能再同意或谢绝。", code="match_not_awaiting_consent")
    note = _note(cmd.note)
    envelope = _envelope(state.campaign, state.nomination_id, context)
    if not cmd.consent:
        return [MatchDeclined(match_id=state.match_id, nomination_id=state.nomination_id, note=note, **envelope)]
    contact, problems = clean(cmd.contact), {}
    _sized(problems, "contact", contact)
    if problems:
        raise InvalidMatch(problems)
    assert context.sealer is not None
    consented = MatchConsented(match_id=state.match_id, nomination_id=state.nomination_id, note=note,
                               contact=context.sealer.seal(match_contact_id(state.match_id, "holder"), contact),
                               **envelope)
    return [consented, MatchIntroduced(match_id=state.match_id, nomination_id=state.nomination_id, **envelope)]


def _outcome(state: Match, cmd: RecordOutcome, context: MatchContext) -> list[Event]:
    if not state.introduced:
        raise Conflict("双方尚未对接，不能记录对接结果。", code="not_introduced")
    if cmd.outcome not in OUTCOMES:
        raise DomainError("对接结果须为：" + "、".join(OUTCOMES.values()) + "。", code="invalid_outcome", field="outcome")
    return [MatchOutcomeRecorded(match_id=state.match_id, nomination_id=state.nomination_id, outcome=cmd.outcome,
                                 note=_note(cmd.note), revision=state.outcomes + 1, **_envelope(state.campaign, state.nomination_id, context))]


def _note(text: str) -> str:
    note, problems = clean(text, multiline=True), {}
    _sized(problems, "note", note, required=False)
    if problems:
        raise InvalidMatch(problems)
    return note


def _envelope(campaign: str, nomination_id: UUID, context: MatchContext) -> dict:
    actor: Actor = context.who.actor()
    return dict(occurred_at=context.now, campaign=campaign, key=entry_key(campaign, nomination_id), actor=actor)


def evolve(state: Match | None, events) -> Match | None:
    for e in events:
        match e:
            case MatchRequested():
                state = Match(e.match_id, e.campaign, e.nomination_id, e.holder_unit, e.requester,
                              requester_contact=e.contact)
            case MatchTriaged():
                state = replace(state, status="accepted" if e.accepted else "declined")
            case MatchConsented():
                state = replace(state, holder_contact=e.contact)
            case MatchDeclined():
                state = replace(state, status="holder_declined")
            case MatchIntroduced():
                state = replace(state, status="introduced")
            case MatchOutcomeRecorded():
                state = replace(state, outcome=e.outcome, outcomes=e.revision)
    return state
