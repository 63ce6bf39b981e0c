"""Idempotency-Key: a retry returns the first answer and emits no second event, even concurrently."""

from __future__ import annotations

import asyncio
from datetime import datetime

from contracts.events import NominationSubmitted
from contracts.topics import NOMINATIONS
from tests.support.intake import events_of, nomination_body
from tests.support.kafka import read_topic


async def test_a_retry_gets_the_same_answer_and_no_second_event(intake):
    headers = {**intake.keys.headers("unit", "unit-a"), "Idempotency-Key": "retry-0001"}
    first = await intake.post("/v1/nominations", json=nomination_body(), headers=headers)
    again = await intake.post("/v1/nominations", json=nomination_body(), headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert again.headers.get("idempotent-replayed") == "true"
    # The same key with a different request is refused, not replayed.
    other = await intake.post("/v1/nominations", json=nomination_body(maturity_stage="pilot"), headers=headers)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    # Keys belong to the caller's organisation: unit-b's "retry-0001" is its own request.
    theirs = await intake.post("/v1/nominations", json=nomination_body(),
                               headers={**intake.keys.headers("unit", "unit-b"), "Idempotency-Key": "retry-0001"})
    assert theirs.status_code == 202 and theirs.json()["nomination_id"] != first.json()["nomination_id"]
    submitted = events_of(await read_topic(NOMINATIONS.name), NominationSubmitted)
    assert sorted(e.unit_id for e in submitted) == ["unit-a", "unit-b"]


async def test_concurrent_requests_with_one_key_make_one_nomination(intake):
    headers = {**intake.keys.headers("unit", "unit-a"), "Idempotency-Key": "concurrent-01"}
    replies = await asyncio.gather(*(intake.post("/v1/nominations", json=nomination_body(), headers=headers)
                                     for _ in range(12)))
    ok = [r for r in replies if r.status_code == 202]
    assert ok and all(r.status_code in (202, 409) for r in replies)
    assert {r.json()["nomination_id"] for r in ok} == {ok[0].json()["nomination_id"]}
    submitted = events_of(await read_topic(NOMINATIONS.name), NominationSubmitted)
    assert len(submitted) == 1


async def test_a_refusal_is_remembered_too(intake):
    headers = {**intake.keys.headers("unit", "unit-a"), "Idempotency-Key": "late-00001"}
    intake.clock.at = datetime.fromisoformat("2022-11-02T09:00:00+08:00")
    first = await intake.post("/v1/nominations", json=nomination_body(), headers=headers)
    assert first.status_code == 422 and first.json()["code"] == "submission_closed"
    # Even if the clock were back inside the window, the retry answers as the first attempt did.
    intake.clock.at = datetime.fromisoformat("2022-10-20T09:00:00+08:00")
    again = await intake.post("/v1/nominations", json=nomination_body(), headers=headers)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["content-type"].startswith("application/problem+json")
    assert events_of(await read_topic(NOMINATIONS.name), NominationSubmitted) == []


async def test_idempotent_amendment_and_application_steps(intake):
    unit_a = intake.keys.headers("unit", "unit-a")
    nid = (await intake.post("/v1/nominations", json=nomination_body(), headers=unit_a)).json()["nomination_id"]
    headers = {**unit_a, "Idempotency-Key": "amend-000001"}
    body = {"form": nomination_body(maturity_stage="pilot")["form"]}
    first = await intake.put(f"/v1/nominations/{nid}", json=body, headers=headers)
    again = await intake.put(f"/v1/nominations/{nid}", json=body, headers=headers)
    assert first.json() == again.json() and first.json()["revision"] == 2
    assert len([v for v in await read_topic(NOMINATIONS.name) if b"NominationAmended" in v]) == 1
