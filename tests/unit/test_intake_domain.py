"""The intake's pure core: decide(state, command, context) with the time and every outside fact as
values — no clock, no Kafka, no database."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

import pytest

from contracts.campaign import load_builtin_campaign
from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from contracts.events import ApplicationSaved, NominationSubmitted
from contracts.identity import Identity
from eventlog.clock import (
    OffsetClock,
    StartedClock,
    SystemClock,
    clock_from_spec,
)
from services.intake.domain.applications import decide as decide_application
from services.intake.domain.commands import (
    AmendNomination,
    RecommendApplication,
    SaveApplication,
    SendApplication,
    SubmitNomination,
    WithdrawNomination,
)
from services.intake.domain.model import evolve_application, evolve_nomination
from services.intake.domain.context import IntakeContext
from services.intake.domain.nominations import decide
from services.intake.domain.rules import deadline_text
from services.intake.examples import example_form

CAMPAIGN = load_builtin_campaign("kczg-2022")
OPEN = datetime.fromisoformat("2022-10-15T10:00:00+08:00")
UNIT = Identity(sub="u", role="unit", org="unit-a")
APPLICANT = Identity(sub="a", role="applicant", org="acme")
REGISTERED = ("provincial_cast", "pilot_city_park")


def context(now: datetime = OPEN, channels: tuple[str, ...] | None = REGISTERED) -> IntakeContext:
    return IntakeContext(now=now, campaign=CAMPAIGN, unit_channels=channels)


def submit(now=OPEN, by=UNIT, **changes):
    cmd = dict(by=by, nomination_id=uuid4(), campaign="kczg-2022", unit_id=None, list_code="leading_tech",
               domain="advanced_materials", title=None, form=example_form("leading_tech"), opinion="同意")
    cmd.update(changes)
    return decide(None, SubmitNomination(**cmd), context(now))


def test_clock_specs():
    assert isinstance(clock_from_spec(None), SystemClock)
    assert clock_from_spec("2022-10-31T23:59:59+08:00").now() == datetime.fromisoformat("2022-10-31T23:59:59+08:00")
    assert isinstance(clock_from_spec("start:2022-10-01T00:00:00+08:00"), StartedClock)
    assert isinstance(clock_from_spec("offset:-86400"), OffsetClock)
    with pytest.raises(ValueError):
        clock_from_spec("2022-10-31T23:59:59")  # no offset: ambiguous


def test_deadline_boundary_and_its_chinese_text():
    assert deadline_text(CAMPAIGN) == "2022年10月31日24:00（北京时间）"
    assert submit(datetime.fromisoformat("2022-10-31T23:59:59+08:00"))
    with pytest.raises(DomainError) as refused:
        submit(datetime.fromisoformat("2022-11-01T00:00:00+08:00"))
    assert refused.value.code == "submission_closed" and "10月31日24:00" in refused.value.message


def test_submit_names_title_from_form_and_records_opinion_in_the_form():
    (event,) = submit()
    assert isinstance(event, NominationSubmitted)
    assert event.title == "高性能碳纤维低成本制备技术" and event.form["recommending_opinion"] == "同意"
    assert event.key == "kczg-2022:unit-a" and event.actor.role == "unit"
    # The channels it is recommended under: both of the unit's, as both are open to 先导技术榜.
    assert event.channels == REGISTERED


def test_a_unit_nominates_for_itself_and_only_once_registered():
    with pytest.raises(Forbidden) as other:
        submit(unit_id="unit-b")
    assert other.value.code == "not_your_unit"
    cmd = SubmitNomination(by=UNIT, nomination_id=uuid4(), campaign="kczg-2022", unit_id="unit-a",
                           list_code="leading_tech", domain="advanced_materials", title=None,
                           form=example_form("leading_tech"), opinion="同意")
    with pytest.raises(DomainError) as unregistered:
        decide(None, cmd, context(channels=None))
    assert (unregistered.value.code, unregistered.value.http_status) == ("unknown_unit", 403)
    assert decide(None, cmd, context())[0].unit_id == "unit-a"


def test_amend_diff_revision_and_withdraw_rules():
    (event,) = submit()
    state = evolve_nomination(None, event)
    (amended,) = decide(state, AmendNomination(UNIT, state.nomination_id, None, None, None,
                                               example_form("leading_tech", maturity_stage="pilot",
                                                            recommending_opinion="同意")), context())
    assert amended.revision == 2 and amended.diff == {"maturity_stage": ("industrialisation", "pilot")}
    state = evolve_nomination(state, amended)
    with pytest.raises(DomainError) as same:
        decide(state, AmendNomination(UNIT, state.nomination_id, None, None, None, state.form), context())
    assert same.value.code == "no_changes"
    other = Identity(sub="b", role="unit", org="unit-b")
    with pytest.raises(NotFound):
        decide(state, WithdrawNomination(other, state.nomination_id, "x"), context())
    (withdrawn,) = decide(state, WithdrawNomination(UNIT, state.nomination_id, "理由"), context())
    state = evolve_nomination(state, withdrawn)
    with pytest.raises(Conflict):
        decide(state, WithdrawNomination(UNIT, state.nomination_id, "again"), context())


def test_separately_organised_and_role_rules():
    with pytest.raises(Forbidden) as unit_refused:
        submit(list_code="open_source", domain=None, form=example_form("open_source"))
    assert unit_refused.value.code == "separately_organised"
    body = Identity(sub="r", role="review_body", org="kczg_open_source_consortium")
    (event,) = submit(by=body, list_code="open_source", domain=None, form=example_form("open_source"), opinion=None)
    assert event.unit_id == "kczg_open_source_consortium" and event.opinion == ""


def test_application_stage_to_recommendation():
    app_id = uuid4()
    form = example_form("emerging_enterprise")
    save = SaveApplication(APPLICANT, app_id, "kczg-2022", "unit-a", "emerging_enterprise", None, None, form,
                           creates=True)
    (saved,) = decide_application(None, save, context())
    assert isinstance(saved, ApplicationSaved) and saved.revision == 1 and saved.key == "kczg-2022:unit-a"
    state = evolve_application(None, saved)
    (sent,) = decide_application(state, SendApplication(APPLICANT, app_id), context())
    state = evolve_application(state, sent)
    with pytest.raises(NotFound):  # another unit does not see it
        decide_application(state, RecommendApplication(Identity(sub="x", role="unit", org="unit-b"), app_id,
                                                       uuid4(), "同意"), context())
    (nominated,) = decide_application(state, RecommendApplication(UNIT, app_id, uuid4(), "同意"), context())
    assert nominated.application_id == app_id and nominated.unit_id == "unit-a"
    assert evolve_application(state, nominated).status == "recommended"
    with pytest.raises(DomainError) as unknown:
        decide_application(None, save, context(channels=None))
    assert unknown.value.code == "unknown_unit"
    # Saving a version of an application that does not exist is no way to create one.
    with pytest.raises(NotFound):
        decide_application(None, SaveApplication(APPLICANT, uuid4(), "kczg-2022", "unit-a", "emerging_enterprise",
                                                  None, None, form), context())
