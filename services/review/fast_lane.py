"""PUT …/nominations/{id}/scores in the fast lane (eventlog/http/fast_lane.py), in front of the whole app.

Scoring is the review's one request that comes by the thousand, and FastAPI's routing, dependency
solving and body handling cost more CPU on it than the score itself (measured with py-spy under
bench/review.py --part scoring). The lane answers the ordinary case — a scores path of plain segments,
a body far under the app's limit — with the route's own parser (eventlog.http.front_door.parse_write, keys
per person; the body as Starlette's Request.json() decodes it) and handler (handlers.record_score);
anything else goes to the route (tests/integration/test_review_fast_lane.py holds them equal).
"""

from __future__ import annotations

import json
import re
from uuid import UUID

from eventlog.http.fast_lane import LaneRoute
from eventlog.http.front_door import by_person, parse_write

from .domain.commands import RecordScore
from .handlers import record_score
from .schemas import NOMINATION, ScoreRequest, target_of

_SEGMENT, _HEX = "([A-Za-z0-9_.-]+)", "[0-9a-fA-F]"
PATH = re.compile(rf"/v1/review/campaigns/{_SEGMENT}/targets/{_SEGMENT}/{_SEGMENT}"
                  rf"/nominations/({_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}})/scores")
MAX_BODY = 16 * 1024  # a score set is a few hundred bytes; anything longer is the route's


def _score(state, headers, path: re.Match[str], body: bytes) -> tuple:
    req = parse_write(state, headers, "PUT", path.string, body, ("expert",), by_person)
    request = ScoreRequest.model_validate(json.loads(body))
    campaign, list_code, domain, nomination_id = path.groups()
    return req, RecordScore(req.who, target_of(campaign, list_code, domain), UUID(nomination_id), request.scores,
                            request.reason)


LANES = (LaneRoute("PUT", PATH, NOMINATION + "/scores", _score, record_score, MAX_BODY),)
