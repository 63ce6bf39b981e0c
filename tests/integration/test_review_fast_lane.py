"""The scores' fast lane (services/review/fast_lane.py) answers exactly as the route does.

The same request goes once through the lane and once through the FastAPI route (the lane switched off),
each to its own seat: two nominations scored by one expert, kept in lock-step, so the route's seat is in
the state the lane's was. The whole responses — status, body, the headers that matter — must be equal,
with the nomination and event ids made comparable.
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from uuid import uuid4

import orjson

from contracts.events import ExpertScoreRecorded
from contracts.topics import REVIEW
from tests.integration.test_review_flow import GREEN, SCORES, _ready, as_, review  # noqa: F401 (fixture)
from tests.support.intake import events_of
from tests.support.kafka import read_topic
from tests.support.review import ECO, IN_REVIEW, MATERIALS

BODIES = {
    "valid": lambda k: {"scores": {**SCORES, "innovation": str(50 + k % 50)}},
    "out of range": lambda k: {"scores": {**SCORES, "innovation": "101"}},
    "missing criterion": lambda k: {"scores": {c: v for c, v in SCORES.items() if c != "social_benefit"}},
    "unknown criterion": lambda k: {"scores": {**SCORES, "charm": "80"}},
    "not a number": lambda k: {"scores": {**SCORES, "innovation": "很好"}},
    "extra field": lambda k: {"scores": SCORES, "surprise": True},
    "wrong type": lambda k: {"scores": 5},
}
RAW = {"malformed": b'{"scores": {', "not an object": b"[1, 2]", "empty": b""}
UUID_TEXT = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _normalised(response) -> tuple:
    headers = {k: response.headers.get(k) for k in ("content-type", "idempotent-replayed", "www-authenticate",
                                                     "retry-after")}
    return response.status_code, UUID_TEXT.sub(b"<id>", response.content), headers


async def _seats(review) -> tuple[str, tuple[str, str], str]:
    """An expert seated on two nominations, those two, and an expert seated on neither."""
    if not hasattr(review, "parity_seats"):
        panel = await _ready(review)
        experts = {e for seated in panel.values() for e in seated}
        for e in sorted(experts):
            mine = [nid for nid, seated in panel.items() if e in seated]
            idle = [x for x in (f"e{i:02d}" for i in range(8)) if all(x not in panel[n] for n in mine[:2])]
            if len(mine) >= 2 and idle:
                review.parity_seats = (e, (mine[0], mine[1]), idle[0])
                break
    return review.parity_seats


CALLERS = ["seated", "idle", "other body's expert", "review_body", "expired", "garbage", "none"]
CONTENT_TYPES = ["application/json", "application/merge-patch+json", "text/plain"]
KEYS = [None, "good", "bad"]


async def test_the_lane_and_the_route_give_the_same_whole_response(review):
    seated, nominations, idle = await _seats(review)
    lane = review.app.lane
    tokens = {"seated": ("expert", ECO, {"sub": seated}), "idle": ("expert", ECO, {"sub": idle}),
              "other body's expert": ("expert", MATERIALS, {"sub": seated}),
              "review_body": ("review_body", ECO, {}), "expired": ("expert", ECO, {"sub": seated, "ttl_s": -10})}
    by_lane, differing = 0, []
    for k, (caller, content_type, body, key) in enumerate(itertools.product(
            CALLERS, CONTENT_TYPES, sorted(BODIES) + sorted(RAW), KEYS)):
        headers = {"Content-Type": content_type}
        if caller in tokens:
            role, org, kw = tokens[caller]
            headers["Authorization"] = f"Bearer {review.keys.token(role, org, **kw)}"
        elif caller == "garbage":
            headers["Authorization"] = "Bearer not.a.token"
        content = RAW[body] if body in RAW else orjson.dumps(BODIES[body](k))
        answers, before = [], lane.answered
        for via_lane, nid in zip((True, False), nominations):
            lane.enabled = via_lane
            sent = dict(headers)
            if key == "good":  # a key of its own per seat: the second is no replay of the first
                sent["Idempotency-Key"] = f"parity-{uuid4().hex}"
            elif key == "bad":
                sent["Idempotency-Key"] = "x"
            answers.append(_normalised(await review.put(f"{GREEN}/nominations/{nid}/scores", content=content,
                                                         headers=sent)))
        lane.enabled = True
        by_lane += lane.answered - before
        if answers[0] != answers[1]:
            differing.append(((caller, content_type, body, key), answers))
    assert differing == []
    # The lane answered every score the route accepts or the domain refuses, from a caller it can identify:
    # the seated, the idle and the other body's expert, with a JSON body (of either JSON type) that validates,
    # under no key or a good one.
    validating = ("valid", "out of range", "missing criterion", "unknown criterion")  # the domain refuses the last 3
    assert by_lane == 3 * 2 * len(validating) * 2, by_lane


async def test_an_ordinary_score_is_the_lanes(review):
    seated, (nid, _), _ = await _seats(review)
    lane = review.app.lane
    before = lane.answered
    r = await review.put(f"{GREEN}/nominations/{nid}/scores", json={"scores": SCORES},
                         headers=as_(review, "expert", ECO, sub=seated))
    assert (r.status_code, r.json()["total"], lane.answered) == (200, "83.00", before + 1)


async def test_a_demos_clock_header_is_read_in_the_lane_as_the_route_reads_it(review, monkeypatch):
    """Where demos honour X-Kczg-Clock, a score naming an instant is still the lane's, recorded at that instant;
    a clock the parser refuses goes to the app, which answers it as the route does."""
    monkeypatch.setenv("KCZG_CLOCK_HEADER", "1")
    seated, (_, nid), _ = await _seats(review)
    lane = review.app.lane
    at = IN_REVIEW + timedelta(days=1, minutes=7)
    before = lane.answered
    r = await review.put(f"{GREEN}/nominations/{nid}/scores", json={"scores": SCORES},
                         headers={**as_(review, "expert", ECO, sub=seated), "X-Kczg-Clock": at.isoformat()})
    assert (r.status_code, lane.answered) == (200, before + 1), r.text
    (recorded,) = [e for e in events_of(await read_topic(REVIEW.name), ExpertScoreRecorded)
                   if str(e.event_id) == r.json()["event_id"]]
    assert recorded.occurred_at == at

    bad = await review.put(f"{GREEN}/nominations/{nid}/scores", json={"scores": SCORES},
                           headers={**as_(review, "expert", ECO, sub=seated), "X-Kczg-Clock": "yesterday"})
    assert (bad.status_code, bad.json()["code"], lane.answered) == (400, "invalid_clock_header", before + 1)
