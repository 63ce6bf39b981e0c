"""People on the log: every event's actor names the person (the token's `sub`) beside the organisation.

The person is an optional field of the actor, added the contracts' way (contracts/events.py): events
written before it existed decode with no person, and the committed schemas stay readable by the old ones.
"""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts.events import Actor, NominationSubmitted, decode_event, encode_event
from contracts.identity import Identity
from contracts.schema_compat import check_backward
from eventlog.http.front_door import ServiceState, parse_write
from eventlog.clock import FixedClock
from tests.support.intake import Keys

NOW = datetime(2022, 10, 15, 9, 0, tzinfo=UTC)
BEFORE_PERSONS = {  # a submission as it sits on the log from before actors named people
    "event_id": "00000000-0000-0000-0000-000000000001", "type": "NominationSubmitted", "schema_version": 1,
    "occurred_at": "2022-10-20T09:00:00+08:00", "campaign": "kczg-2022", "key": "kczg-2022:unit-a",
    "actor": {"role": "unit", "id": "unit-a"}, "causation_id": None, "correlation_id": None,
    "nomination_id": "00000000-0000-0000-0000-0000000000aa", "unit_id": "unit-a", "list_code": "leading_tech",
    "domain": "advanced_materials", "title": "高性能碳纤维"}


def test_an_event_from_before_persons_decodes_with_no_person() -> None:
    event = decode_event(json.dumps(BEFORE_PERSONS))
    assert event.actor == Actor(role="unit", id="unit-a", person=None)


def test_the_caller_acts_as_its_organisation_and_its_person() -> None:
    who = Identity(sub="u-7f3a", role="unit", org="unit-a")
    assert who.actor() == Actor(role="unit", id="unit-a", person="u-7f3a")
    # ...and the person survives the wire.
    event = NominationSubmitted.model_validate({**BEFORE_PERSONS, "actor": who.actor().model_dump()})
    assert decode_event(encode_event(event)).actor.person == "u-7f3a"


def test_the_front_door_carries_the_tokens_subject_into_the_actor(tmp_path) -> None:
    keys = Keys(tmp_path)
    state = ServiceState("t", FixedClock(NOW), keys.verifier())
    headers = keys.headers("secretariat", "kczg_secretariat", sub="sec-officer-2")
    req = parse_write(state, {k.lower(): v for k, v in headers.items()}, "POST", "/v1/x", b"{}", ("secretariat",))
    assert req.who.actor() == Actor(role="secretariat", id="kczg_secretariat", person="sec-officer-2")


def test_the_actor_with_a_person_reads_every_actor_written_without_one() -> None:
    without = {"type": "object", "additionalProperties": False, "required": ["role", "id"],
               "properties": {"role": {"type": "string", "enum": ["unit", "system"]},
                              "id": {"type": "string", "minLength": 1, "maxLength": 128}}}
    with_person = Actor.model_json_schema()
    assert check_backward(without, with_person) == []
    assert "person" not in with_person.get("required", [])


def test_a_person_is_an_account_id_not_empty() -> None:
    with pytest.raises(ValidationError):
        Actor(role="unit", id="unit-a", person="")
    with pytest.raises(ValidationError):
        Actor(role="unit", id="unit-a", person="x" * 129)


def test_services_make_an_actor_of_their_own_only_for_a_system_component() -> None:
    # Every other actor is the caller's (Identity.actor(), with the person): a service that built one from a
    # role and an organisation would leave the person off its events.
    services = Path(__file__).resolve().parents[2] / "services"
    made = {}
    for path in sorted(services.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Actor":
                role = next((k.value.value for k in node.keywords if k.arg == "role"), None)
                made[f"{path.relative_to(services)}:{node.lineno}"] = role
    assert sorted(made.values()) == ["system", "system"], made  # the quota decider, the public's objection form
