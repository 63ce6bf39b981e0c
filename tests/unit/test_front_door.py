"""The front door (eventlog/http/front_door.py, fast_lane.py, service_app.py) on a service of one route and
its lane: the lane answers the ordinary request exactly as the route does, hands everything else to the
route untouched, and both read the caller, the Idempotency-Key and the instant one way."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import APIRouter, Depends, Request
from prometheus_client import REGISTRY
from starlette.datastructures import Headers

from contracts.errors import Conflict
from eventlog.clock import FixedClock
from eventlog.http.fast_lane import LaneRoute
from eventlog.http.front_door import ServiceState, WriteRequest, by_person, parse_write, service_of, writer
from eventlog.http.bodies import RequestBody
from eventlog.http.problems import reply_response
from eventlog.write.idempotency import Reply
from eventlog.http.service_app import create_service_app
from tests.support.intake import Keys

NOW = datetime(2022, 10, 15, 9, 0, tzinfo=UTC)
MOVED = "2022-11-05T10:00:00+08:00"


class Thing(RequestBody):
    n: int


async def record_thing(state: ServiceState, req: WriteRequest, thing: Thing) -> Reply:
    if thing.n < 0:
        raise Conflict("不能记录负数。", code="negative_thing")
    return Reply(201, {"by": req.who.org, "keyed": req.idem is not None, "now": req.now.isoformat(), "n": thing.n})


def _thing(state, headers, path, body: bytes) -> tuple:
    return parse_write(state, headers, "POST", path.string, body, ("unit",)), Thing.model_validate_json(body)


router = APIRouter()


@router.post("/v1/things", status_code=201)
async def post_thing(thing: Thing, request: Request, req: WriteRequest = Depends(writer("unit"))):
    return reply_response(await record_thing(service_of(request), req, thing))


@pytest.fixture
def service(tmp_path):
    keys = Keys(tmp_path)
    app = create_service_app(ServiceState("front-door-test", FixedClock(NOW), keys.verifier()), title="t",
                             version="0", description="", lifespan=None, routers=[router], max_body=4096,
                             lanes=[LaneRoute("POST", re.compile("/v1/things"), "/v1/things", _thing, record_thing,
                                              256)])
    return app, keys


async def _post(app, headers, content: bytes) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        return await client.post("/v1/things", content=content, headers=headers)


def _answered_by_metrics(status: int) -> float:
    return REGISTRY.get_sample_value("kczg_http_requests_total", {
        "service": "front-door-test", "method": "POST", "route": "/v1/things", "status": str(status)}) or 0.0


async def test_the_lane_answers_the_ordinary_request_as_the_route_does(service):
    app, keys = service
    headers = [*keys.headers("unit", "unit-a").items(), ("Content-Type", "application/json")]
    counted = _answered_by_metrics(201)
    fast = await _post(app, headers, b'{"n": 1}')
    assert (fast.status_code, app.lane.answered) == (201, 1)
    routed = await _post(app, [*headers, ("Accept", "a"), ("Accept", "b")], b'{"n": 1}')  # a repeated header
    assert app.lane.answered == 1
    assert fast.json() == routed.json() == {"by": "unit-a", "keyed": False, "now": NOW.isoformat(), "n": 1}
    assert _answered_by_metrics(201) == counted + 2  # the lane names the route template it answered for
    # A refusal by the handler reads the same from both: the lane renders with the app's handlers.
    fast, routed = (await _post(app, headers, b'{"n": -1}'),
                    await _post(app, [*headers, ("Accept", "a"), ("Accept", "b")], b'{"n": -1}'))
    assert app.lane.answered == 2
    assert (fast.status_code, fast.json()) == (routed.status_code, routed.json()) == (409, fast.json())
    assert fast.json()["code"] == "negative_thing" and fast.headers["content-type"] == "application/problem+json"


async def test_what_the_lane_does_not_take_goes_to_the_route_body_and_all(service, monkeypatch):
    app, keys = service
    unit = keys.headers("unit", "unit-a")
    cases = [
        ({**unit, "Content-Type": "text/plain"}, b'{"n": 1}', 422, None),                         # not JSON
        ({**unit, "Content-Type": "application/json"}, b'{"n": 1}' + b" " * 300, 201, 1),          # past the lane's limit
        ({"Content-Type": "application/json"}, b'{"n": 1}', 401, None),                            # no caller
        ({**unit, "Content-Type": "application/json", "Idempotency-Key": "x"}, b'{"n": 1}', 400, None),  # bad key
        ({**unit, "Content-Type": "application/json"}, b'{"n": "one"}', 422, None),                 # invalid body
    ]
    for headers, content, status, n in cases:
        r = await _post(app, headers, content)
        assert r.status_code == status, (headers, r.text)
        if n is not None:
            assert r.json()["n"] == n
    assert app.lane.answered == 0
    # A clock header where one is honoured: a bad one is the route's to refuse, a good one the lane reads as the
    # route would (the front door's parser reads the clock).
    monkeypatch.setenv("KCZG_CLOCK_HEADER", "1")
    r = await _post(app, {**unit, "Content-Type": "application/json", "X-Kczg-Clock": "tomorrow"}, b'{"n": 2}')
    assert (r.status_code, r.json()["code"], app.lane.answered) == (400, "invalid_clock_header", 0)
    r = await _post(app, {**unit, "Content-Type": "application/json", "X-Kczg-Clock": MOVED}, b'{"n": 2}')
    assert (r.status_code, r.json()["now"]) == (201, datetime.fromisoformat(MOVED).isoformat())
    assert app.lane.answered == 1


async def test_keys_are_in_the_space_the_service_names(service):
    app, keys = service
    state = app.state.service
    headers = Headers({**keys.headers("expert", "body-1", sub="e-7"), "Idempotency-Key": "key-0001"})
    req = parse_write(state, headers, "PUT", "/v1/x", b"{}", ("expert",), by_person)
    assert (req.idem.org, req.idem.key, req.now) == ("body-1/e-7", "key-0001", NOW)
    by_org = parse_write(state, headers, "PUT", "/v1/x", b"{}", ("expert",))
    assert by_org.idem.org == "body-1" and by_org.idem.fingerprint == req.idem.fingerprint
