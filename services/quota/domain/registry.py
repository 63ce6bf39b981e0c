"""The unit registry, pure: which recommending units take part in a campaign, through which channels.

decide(state, command, context) -> events, as every aggregate in the house: one unit's registration
or channel change, or a whole sheet (all or nothing: every bad row is reported with its line, field
and reason and, if there is one, nothing is registered). The state is the registry's own record of
the units the command names, written in the command's transaction, so a unit registered a moment
ago is known at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from contracts.campaign import Campaign
from contracts.errors import Conflict, DomainError, NotFound
from contracts.events import Actor, Event, UnitChannelsChanged, UnitRegistered, unit_key

UNIT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
CHANNEL_SEPARATORS = re.compile(r"[;；,，|\n]+")  # not 、: it appears inside channel names
HEADERS = {"unit_id": ("unit_id", "单位编码"), "name": ("name", "单位名称"), "channels": ("channels", "推荐渠道")}


@dataclass(frozen=True)
class Registration:
    unit_id: str
    name: str
    channels: tuple[str, ...]


RegisteredUnit = Registration  # the registry's state of one unit is its last registration, channels current


@dataclass(frozen=True)
class RowProblem:
    line: int
    field: str
    reason: str


class ImportRefused(DomainError):
    code = "import_refused"

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"导入文件有 {len(problems)} 处错误，未导入任何单位。",
                         errors=[{"line": p.line, "field": p.field, "message": p.reason} for p in problems])
        self.problems = problems


@dataclass(frozen=True)
class RegisterUnit:
    unit_id: str
    name: str
    channels: tuple[str, ...]
    contact_email: str | None = None  # travels on UnitRegistered to the notifier; not part of the registry's record


@dataclass(frozen=True)
class ChangeChannels:
    unit_id: str
    channels: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class ImportUnits:
    rows: tuple[tuple[str, ...], ...]  # the sheet: a header row, then one row per unit


@dataclass(frozen=True)
class RegistryContext:
    campaign: Campaign
    now: datetime
    actor: Actor


RegistryCommand = RegisterUnit | ChangeChannels | ImportUnits
RegistryState = Mapping[str, RegisteredUnit]  # unit id -> registration, for the units the command names


def decide(state: RegistryState, command: RegistryCommand, context: RegistryContext) -> list[Event]:
    match command:
        case RegisterUnit():
            reg = check_registration(context.campaign, command.unit_id, command.name, command.channels)
            return _register(state, reg, context, contact_email=command.contact_email)
        case ChangeChannels():
            known = state.get(command.unit_id)
            if known is None:
                raise NotFound(f"推荐单位未登记：{command.unit_id}", code="unknown_unit")
            reg = check_registration(context.campaign, command.unit_id, known.name, command.channels)
            if reg.channels == known.channels:
                return []
            return [UnitChannelsChanged(unit_id=reg.unit_id, channels=reg.channels, reason=command.reason,
                                        **_envelope(context, reg.unit_id))]
        case ImportUnits():
            return [e for reg in registrations_from_rows(context.campaign, command.rows)
                    for e in _register(state, reg, context, importing=True)]
    raise TypeError(f"not a registry command: {command!r}")


def _register(state: RegistryState, reg: Registration, context: RegistryContext,
              importing: bool = False, contact_email: str | None = None) -> list[Event]:
    known = state.get(reg.unit_id)
    if known == reg:
        return []  # registered exactly so already: a repeated registration changes nothing
    if known is not None:
        what = f"推荐单位“{reg.unit_id}”已登记（{known.name}），" + ("导入内容与已登记的不同。" if importing else
                                                                "变更推荐渠道请使用渠道变更。")
        raise Conflict(what, code="unit_already_registered", field="unit_id")
    return [UnitRegistered(unit_id=reg.unit_id, name=reg.name, channels=reg.channels, contact_email=contact_email,
                           **_envelope(context, reg.unit_id))]


def _envelope(context: RegistryContext, unit_id: str) -> dict:
    code = context.campaign.code
    return dict(occurred_at=context.now, campaign=code, key=unit_key(code, unit_id), actor=context.actor)


def evolve(state: dict[str, RegisteredUnit], event: Event) -> dict[str, RegisteredUnit]:
    match event:
        case UnitRegistered():
            return {**state, event.unit_id: Registration(event.unit_id, event.name, event.channels)}
        case UnitChannelsChanged() if event.unit_id in state:
            known = state[event.unit_id]
            return {**state, event.unit_id: Registration(known.unit_id, known.name, event.channels)}
    return state


def check_registration(campaign: Campaign, unit_id: str, name: str, channels: Sequence[str]) -> Registration:
    """A registration's fields, normalised; raises DomainError naming the field."""
    if not UNIT_ID.match(unit_id or ""):
        raise DomainError("单位编码须为 1–64 位字母、数字或 _.:- 。", code="invalid_unit_id", field="unit_id")
    if not (name or "").strip() or len(name.strip()) > 200:
        raise DomainError("单位名称不能为空，且不超过 200 字。", code="invalid_unit_name", field="name")
    resolved = tuple(dict.fromkeys(_channel_code(campaign, c) for c in channels if c.strip()))
    if not resolved:
        raise DomainError("至少须填写一个推荐渠道。", code="channels_required", field="channels")
    return Registration(unit_id, name.strip(), resolved)


