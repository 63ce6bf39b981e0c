"""The intake's pure core: decide functions with an injected clock, no Kafka, no database."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

import pytest

from contracts.campaign import load_builtin_campaign
from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from contracts.events import ApplicationSaved, NominationSubmitted
from contracts.identity import Identity
from services.intake.clock import (
    FixedClock,
    OffsetClock,
    StartedClock,
    SystemClock,
    clock_from_spec,
)
from services.intake.domain.applications import (
    decide_recommend,
    decide_save,
    decide_send,
)
from services.intake.domain.commands import (
    AmendNomination,
    RecommendApplication,
    SaveApplication,
    SendApplication,
    SubmitNomination,
    WithdrawNomination,
)
from services.intake.domain.model import evolve_application, evolve_nomination
from services.intake.domain.nominations import (
    decide_amend,
    decide_submit,
    decide_withdraw,
)
from services.intake.domain.rules import deadline_text
from services.intake.examples import example_form

CAMPAIGN = load_builtin_campaign("kczg-2022")
OPEN = FixedClock(datetime.fromisoformat("2022-10-15T10:00:00+08:00"))
UNIT = Identity(sub="u", role="unit", org="unit-a")
APPLICANT = Identity(sub="a", role="applicant", org="acme")


def submit(clock=OPEN, by=UNIT, **changes):
    cmd = dict(by=by, nomination_id=uuid4(), campaign="kczg-2022", list_code="leading_tech",
               domain="advanced_materials", title=None, form=example_form("leading_tech"), opinion="同意")
    cmd.update(changes)
    return decide_submit(None, SubmitNomination(**cmd), CAMPAIGN, clock, unit_known=True)


def test_clock_specs():
    assert isinstance(clock_from_spec(None), SystemClock)
    assert clock_from_spec("2022-10-31T23:59:59+08:00").now() == datetime.fromisoformat("2022-10-31T23:59:59+08:00")
    assert isinstance(clock_from_spec("start:2022-10-01T00:00:00+08:00"), StartedClock)
    assert isinstance(clock_from_spec("offset:-86400"), OffsetClock)
    with pytest.raises(ValueError):
        clock_from_spec("2022-10-31T23:59:59")  # no offset: ambiguous


def test_deadline_boundary_and_its_chinese_text():
    assert deadline_text(CAMPAIGN) == "2022年10月31日24:00（北京时间）"
    assert submit(FixedClock(datetime.fromisoformat("2022-10-31T23:59:59+08:00")))
    with pytest.raises(DomainError) as refused:
        submit(FixedClock(datetime.fromisoformat("2022-11-01T00:00:00+08:00")))
    assert refused.value.code == "submission_closed" and "10月31日24:00" in refused.value.message


def test_submit_names_title_from_form_and_records_opinion_in_the_form():
    (event,) = submit()
    assert isinstance(event, NominationSubmitted)
    assert event.title == "高性能碳纤维低成本制备技术" and event.form["recommending_opinion"] == "同意"
    assert event.key == "kczg-2022:unit-a" and event.actor.role == "unit"


def test_amend_diff_revision_and_withdraw_rules():
    (event,) = submit()
    state = evolve_nomination(None, event)
    (amended,) = decide_amend(state, AmendNomination(UNIT, state.nomination_id, None, None, None,
                                                     example_form("leading_tech", maturity_stage="pilot",
                                                                  recommending_opinion="同意")),
                              CAMPAIGN, OPEN)
    assert amended.revision == 2 and amended.diff == {"maturity_stage": ("industrialisation", "pilot")}
    state = evolve_nomination(state, amended)
    with pytest.raises(DomainError) as same:
        decide_amend(state, AmendNomination(UNIT, state.nomination_id, None, None, None, state.form), CAMPAIGN, OPEN)
    assert same.value.code == "no_changes"
    other = Identity(sub="b", role="unit", org="unit-b")
    with pytest.raises(NotFound):
        decide_withdraw(state, WithdrawNomination(other, state.nomination_id, "x"), CAMPAIGN, OPEN)
    (withdrawn,) = decide_withdraw(state, WithdrawNomination(UNIT, state.nomination_id, "理由"), CAMPAIGN, OPEN)
    state = evolve_nomination(state, withdrawn)
    with pytest.raises(Conflict):
        decide_withdraw(state, WithdrawNomination(UNIT, state.nomination_id, "again"), CAMPAIGN, OPEN)


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
    save = SaveApplication(APPLICANT, app_id, "kczg-2022", "unit-a", "emerging_enterprise", None, None, form)
    (saved,) = decide_save(None, save, CAMPAIGN, OPEN, unit_known=True)
    assert isinstance(saved, ApplicationSaved) and saved.revision == 1 and saved.key == "kczg-2022:unit-a"
    state = evolve_application(None, saved)
    (sent,) = decide_send(state, SendApplication(APPLICANT, app_id), CAMPAIGN, OPEN)
    state = evolve_application(state, sent)
    with pytest.raises(NotFound):  # another unit does not see it
        decide_recommend(state, RecommendApplication(Identity(sub="x", role="unit", org="unit-b"), app_id, uuid4(),
                                                     "同意"), CAMPAIGN, OPEN)
    (nominated,) = decide_recommend(state, RecommendApplication(UNIT, app_id, uuid4(), "同意"), CAMPAIGN, OPEN)
    assert nominated.application_id == app_id and nominated.unit_id == "unit-a"
    assert evolve_application(state, nominated).status == "recommended"
    with pytest.raises(DomainError) as unknown:
        decide_save(None, save, CAMPAIGN, OPEN, unit_known=False)
    assert unknown.value.code == "unknown_unit"
