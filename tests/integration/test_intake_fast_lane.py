"""The fast lane for POST /v1/nominations (services/intake/fast_lane.py): it answers the ordinary
request exactly as the FastAPI route does, and hands everything else to the route untouched."""

from __future__ import annotations

from uuid import uuid4

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.events import NominationSubmitted
from contracts.topics import NOMINATIONS
from tests.support.intake import events_of, nomination_body
from tests.support.kafka import read_topic


def lane(intake):
    return intake.app.lane


def via_route(headers: dict) -> list[tuple[str, str]]:
    """The same headers plus a repeated one: a request the lane leaves to the FastAPI route."""
    return [*headers.items(), ("Accept", "application/json"), ("Accept", "*/*")]


async def test_an_ordinary_nomination_is_answered_by_the_lane_as_the_route_would(intake):
    headers = intake.keys.headers("unit", "unit-a")
    fast = await intake.post("/v1/nominations", json=nomination_body(), headers=headers)
    assert lane(intake).answered == 1
    routed = await intake.post("/v1/nominations", json=nomination_body(technology_name="另一项技术"),
                               headers=via_route(headers))
    assert lane(intake).answered == 1
    assert fast.status_code == routed.status_code == 202
    assert fast.headers["content-type"] == routed.headers["content-type"]
    assert fast.json().keys() == routed.json().keys() and fast.json()["status"] == "submitted"
    submitted = events_of(await read_topic(NOMINATIONS.name), NominationSubmitted)
    assert sorted(e.title for e in submitted) == sorted(["另一项技术", nomination_body()["form"]["technology_name"]])
    # Read-your-write through the lane too.
    got = await intake.get(f"/v1/nominations/{fast.json()['nomination_id']}", headers=headers)
    assert got.status_code == 200 and got.json()["unit_id"] == "unit-a"


async def test_a_refusal_in_the_lane_reads_exactly_as_the_routes(intake):
    headers = intake.keys.headers("unit", "unit-a")
    body = {**nomination_body(), "domain": "no_such_domain"}
    body["form"]["domain"] = "no_such_domain"
    fast = await intake.post("/v1/nominations", json=body, headers=headers)
    assert lane(intake).answered == 1
    routed = await intake.post("/v1/nominations", json=body, headers=via_route(headers))
    assert fast.status_code == routed.status_code == 422
    assert fast.json() == routed.json() and fast.json()["code"] == "unknown_domain"
    assert fast.headers["content-type"] == routed.headers["content-type"] == "application/problem+json"


async def test_a_keyed_nomination_is_the_lanes_and_a_retry_is_recognised_by_either(intake):
    headers = intake.keys.headers("unit", "unit-a")
    first_key, second_key = {**headers, "Idempotency-Key": "lane-key-0001"}, {**headers, "Idempotency-Key": "lane-key-0002"}
    first = await intake.post("/v1/nominations", json=nomination_body(technology_name="甲"), headers=first_key)
    assert (first.status_code, lane(intake).answered) == (202, 1)
    # Retried through the lane, and through the route: the first answer, replayed, from both.
    again = await intake.post("/v1/nominations", json=nomination_body(technology_name="甲"), headers=first_key)
    routed = await intake.post("/v1/nominations", json=nomination_body(technology_name="甲"),
                               headers=via_route(first_key))
    assert again.json() == routed.json() == first.json()
    assert again.headers["idempotent-replayed"] == routed.headers["idempotent-replayed"] == "true"
    # The other way round: first through the route, retried through the lane.
    second = await intake.post("/v1/nominations", json=nomination_body(technology_name="乙"),
                               headers=via_route(second_key))
    retried = await intake.post("/v1/nominations", json=nomination_body(technology_name="乙"), headers=second_key)
    assert retried.json() == second.json() and retried.headers["idempotent-replayed"] == "true"
    # The key with another body is refused by the lane as by the route.
    reused = await intake.post("/v1/nominations", json=nomination_body(technology_name="丙"), headers=first_key)
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    assert lane(intake).answered == 4
    submitted = events_of(await read_topic(NOMINATIONS.name), NominationSubmitted)
    assert sorted(e.title for e in submitted) == ["乙", "甲"]
    # A malformed key is the route's to refuse.
    bad = await intake.post("/v1/nominations", json=nomination_body(), headers={**headers, "Idempotency-Key": "x"})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_idempotency_key")
    assert lane(intake).answered == 4