def _channel_code(campaign: Campaign, value: str) -> str:
    value = value.strip()
    for channel in campaign.channels:  # accept the code or the Chinese name
        if value in (channel.code, channel.name):
            return channel.code
    known = "、".join(c.name for c in campaign.channels)
    raise DomainError(f"未知推荐渠道“{value}”；可选：{known}。", code="unknown_channel", field="channels")


def registrations_from_rows(campaign: Campaign, rows: Sequence[Sequence[str]]) -> list[Registration]:
    """Every row of a sheet checked (header first); raises ImportRefused listing every bad row."""
    if not rows:
        raise ImportRefused([RowProblem(1, "<file>", "文件为空或缺少表头。")])
    columns = _columns(rows[0])
    registrations, seen, problems = [], {}, []
    for line, row in enumerate(rows[1:], start=2):
        if not any((cell or "").strip() for cell in row):
            continue
        cell = lambda name: (row[columns[name]] if columns[name] < len(row) else "") or ""  # noqa: E731
        try:
            registration = check_registration(campaign, cell("unit_id").strip(), cell("name"),
                                              CHANNEL_SEPARATORS.split(cell("channels")))
        except DomainError as exc:
            problems.append(RowProblem(line, exc.field or "", exc.message))
            continue
        if registration.unit_id in seen:
            problems.append(RowProblem(line, "unit_id", f"单位编码与第 {seen[registration.unit_id]} 行重复。"))
            continue
        seen[registration.unit_id] = line
        registrations.append(registration)
    if problems:
        raise ImportRefused(problems)
    return registrations


def unit_ids_in(rows: Sequence[Sequence[str]]) -> list[str]:
    """The unit ids a sheet names (the aggregates an import locks); empty when its header is unusable."""
    try:
        column = _columns(rows[0])["unit_id"] if rows else None
    except ImportRefused:
        return []
    return sorted({row[column].strip() for row in rows[1:] if column is not None and column < len(row)
                   and UNIT_ID.match(row[column].strip())})


def _columns(header: Sequence[str]) -> dict[str, int]:
    names = [(h or "").strip().lower() for h in header]
    columns = {field: names.index(a) for field, aliases in HEADERS.items() for a in aliases if a in names}
    missing = [RowProblem(1, field, f"缺少列“{aliases[1]}”（{aliases[0]}）。")
               for field, aliases in HEADERS.items() if field not in columns]
    if missing:
        raise ImportRefused(missing)
    return columns
