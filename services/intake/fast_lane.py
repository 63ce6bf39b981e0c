"""POST /v1/nominations in the fast lane (eventlog/http/fast_lane.py), in front of the whole app.

A campaign's traffic is mostly this one request, and FastAPI's routing, dependency solving and body
handling cost about 1 ms of CPU on it — more than the rules, the event and the broker together
(measured with py-spy under bench/intake.py). The lane answers the ordinary case with the route's own
parser (eventlog.http.front_door.parse_write, then the body's schema) and handler (handlers.py); anything
else goes to the route, body and all (tests/integration/test_intake_fast_lane.py holds them equal).
"""

from __future__ import annotations

import re

from eventlog.http.fast_lane import LaneRoute
from eventlog.http.front_door import parse_write

from .domain.access import NOMINATOR_ROLES
from .handlers import submit_nomination
from .http_contract import MAX_BODY_BYTES
from .schemas import NominationRequest

PATH = "/v1/nominations"


def _nomination(state, headers, path, body: bytes) -> tuple:
    return (parse_write(state, headers, "POST", PATH, body, NOMINATOR_ROLES),
            NominationRequest.model_validate_json(body))


LANES = (LaneRoute("POST", re.compile(re.escape(PATH)), PATH, _nomination, submit_nomination, MAX_BODY_BYTES),)
