"""Schema evolution, checked like a schema registry in BACKWARD mode.

The committed schemas under contracts/schemas/ must be current and compatible; the checker must
catch each kind of break on a real event; a version bump that breaks needs an upcaster, and with
one an old payload still decodes.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Annotated, Any, Literal, Union
from uuid import UUID

import pytest
from pydantic import BaseModel, Field, TypeAdapter, create_model

from contracts import events
from contracts.events import Event, NominationSubmitted, NominationWithdrawn, QuotaReleased, Text, decode_event
from contracts.schema_registry import SchemaBreak, Subject, check_backward, export_schemas, registry_problems
from contracts.upcasting import UPCASTERS, upcaster


def variant(cls: type[Event], drop: tuple[str, ...] = (), **changed: Any) -> type[BaseModel]:
    """`cls` rebuilt under the same name with fields dropped or (annotation, FieldInfo) replaced."""
    fields: dict[str, Any] = {n: (f.annotation, f) for n, f in cls.model_fields.items() if n not in drop}
    fields.update(changed)
    return create_model(cls.__name__, __base__=Event, **fields)


def problems(old: type[BaseModel], new: type[BaseModel]) -> list[str]:
    return check_backward(old.model_json_schema(), new.model_json_schema())


def test_committed_schemas_are_current_and_backward_compatible() -> None:
    # CI fails here on a forgotten `kczg contracts export-schemas` or an incompatible change.
    assert registry_problems() == []


NS, QR = NominationSubmitted, QuotaReleased


@pytest.mark.parametrize("old, new, expected", [
    (NS, variant(NS, drop=("opinion",)), "opinion: field removed"),
    (NS, variant(NS, revision=(str, Field(default="1"))), "revision: type changed from integer to string"),
    (NS, variant(NS, priority=(int, ...)), "priority: new required field without default"),
    (NS, variant(NS, opinion=(Text, ...)), "opinion: was optional, now required"),
    (NS, variant(NS, title=(str, Field(min_length=1, max_length=100))), "title: maxLength tightened from 200 to 100"),
    (NS, variant(NS, title=(str, Field(min_length=5, max_length=200))), "title: minLength tightened from 1 to 5"),
    (NS, variant(NS, domain=(str, Field(min_length=1, max_length=64))), "domain: type changed from null to string"),
    (NS, variant(NS, title=(UUID, ...)), "title: format added: 'uuid'"),
    (NS, variant(NS, unit_id=(str, Field(pattern=r"^[a-z]+$"))), "unit_id: pattern changed"),
    (QR, variant(QR, reason=(Literal["withdrawn", "screened_out"], ...)),
     "reason: enum/literal narrowed, no longer accepts ['moved']"),
    (QR, variant(QR, slot=(int, Field(ge=2))), "slot: minimum tightened from 1 to 2"),
], ids=["removed", "type", "new-required", "now-required", "maxLength", "minLength", "not-nullable", "format",
        "pattern", "literal", "minimum"])
def test_checker_reports_each_breaking_change(old: type[Event], new: type[BaseModel], expected: str) -> None:
    found = problems(old, new)
    assert any(p.startswith(expected) for p in found), found


@pytest.mark.parametrize("old, new", [
    (NS, NS),
    (NS, variant(NS, priority=(int, Field(default=0)))),
    (NS, variant(NS, title=(str, Field(min_length=1, max_length=400)))),
    (NS, variant(NS, revision=(float, Field(default=1, ge=1)))),
    (NS, variant(NS, application_id=(str | None, None))),
    (QR, variant(QR, reason=(Literal["withdrawn", "moved", "screened_out", "expired"], ...))),
], ids=["identical", "optional-added", "maxLength-widened", "int-to-number", "format-dropped", "literal-widened"])
def test_checker_accepts_compatible_changes(old: type[Event], new: type[BaseModel]) -> None:
    assert problems(old, new) == []


def test_a_nested_break_is_reported_with_its_path() -> None:
    # The entry as ListPublished v1 first carried it (it has gained optional fields since)...
    first = create_model("PublishedEntry", __base__=events._Frozen, nomination_id=(UUID, ...), title=(str, ...),
                         unit_id=(events.OrgId, ...), domain=(events.Code | None, None))
    old = variant(events.ListPublished, entries=(tuple[first, ...], ...))
    # ...and a variant that dropped two of its fields.
    entry = create_model("PublishedEntry", __base__=events._Frozen, nomination_id=(UUID, ...), title=(str, ...))
    new = variant(events.ListPublished, entries=(tuple[entry, ...], ...))
    assert problems(old, new) == ["entries[].unit_id: field removed",
                                                   "entries[].domain: field removed"]


def test_export_refuses_to_rewrite_a_committed_version_incompatibly(tmp_path) -> None:
    # v1 as committed...
    (tmp_path / "NominationSubmitted.v1.json").write_text(json.dumps(NominationSubmitted.model_json_schema()))
    before = (tmp_path / "NominationSubmitted.v1.json").read_text()
    # ...re-exported after a field was removed without a version bump: refused, nothing written.
    with pytest.raises(SchemaBreak, match="opinion: field removed"):
        export_schemas(tmp_path, only=[Subject("NominationSubmitted", 1, variant(NominationSubmitted,
                                                                                  drop=("opinion",)))])
    assert (tmp_path / "NominationSubmitted.v1.json").read_text() == before


# --- a version bump with its upcaster (test-only v2 of NominationWithdrawn) -------------------------

class NominationWithdrawnV2(Event):
    """v2: the free-text reason becomes a machine code plus an optional note."""

    type: Literal["NominationWithdrawn"] = "NominationWithdrawn"
    schema_version: int = 2
    nomination_id: UUID
    unit_id: events.OrgId
    reason_code: Literal["unit_request", "duplicate", "other"]
    note: Text = ""


def withdrawn_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    v2 = {k: v for k, v in data.items() if k != "reason"}
    return {**v2, "reason_code": "other", "note": data.get("reason", "")}


@pytest.fixture
def v2_registered(monkeypatch):
    """The v2 class decodes NominationWithdrawn and the v1->v2 upcaster is registered, for this test only."""
    saved = dict(UPCASTERS)
    upcaster("NominationWithdrawn", 1)(withdrawn_v1_to_v2)
    types = {**events.EVENT_TYPES, "NominationWithdrawn": NominationWithdrawnV2}
    monkeypatch.setattr(events, "EVENT_TYPES", types)
    union = Annotated[Union[tuple(types.values())], Field(discriminator="type")]  # noqa: UP007
    monkeypatch.setattr(events, "EVENT_ADAPTER", TypeAdapter(union))
    yield
    UPCASTERS.clear()
    UPCASTERS.update(saved)


def test_a_breaking_version_bump_needs_an_upcaster(tmp_path) -> None:
    # v1 is committed; the model is now v2, which the checker finds breaking for v1 readers.
    export_schemas(tmp_path, only=[Subject("NominationWithdrawn", 1, NominationWithdrawn)])
    v2 = [Subject("NominationWithdrawn", 2, NominationWithdrawnV2)]
    export_schemas(tmp_path, only=v2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["NominationWithdrawn.v1.json", "NominationWithdrawn.v2.json"]
    # Without an upcaster the registry refuses the bump; with one it accepts it.
    found = registry_problems(tmp_path, only=v2, upcasters={})
    assert "NominationWithdrawn v1->v2 without an upcaster: reason: field removed" in found
    assert registry_problems(tmp_path, only=v2, upcasters={("NominationWithdrawn", 1): withdrawn_v1_to_v2}) == []


def test_an_old_v1_payload_still_decodes_after_the_bump(v2_registered) -> None:
    # A v1 event as it sits on the log since 2022...
    raw = json.dumps({
        "event_id": "00000000-0000-0000-0000-000000000001", "type": "NominationWithdrawn", "schema_version": 1,
        "occurred_at": "2022-10-20T09:00:00+08:00", "campaign": "kczg-2022", "key": "kczg-2022:unit-1",
        "actor": {"role": "unit", "id": "unit-1"}, "causation_id": None, "correlation_id": None,
        "nomination_id": "00000000-0000-0000-0000-0000000000aa", "unit_id": "unit-1", "reason": "推荐单位撤回",
    })
    # ...is upcast and decoded as the current v2 class.
    event = decode_event(raw)
    assert isinstance(event, NominationWithdrawnV2)
    assert (event.schema_version, event.reason_code, event.note) == (2, "other", "推荐单位撤回")
    assert event.occurred_at == datetime(2022, 10, 20, 1, 0, tzinfo=timezone.utc)
    # A v2 payload passes through untouched.
    assert decode_event(events.encode_event(event)) == event


def test_the_demonstration_left_no_upcaster_behind() -> None:
    assert ("NominationWithdrawn", 1) not in UPCASTERS
    assert events.EVENT_TYPES["NominationWithdrawn"] is NominationWithdrawn
