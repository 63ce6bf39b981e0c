"""Every service's front, pinned: what a request passes before the FastAPI app's own middleware.

The fast lane answers its requests before any of the app's own middleware runs. A layer added to one
service's app (`add_middleware`) is skipped by the lane; one that must see every request (the pages'
cookie login, CSRF: eventlog/http/page_session.py) goes in eventlog.http.service_app.FRONT, in front of the lane, for every service at once.
This test failing is the reminder to decide which."""

from __future__ import annotations

import pytest

from contracts.errors import DomainError
from eventlog.http.body_limit import BodySizeLimit
from eventlog.http.fast_lane import FastLane
from eventlog.http.metrics import HttpMetrics
from eventlog.http.page_session import PageSession


def _intake():
    from services.intake.app import create_app
    return create_app(run_projection=False)


def _quota():
    from services.quota.api import create_app
    return create_app()


def _review():
    from services.review.api import create_app
    return create_app()


def _publish():
    from services.publish.api import create_app
    return create_app()


APPS = {"intake": _intake, "quota": _quota, "review": _review, "publish": _publish}
LANES = {"intake": [("POST", "/v1/nominations")],
         "quota": [],
         "review": [("PUT", "/v1/review/campaigns/{campaign}/targets/{list_code}/{domain}/nominations/"
                            "{nomination_id}/scores")],
         "publish": []}


@pytest.mark.parametrize("name", sorted(APPS))
def test_every_service_has_the_one_front_in_the_one_order(name):
    app = APPS[name]()
    # metrics -> page session (cookie login, CSRF) -> lane -> (the app's own stack:) body limit -> the FastAPI app
    assert [type(layer) for layer in app.front()] == [HttpMetrics, PageSession, FastLane]
    assert app.entry.service == name and app.entry.app.app is app.lane and app.lane.app == app.behind_lane
    assert [m.cls for m in app.user_middleware] == [BodySizeLimit]
    # One state, one renderer of refusals (the lane's too: it renders with these handlers).
    assert app.state.service.name == name and app.lane.service_app is app
    assert DomainError in app.exception_handlers


@pytest.mark.parametrize("name", sorted(APPS))
def test_each_lane_answers_only_what_the_app_declares_the_same_way(name):
    app = APPS[name]()
    declared = {(method.upper(), path) for path, ops in app.openapi()["paths"].items() for method in ops}
    lanes = [(lane.method, lane.template) for lane in app.lane.routes]
    assert lanes == LANES[name]
    assert set(lanes) <= declared  # the metrics label a lane sets is the template the app would have matched