async def test_what_the_lane_does_not_understand_goes_to_the_route(intake):
    unit_a = intake.keys.headers("unit", "unit-a")
    cases = [
        ({}, nomination_body(), 401, "missing_token"),
        ({"Authorization": "Bearer not.a.token"}, nomination_body(), 401, "invalid_token"),
        (intake.keys.headers("applicant", "org-x"), nomination_body(), 403, "role_not_allowed"),
        (unit_a, {**nomination_body(), "list_code": 7}, 422, "invalid_request"),
        (unit_a, {**nomination_body(), "surprise": True}, 422, "invalid_request"),
    ]
    for headers, body, status, code in cases:
        r = await intake.post("/v1/nominations", json=body, headers=headers)
        assert (r.status_code, r.json()["code"]) == (status, code), r.text
    # Media types only the lane would have mistaken for JSON, and a repeated header, are the route's call.
    body = orjson.dumps(nomination_body())
    for content_type in ("application/jsonl", "application/json-seq", "text/plain"):
        r = await intake.post("/v1/nominations", content=body, headers={**unit_a, "Content-Type": content_type})
        assert r.status_code == 422, (content_type, r.text)
    r = await intake.post("/v1/nominations", content=body,
                          headers=[*unit_a.items(), ("Content-Type", "text/plain"), ("Content-Type", "application/json")])
    assert r.status_code == 422, r.text
    r = await intake.post("/v1/nominations", content=b'{"campaign": "kczg-2022",',
                          headers={**unit_a, "Content-Type": "application/json"})
    assert (r.status_code, r.json()["code"]) == (400, "malformed_json")
    assert lane(intake).answered == 0
    assert events_of(await read_topic(NOMINATIONS.name), NominationSubmitted) == []


def test_the_middleware_stack_the_lane_sits_outside_of_is_pinned():
    # The lane answers before any middleware runs. A middleware added here must also be decided for
    # the lane (fast_lane.py) — this test failing is the reminder.
    from eventlog.http.body_limit import BodySizeLimit
    from eventlog.http.fast_lane import FastLane
    from eventlog.http.metrics import HttpMetrics
    from eventlog.http.page_session import PageSession
    from services.intake.app import create_app

    app = create_app(run_projection=False)
    assert [m.cls for m in app.user_middleware] == [BodySizeLimit]
    # Decided for the lane: the HTTP metrics wrap it (counting the lane's answers and the app's alike), and
    # the pages' session (it touches /workbench/ paths only, which the lane never declares).
    assert [type(layer) for layer in app.front()] == [HttpMetrics, PageSession, FastLane]
    assert app.lane.app == app.behind_lane


BODIES = {
    "valid": lambda: nomination_body(),
    "unknown domain": lambda: {**nomination_body(), "domain": "no_such_domain",
                               "form": {**nomination_body()["form"], "domain": "no_such_domain"}},
    "no opinion": lambda: nomination_body(opinion=None),
    "extra field": lambda: {**nomination_body(), "surprise": True},
    "wrong type": lambda: {**nomination_body(), "list_code": 7},
    "separately organised": lambda: {**nomination_body("open_source", None, opinion=None)},
}
RAW = {"malformed": b'{"campaign": "kczg-2022",', "not an object": b"[1, 2]"}


def _normalised(response) -> tuple:
    """Status, body bytes and the headers that matter, with a fresh nomination id made comparable."""
    body = response.content
    if response.status_code == 202:
        nomination_id = response.json()["nomination_id"].encode()
        body = body.replace(nomination_id, b"<id>")
    headers = {k: response.headers.get(k) for k in ("content-type", "idempotent-replayed", "www-authenticate")}
    return response.status_code, body, headers


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(caller=st.sampled_from(["unit", "review_body", "applicant", "expired", "garbage", "none"]),
       content_type=st.sampled_from(["application/json", "application/merge-patch+json", "text/plain"]),
       body=st.sampled_from(sorted(BODIES) + sorted(RAW)),
       key=st.sampled_from([None, "good", "bad"]))
async def test_the_lane_and_the_route_give_the_same_whole_response(intake, caller, content_type, body, key):
    # The same request, answered by the lane and then by the route (the lane switched off).
    tokens = {"unit": ("unit", "unit-a", {}), "review_body": ("review_body", "kczg_open_source_consortium", {}),
              "applicant": ("applicant", "org-x", {}), "expired": ("unit", "unit-a", {"ttl_s": -10})}
    headers = {"Content-Type": content_type}
    if caller in tokens:
        role, org, kw = tokens[caller]
        headers["Authorization"] = f"Bearer {intake.keys.token(role, org, **kw)}"
    elif caller == "garbage":
        headers["Authorization"] = "Bearer not.a.token"
    content = RAW[body] if body in RAW else orjson.dumps(BODIES[body]())
    answers = []
    for via_lane in (True, False):
        lane(intake).enabled = via_lane
        sent = dict(headers)
        if key == "good":  # a key of its own per path: the second is no replay of the first
            sent["Idempotency-Key"] = f"parity-{uuid4().hex}"
        elif key == "bad":
            sent["Idempotency-Key"] = "x"
        answers.append(_normalised(await intake.post("/v1/nominations", content=content, headers=sent)))
    lane(intake).enabled = True
    assert answers[0] == answers[1]
