"""The intake's page forms are the API's form models: every list's inputs come from its model, a saved form
read into the inputs and posted back is the same form, and the API's errors land beside their inputs."""

from __future__ import annotations

import pytest

from services.intake.examples import example_form
from services.intake.forms import FORM_MODELS, parse_form
from services.intake.pages.form_fields import (
    NOT_TYPED, errors_by_input, form_body, form_inputs, form_values, input_names, laid_out,
)


@pytest.mark.parametrize("list_code", sorted(FORM_MODELS))
def test_every_field_of_every_list_is_an_input_and_a_saved_form_comes_back_the_same(list_code):
    model = FORM_MODELS[list_code]
    assert [i.name for i in form_inputs(list_code)] == [n for n in model.model_fields if n not in NOT_TYPED]
    form = example_form(list_code)
    posted = form_values(list_code, form)
    again = {**form_body(list_code, posted), "list_code": list_code}
    for kept in ("domain", "recommending_opinion"):
        if kept in form:
            again[kept] = form[kept]
    assert parse_form(again) == parse_form(form)


def test_the_leading_tech_form_as_inputs():
    inputs = {i.name: i for i in form_inputs("leading_tech")}
    assert (inputs["technology_name"].label, inputs["technology_name"].kind, inputs["technology_name"].required) == (
        "技术名称", "text", True)
    assert inputs["summary"].kind == "textarea" and inputs["completing_units"].kind == "lines"
    assert inputs["maturity_stage"].options == (("research", "研发"), ("pilot", "中试"), ("industrialisation", "产业化"))
    assert inputs["lead_unit_credit_code"].required is False and inputs["revenue_10k_cny"].kind == "number"
    people = inputs["key_people"]
    assert people.kind == "rows" and [c.name for c in people.columns] == ["name", "organisation", "role"]
    # A table shows its filled rows and one blank row more.
    (shown,) = [i for i in laid_out([people], {"key_people.0.name": "张三", "key_people.1.name": "李四"})]
    assert shown.rows == 3 and shown.children[2][0].name == "key_people.2.name"


def test_what_a_person_types_becomes_the_api_form():
    body = form_body("emerging_enterprise", {"enterprise_name": " 某公司 ", "headcount": "120", "rd_headcount": "十",
                                             "financing_rounds.0.round": "", "financing_rounds.1.round": "a"})
    # Blank inputs are left out (a required one is then reported missing by the API), counts are numbers
    # when they are, a table's blank rows are dropped.
    assert body == {"enterprise_name": "某公司", "headcount": 120, "rd_headcount": "十",
                    "financing_rounds": [{"round": "a"}]}


def test_the_api_errors_land_beside_their_inputs():
    names = input_names(laid_out(form_inputs("leading_tech"), {}))
    errors = [{"field": "form.lead_unit_credit_code", "message": "校验码不符"},
              {"field": "form.completing_units.0", "message": "第1项过长"},
              {"field": "form.key_people.0.name", "message": "缺少姓名"},
              {"field": "unit_id", "message": "未登记"}, {"field": "", "message": "已截止"}]
    assert errors_by_input(errors, names | {"unit_id"}) == {
        "lead_unit_credit_code": "校验码不符", "completing_units": "第1项过长", "key_people.0.name": "缺少姓名",
        "unit_id": "未登记", "": "已截止"}
