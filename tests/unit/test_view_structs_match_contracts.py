"""Every struct the read side decodes events into mirrors contracts/events.py: each of its fields exists in
the contract event (or the contract model nested there) under the same name, with a type that reads
every value the contract writes, and the contract's default where both have one.

The mirrors are found, not listed: every module of the project's packages is imported and every
msgspec struct defined in them is checked, so a new mirror cannot escape. A struct that mirrors no
event must be named below, with what it mirrors.
"""

from __future__ import annotations

import importlib
import pkgutil
import types
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from uuid import UUID

import msgspec
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from contracts.events import EVENT_TYPES, Event
from eventlog.consume.event_decoding import ViewEvent

PACKAGES = ("services", "eventlog", "kczg", "contracts")
# Structs that mirror no single event, and the contract model they read instead.
OTHER_MIRRORS: dict[str, type[BaseModel]] = {"services.intake.projection._Envelope": Event}
# A mirror's schema_version defaults to 1 whatever the contract's current version: a field missing is a v1 event.
OWN_DEFAULTS = frozenset({"schema_version"})

# A mirror's scalar type, and the contract types whose JSON values it reads.
READS: dict[type, tuple[type, ...]] = {str: (str, UUID), datetime: (datetime,), date: (date,), bool: (bool,),
                                       int: (int,), float: (float, int), Decimal: (Decimal, int, float),
                                       UUID: (UUID,), type(None): (type(None),)}
SEQUENCES = (tuple, list, set, frozenset, Sequence)
MAPPINGS = (dict, Mapping)


@cache
def project_structs() -> tuple[type[msgspec.Struct], ...]:
    for package in PACKAGES:
        for info in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            if not info.name.endswith(".__main__"):  # runs a service
                importlib.import_module(info.name)
    return tuple(sorted({s for s in _subclasses(msgspec.Struct) if s.__module__.split(".")[0] in PACKAGES},
                        key=_name))


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _name(struct: type) -> str:
    return f"{struct.__module__}.{struct.__qualname__}"


def event_mirrors() -> list[type[ViewEvent]]:
    return [s for s in project_structs()
            if issubclass(s, ViewEvent) and s.__struct_config__.tag in EVENT_TYPES]


# --- the check -----------------------------------------------------------------------------------

def problems(struct: type[msgspec.Struct], model: type[BaseModel], where: str = "") -> list[str]:
    """What in `struct` does not mirror `model`; [] when every field does."""
    where = where or _name(struct)
    found = []
    for f in msgspec.structs.fields(struct):
        contract = model.model_fields.get(f.encode_name)
        if contract is None:
            found.append(f"{where}.{f.name}: {model.__name__} has no field {f.encode_name!r}")
            continue
        found += _reads(f.type, contract.annotation, f"{where}.{f.name}")
        mirror_default = f.default if f.default is not msgspec.NODEFAULT else (
            f.default_factory() if f.default_factory is not msgspec.NODEFAULT else PydanticUndefined)
        contract_default = contract.get_default(call_default_factory=True)
        if (f.name not in OWN_DEFAULTS and mirror_default is not PydanticUndefined
                and contract_default is not PydanticUndefined and mirror_default != contract_default):
            found.append(f"{where}.{f.name}: default {mirror_default!r}, the contract's is {contract_default!r}")
    return found


def _members(t: Any) -> list[Any]:
    t = _bare(t)
    if get_origin(t) in (Union, types.UnionType):
        return [m for a in get_args(t) for m in _members(a)]
    if get_origin(t) is Literal:
        return [type(v) for v in get_args(t)]
    return [t]


def _bare(t: Any) -> Any:
    while get_origin(t) is Annotated:
        t = get_args(t)[0]
    return t


def _reads(mirror: Any, contract: Any, where: str) -> list[str]:
    """Why a field of type `mirror` cannot read every value of `contract`; [] if it can."""
    found = []
    for wanted in _members(contract):
        tried = [_reads_one(m, wanted, where) for m in _members(mirror)]
        if all(tried):
            found.append(tried[0][0] if len(tried) == 1 else f"{where}: reads no {wanted!r} (contract {contract!r})")
    return found


def _reads_one(mirror: Any, contract: Any, where: str) -> list[str]:
    if mirror is Any:
        return []
    if isinstance(mirror, type) and issubclass(mirror, msgspec.Struct):
        if isinstance(contract, type) and issubclass(contract, BaseModel):
            return problems(mirror, contract, where)
        return [f"{where}: struct {mirror.__name__} for {contract!r}"]
    m_origin, c_origin = get_origin(mirror) or mirror, get_origin(contract) or contract
    if m_origin in SEQUENCES or m_origin in MAPPINGS:
        kinds = SEQUENCES if m_origin in SEQUENCES else MAPPINGS
        if not (isinstance(c_origin, type) and issubclass(c_origin, kinds)):
            return [f"{where}: {mirror!r} for {contract!r}"]
        m_args, c_args = _items(mirror), _items(contract)
        return [p for m, c in zip(m_args, c_args) for p in _reads(m, c, where)] if m_args and c_args else []
    if mirror in READS:
        return [] if contract in READS[mirror] else [f"{where}: {mirror.__name__} reads no {contract!r}"]
    return [] if mirror == contract else [f"{where}: {mirror!r} for {contract!r}"]


def _items(t: Any) -> tuple:
    """The element types of a sequence (one) or a mapping (key, value)."""
    args = tuple(a for a in get_args(t) if a is not Ellipsis)
    return args[:1] if (get_origin(t) or t) in SEQUENCES else args


def _nested(struct: type[msgspec.Struct]) -> Iterator[type[msgspec.Struct]]:
    for f in msgspec.structs.fields(struct):
        yield from _structs_in(f.type)


def _structs_in(t: Any) -> Iterator[type[msgspec.Struct]]:
    t = _bare(t)
    if isinstance(t, type) and issubclass(t, msgspec.Struct):
        yield t
        yield from _nested(t)
    for arg in get_args(t):
        yield from _structs_in(arg)


# --- the tests -----------------------------------------------------------------------------------

def test_every_event_mirror_reads_its_contract_event() -> None:
    mirrors = event_mirrors()
    assert {"services.review.views.review_events.ExpertScoreRecorded",
            "services.publish.views.ranking_events.ListPublished",
            "services.publish.views.release_events.ReviewPlanFiled"} <= {_name(s) for s in mirrors}
    assert [p for s in mirrors for p in problems(s, EVENT_TYPES[s.__struct_config__.tag])] == []


def test_every_other_mirror_reads_its_contract_model() -> None:
    structs = {_name(s): s for s in project_structs()}
    assert [p for name, model in OTHER_MIRRORS.items() for p in problems(structs[name], model)] == []


def test_no_struct_escapes_the_check() -> None:
    mirrors = event_mirrors()
    checked = set(mirrors) | {n for s in mirrors for n in _nested(s)}
    bases = {s for s in project_structs() if issubclass(s, ViewEvent) and s not in checked
             and any(m in checked for m in _subclasses(s))}  # shared field declarations, checked in each mirror
    unchecked = [_name(s) for s in project_structs()
                 if s not in checked and s not in bases and _name(s) not in OTHER_MIRRORS]
    assert unchecked == []


# Wrong mirrors, to show what the check finds (outside the project's packages, so never discovered).

class _Renamed(ViewEvent, kw_only=True, tag="FinalDecisionRecorded"):
    nomination_id: str
    chosen: bool = False  # the contract calls it `selected`: would decode as False, silently


class _Narrowed(ViewEvent, kw_only=True, tag="FinalDecisionRecorded"):
    domain: str            # the contract allows None: a list without domains would be poison
    revision: int = 2      # the contract's default is 1


class _Entry(msgspec.Struct):
    nomination: str


class _Nested(ViewEvent, kw_only=True, tag="ListPublished"):
    entries: tuple[_Entry, ...]


def test_the_check_finds_a_renamed_field_a_narrowed_type_and_a_stale_default() -> None:
    from contracts.events import FinalDecisionRecorded, ListPublished

    assert problems(_Renamed, FinalDecisionRecorded, "Renamed") == [
        "Renamed.chosen: FinalDecisionRecorded has no field 'chosen'"]
    assert problems(_Narrowed, FinalDecisionRecorded, "Narrowed") == [
        "Narrowed.domain: str reads no <class 'NoneType'>", "Narrowed.revision: default 2, the contract's is 1"]
    assert problems(_Nested, ListPublished, "Nested") == [
        "Nested.entries.nomination: PublishedEntry has no field 'nomination'"]
