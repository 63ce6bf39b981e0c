"""The typed nomination forms: parsing, rules, Chinese errors, labels, round-trips and diffs."""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from contracts.codes import DOMAINS, LISTS
from contracts.errors import DomainError
from services.intake.examples import EXAMPLE_FORMS
from services.intake.credit_code import AUTHORITIES, CHARSET, check_char
from services.intake.forms import (
    FORM_MODELS, LeadingTechForm, form_diff, form_errors_zh, form_field_labels, form_title, parse_form,
)
from services.intake.forms import cooperation, enterprise, innovation_org, leading_tech, open_source, pioneers
from services.intake.forms.patents import application_check_char
from services.intake.forms.registry import nested_model

CJK = re.compile(r"[\u4e00-\u9fff]")
CODE = "91350100M000100Y43"

# The examples the OpenAPI documents and the simulator sends are the valid baseline here too.
VALID = EXAMPLE_FORMS


def valid(list_code: str, /, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID[list_code])
    data.update(changes)
    return data


def errors_of(data: Any) -> list[dict[str, str]]:
    with pytest.raises(ValidationError) as caught:
        parse_form(data)
    return form_errors_zh(caught.value)


def all_models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    pending = list(FORM_MODELS.values())
    while pending:
        model = pending.pop()
        if model not in found:
            found.append(model)
            pending.extend(m for info in model.model_fields.values() if (m := nested_model(info)))
    return found


# --- the shape of the forms ------------------------------------------------------------------

def test_there_is_one_form_per_list():
    assert set(FORM_MODELS) == set(LISTS)


@pytest.mark.parametrize("list_code", sorted(VALID))
def test_a_valid_example_parses_to_its_lists_form(list_code):
    form = parse_form(valid(list_code))
    assert type(form) is FORM_MODELS[list_code]
    assert form.list_code == list_code


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m.__name__)
def test_every_field_has_a_chinese_title_and_description_and_extras_are_refused(model):
    assert model.model_config["extra"] == "forbid"
    for name, info in model.model_fields.items():
        assert info.title and CJK.search(info.title), name
        assert info.description, name


def _unbounded_strings(schema: Any, path: str = "") -> list[str]:
    if isinstance(schema, dict):
        if schema.get("type") == "string" and not {"maxLength", "pattern", "enum", "const", "format"} & set(schema):
            return [path]
        return [p for key, sub in schema.items() for p in _unbounded_strings(sub, f"{path}/{key}")]
    if isinstance(schema, list):
        return [p for i, sub in enumerate(schema) for p in _unbounded_strings(sub, f"{path}/{i}")]
    return []


@pytest.mark.parametrize("list_code", sorted(FORM_MODELS))
def test_every_text_field_is_bounded(list_code):
    assert _unbounded_strings(FORM_MODELS[list_code].model_json_schema()) == []


def test_forms_are_frozen_values():
    form = parse_form(valid("open_source"))
    with pytest.raises(ValidationError):
        form.project_name = "改名"


def test_titles_and_labels():
    assert form_title("leading_tech") == "先导技术榜推荐表"
    labels = form_field_labels("leading_tech")
    assert labels["technology_name"] == "技术名称"
    assert labels["patents.number"] == "知识产权·专利号或登记号"
    assert labels["key_people.name"] == "主要完成人·姓名"
    for list_code in FORM_MODELS:
        assert set(FORM_MODELS[list_code].model_fields) <= set(form_field_labels(list_code))


def test_unknown_list_code_for_labels_is_a_domain_error():
    with pytest.raises(DomainError) as caught:
        form_field_labels("best_cat")
    assert caught.value.code == "unknown_list"


def test_text_is_trimmed_and_codes_normalised():
    form = parse_form(valid("emerging_enterprise", enterprise_name="  某公司 ", credit_code="91350100m000100y43"))
    assert form.enterprise_name == "某公司"
    assert form.credit_code == CODE
    assert parse_form(valid("leading_tech")).patents[0].number == "ZL202110123456.7"
    assert parse_form(valid("international_cooperation")).partner_countries == ["DE", "AT"]


# --- rules: each failing case has a stable code and a Chinese message naming the field -----------

RULES = [
    # (list, changes, field, code, fragments the message must contain)
    ("leading_tech", {"technology_name": "技" * 101}, "technology_name", "too_long", ["技术名称", "100"]),
    ("leading_tech", {"summary": "字" * 2001}, "summary", "too_long", ["技术简介", "2000"]),
    ("leading_tech", {"summary": "   "}, "summary", "too_short", ["技术简介", "不能为空"]),
    ("leading_tech", {"key_innovations": ["a"] * 6}, "key_innovations", "too_long", ["主要创新点", "5"]),
    ("leading_tech", {"key_innovations": ["甲" * 501]}, "key_innovations.0", "too_long", ["主要创新点第1项", "500"]),
    ("leading_tech", {"completing_units": []}, "completing_units", "too_short", ["完成单位", "1"]),
    ("leading_tech", {"completing_units": [f"单位{i}" for i in range(11)]}, "completing_units", "too_long",
     ["完成单位", "10"]),
    ("leading_tech", {"key_people": [{"name": "王五", "organisation": "某所", "role": "r"}] * 21}, "key_people",
     "too_long", ["主要完成人", "20"]),
    ("leading_tech", {"key_people": [{"name": "王五", "organisation": "某所"}]}, "key_people.0.role", "missing",
     ["主要完成人第1项", "主要贡献"]),
    ("leading_tech", {"domain": "quantum"}, "domain", "invalid_choice", ["领域", "quantum", "先进材料"]),
    ("leading_tech", {"maturity_stage": "mass"}, "maturity_stage", "invalid_choice", ["成熟度", "中试"]),
    ("leading_tech", {"revenue_10k_cny": "-1"}, "revenue_10k_cny", "out_of_range", ["新增销售收入", "0"]),
    ("leading_tech", {"profit_10k_cny": "1.123456"}, "profit_10k_cny", "out_of_range", ["新增利润", "4位小数"]),
    ("leading_tech", {"profit_10k_cny": "many"}, "profit_10k_cny", "wrong_type", ["新增利润", "数字"]),
    ("leading_tech", {"profit_10k_cny": "NaN"}, "profit_10k_cny", "wrong_type", ["新增利润"]),
    ("leading_tech", {"recommending_opinion": "意" * 1001}, "recommending_opinion", "too_long",
     ["推荐单位意见", "1000"]),
    ("leading_tech", {"sponsor": "x"}, "sponsor", "not_allowed", ["sponsor"]),
    ("leading_tech", {"patents": [{"kind": "invention", "status": "granted", "number": "ZL202110123456.8"}]},
     "patents.0.number", "invalid_format", ["知识产权第1项", "专利号或登记号", "校验位"]),
    ("leading_tech", {"patents": [{"kind": "design", "status": "granted", "number": "ZL202110123456.7"}]},
     "patents.0.number", "invalid_format", ["专利号或登记号", "外观设计专利"]),
    ("leading_tech", {"patents": [{"kind": "invention", "status": "filed", "number": "ZL202110123456.7"}]},
     "patents.0.number", "invalid_format", ["专利号或登记号", "已授权"]),
    ("leading_tech", {"patents": [{"kind": "invention", "status": "granted", "number": "US1234567"}]},
     "patents.0.number", "invalid_format", ["专利号或登记号", "ZL202110123456.7"]),
    ("leading_tech", {"patents": [{"kind": "copyright", "status": "granted", "number": "2021SR0123456"}]},
     "patents.0.kind", "invalid_choice", ["知识产权第1项·类别", "软件著作权"]),
    ("leading_tech", {"patents": [{"kind": "invention", "status": "granted", "number": "ZL202110123456.7",
                                   "owner": "x"}]}, "patents.0.owner", "not_allowed", ["owner"]),
    ("emerging_enterprise", {"credit_code": "91350100M000100Y44"}, "credit_code", "invalid_credit_code",
     ["统一社会信用代码", "校验码"]),
    ("emerging_enterprise", {"credit_code": "9135010"}, "credit_code", "invalid_credit_code",
     ["统一社会信用代码", "18位"]),
    ("emerging_enterprise", {"credit_code": "9" * 65}, "credit_code", "too_long", ["统一社会信用代码", "64"]),
    ("emerging_enterprise", {"founded_on": "1949-09-30"}, "founded_on", "out_of_range",
     ["成立日期", "1949-10-01", "早于"]),
    ("emerging_enterprise", {"founded_on": "2020-13-01"}, "founded_on", "wrong_type", ["成立日期", "日期"]),
    ("emerging_enterprise", {"headcount": 0, "rd_headcount": 0}, "headcount", "out_of_range", ["从业人员数", "1"]),
    ("emerging_enterprise", {"headcount": "60"}, "headcount", "wrong_type", ["从业人员数", "整数"]),
    ("emerging_enterprise", {"headcount": True}, "headcount", "wrong_type", ["从业人员数", "整数"]),
    ("emerging_enterprise", {"rd_headcount": 61}, "rd_headcount", "out_of_range", ["研发人员数", "从业人员数", "60"]),
    ("emerging_enterprise", {"rd_headcount": -1}, "rd_headcount", "out_of_range", ["研发人员数", "0"]),
    ("emerging_enterprise", {"core_technology": "核" * 1001}, "core_technology", "too_long", ["核心技术", "1000"]),
    ("emerging_enterprise", {"financing_rounds": [{"round": "E", "date": "2020-01-01", "amount_10k_cny": 1}]},
     "financing_rounds.0.round", "invalid_choice", ["融资情况第1项·轮次", "天使轮"]),
    ("emerging_enterprise", {"financing_rounds": [{"round": "A", "date": "2020-01-01"}]},
     "financing_rounds.0.amount_10k_cny", "missing", ["融资情况第1项", "融资金额"]),
    ("emerging_enterprise", {"enterprise_name": None}, "enterprise_name", "wrong_type", ["企业名称", "文本"]),
    ("integrated_innovation_org", {"organisation_kind": "club"}, "organisation_kind", "invalid_choice",
     ["组织类型", "新型研发机构"]),
    ("integrated_innovation_org", {"achievements": []}, "achievements", "too_short", ["融通创新成效", "1"]),
    ("integrated_innovation_org", {"achievements": ["a"] * 11}, "achievements", "too_long", ["融通创新成效", "10"]),
    ("integrated_innovation_org", {"member_count": 1.5}, "member_count", "wrong_type", ["成员单位数", "整数"]),
    ("entrepreneurship_pioneer", {"jobs_created": -3}, "jobs_created", "out_of_range", ["带动就业人数", "0"]),
    ("entrepreneurship_pioneer", {"organisation_credit_code": "X"}, "organisation_credit_code",
     "invalid_credit_code", ["所在单位统一社会信用代码"]),
    ("entrepreneurship_pioneer", {"nominee_kind": "company"}, "nominee_kind", "invalid_choice", ["推荐对象类型", "团队"]),
    ("tech_manager_pioneer", {"transfers_brokered": 10**9}, "transfers_brokered", "out_of_range",
     ["促成技术转移项目数", "100000000"]),
    ("tech_manager_pioneer", {"certification": "证" * 101}, "certification", "too_long", ["职业资格", "100"]),
    ("tech_manager_pioneer", {"contract_value_10k_cny": -5}, "contract_value_10k_cny", "out_of_range",
     ["技术合同成交额", "0"]),
    ("international_cooperation", {"partner_countries": ["DEU"]}, "partner_countries.0", "invalid_format",
     ["合作国家（地区）第1项", "两位字母"]),
    ("international_cooperation", {"partner_countries": []}, "partner_countries", "too_short", ["合作国家", "1"]),
    ("international_cooperation", {"cooperation_kind": "trade"}, "cooperation_kind", "invalid_choice",
     ["合作方式", "联合研发"]),
    ("open_source", {"licence": "WTFPL"}, "licence", "invalid_choice", ["开源许可证", "WTFPL", "MulanPSL-2.0"]),
    ("open_source", {"repository_url": "ftp://example.org/repo"}, "repository_url", "invalid_format",
     ["代码仓库地址", "网址"]),
    ("open_source", {"repository_url": "https://gitee.com/" + "a" * 300}, "repository_url", "too_long",
     ["代码仓库地址", "300"]),
    ("open_source", {"contributors_count": "many"}, "contributors_count", "wrong_type", ["贡献者人数", "整数"]),
]


@pytest.mark.parametrize(("list_code", "changes", "field", "code", "fragments"), RULES,
                         ids=[f"{r[0]}:{r[2]}:{r[3]}" for r in RULES])
def test_each_rule_fails_with_a_stable_code_and_a_chinese_message(list_code, changes, field, code, fragments):
    errors = errors_of(valid(list_code, **changes))
    matching = [e for e in errors if e["field"] == field]
    assert matching, errors
    assert matching[0]["code"] == code, errors
    for fragment in fragments:
        assert fragment in matching[0]["message"], matching[0]["message"]
    assert CJK.search(matching[0]["message"])


@pytest.mark.parametrize("list_code", sorted(VALID))
def test_a_missing_required_field_is_reported_by_its_label(list_code):
    labels = form_field_labels(list_code)
    model = FORM_MODELS[list_code]
    required = [name for name, info in model.model_fields.items() if info.is_required()]
    data = {"list_code": list_code}
    errors = {e["field"]: e for e in errors_of(data)}
    assert set(errors) == set(required)
    for name in required:
        assert errors[name]["code"] == "missing"
        assert labels[name] in errors[name]["message"]


def test_several_errors_are_reported_together():
    errors = errors_of(valid("emerging_enterprise", credit_code="X", headcount="x", extra="y"))
    assert {e["code"] for e in errors} == {"invalid_credit_code", "wrong_type", "not_allowed"}


def test_rd_spend_may_exceed_revenue():
    form = parse_form(valid("emerging_enterprise", revenue_10k_cny="0", rd_spend_10k_cny="999"))
    assert form.rd_spend_10k_cny > form.revenue_10k_cny


def test_the_same_errors_come_from_a_form_model_validated_directly():
    with pytest.raises(ValidationError) as caught:
        LeadingTechForm.model_validate(valid("leading_tech", technology_name=""))
    assert form_errors_zh(caught.value) == [
        {"field": "technology_name", "code": "too_short", "message": "技术名称不能为空"}]


# --- the discriminator ------------------------------------------------------------------------

def test_an_unknown_list_code_is_a_clear_error():
    [error] = errors_of(valid("leading_tech", list_code="best_cat"))
    assert error["field"] == "list_code"
    assert error["code"] == "invalid_choice"
    assert "best_cat" in error["message"] and "榜单代码" in error["message"]
    assert "先导技术榜" in error["message"] and "leading_tech" in error["message"]


def test_an_oversized_bad_value_is_not_echoed_whole():
    [error] = errors_of({"list_code": "x" * 10_000})
    assert len(error["message"]) < 400


def test_a_missing_list_code_is_a_clear_error():
    data = valid("leading_tech")
    del data["list_code"]
    [error] = errors_of(data)
    assert (error["field"], error["code"]) == ("list_code", "missing")
    assert "榜单代码" in error["message"]


@pytest.mark.parametrize("data", [None, "leading_tech", ["list_code"], 3])
def test_a_payload_that_is_not_an_object_is_a_wrong_type(data):
    [error] = errors_of(data)
    assert (error["field"], error["code"]) == ("", "wrong_type")
    assert "申报表" in error["message"]


def test_the_list_code_picks_the_model_so_other_lists_fields_are_refused():
    errors = errors_of(valid("open_source", list_code="tech_manager_pioneer"))
    assert {"field": "licence", "code": "not_allowed"}.items() <= next(
        e for e in errors if e["field"] == "licence").items()


# --- patent numbers -------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "status", "number"), [
    ("invention", "granted", "ZL202110123456.7"),
    ("invention", "filed", "CN202110123456.7"),
    ("invention", "filed", "202110123456.7"),
    ("invention", "filed", "2021101234567"),  # the dot may be left out
    ("invention", "granted", "ZL95115608.X"),  # pre-2003 format, check character X
    ("invention", "granted", "zl 2017 1 0601862.3"),
    ("invention", "filed", "CN112345678A"),
    ("invention", "granted", "CN112345678B"),
    ("utility_model", "granted", "ZL202120123456.2"),
    ("utility_model", "granted", "CN212345678U"),
    ("design", "granted", "ZL202130123456.8"),
    ("design", "granted", "CN302345678S"),
    ("pct", "filed", "PCT/CN2021/123456"),
    ("pct", "filed", "WO2021/123456"),
    ("pct", "filed", "200480002090.2"),  # national phase of a PCT invention application
    ("software_copyright", "granted", "2021SR0123456"),
    ("software_copyright", "granted", "2009SRBJ3051"),
])
def test_accepted_ip_numbers(kind, status, number):
    patent = {"kind": kind, "status": status, "number": number}
    form = parse_form(valid("leading_tech", patents=[patent]))
    assert form.patents[0].number == number.replace(" ", "").upper()


def test_application_check_characters_match_published_examples():
    assert application_check_char("201710601862") == "3"
    assert application_check_char("200710308494") == "X"
    assert application_check_char("95115608") == "X"


@pytest.mark.parametrize(("kind", "number"), [
    ("invention", "ZL202110123456"),  # no check character
    ("invention", "CN212345678U"),  # utility-model document for an invention
    ("utility_model", "CN202110123456.7"),  # invention type digit
    ("pct", "CN202110123456.7"),  # not a PCT national phase
    ("software_copyright", "ZL202110123456.7"),
    ("invention", "PCT/CN2021/123456"),
])
def test_rejected_ip_numbers(kind, number):
    patent = {"kind": kind, "status": "filed" if not number.startswith("ZL") else "granted", "number": number}
    [error] = errors_of(valid("leading_tech", patents=[patent]))
    assert (error["field"], error["code"]) == ("patents.0.number", "invalid_format")


# --- round-trip through JSON -------------------------------------------------------------------

def text(max_size: int) -> st.SearchStrategy[str]:
    alphabet = st.characters(categories=["L", "N", "P"], exclude_characters="\x85\xa0")
    return st.text(alphabet=alphabet, min_size=1, max_size=min(max_size, 40))


def texts(max_items: int, max_size: int = 500, min_items: int = 1) -> st.SearchStrategy[list[str]]:
    return st.lists(text(max_size), min_size=min_items, max_size=min(max_items, 4))


amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
counts = st.integers(min_value=0, max_value=10**6)
dates = st.dates(min_value=date(1949, 10, 1), max_value=date(2030, 12, 31))


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def credit_codes(draw):
    authority = draw(st.sampled_from(sorted(AUTHORITIES)))
    org_type = draw(st.sampled_from(sorted(AUTHORITIES[authority][1])))
    body = authority + org_type + "110108" + draw(st.text(alphabet=CHARSET, min_size=9, max_size=9))
    return body + check_char(body)


@st.composite
def patents(draw):
    kind = draw(st.sampled_from(["invention", "utility_model", "design"]))
    digits = str(draw(st.integers(2003, 2029))) + {"invention": "1", "utility_model": "2", "design": "3"}[kind]
    digits += draw(st.text(alphabet="0123456789", min_size=7, max_size=7))
    status = draw(st.sampled_from(["granted", "filed"]))
    prefix = "ZL" if status == "granted" else "CN"
    return {"kind": kind, "status": status, "number": f"{prefix}{digits}.{application_check_char(digits)}",
            "name": draw(optional(text(200)))}


def choices(labels: dict[str, str]) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(labels))


def form_data(list_code: str) -> st.SearchStrategy[dict[str, Any]]:
    common = {"list_code": st.just(list_code), "recommending_opinion": optional(text(1000))}
    fields = {
        "leading_tech": lambda: {
            "domain": choices(DOMAINS), "technology_name": text(100), "completing_units": texts(10, 100),
            "key_people": st.lists(st.fixed_dictionaries(
                {"name": text(50), "organisation": text(100), "role": text(200)}), max_size=3),
            "summary": text(2000), "key_innovations": texts(5), "patents": st.lists(patents(), max_size=3),
            "maturity_stage": choices(leading_tech.MATURITY_STAGES),
            "application_summary": optional(text(1000)),
            "revenue_10k_cny": optional(amounts), "profit_10k_cny": optional(amounts)},
        "emerging_enterprise": lambda: {
            "enterprise_name": text(100), "credit_code": credit_codes(), "founded_on": dates,
            "registered_capital_10k_cny": amounts, "revenue_10k_cny": amounts, "rd_spend_10k_cny": amounts,
            "headcount": st.just(100), "rd_headcount": st.integers(0, 100), "core_technology": text(1000),
            "financing_rounds": st.lists(st.fixed_dictionaries(
                {"round": choices(enterprise.ROUNDS), "date": dates, "amount_10k_cny": amounts}), max_size=3)},
        "integrated_innovation_org": lambda: {
            "organisation_name": text(100), "credit_code": credit_codes(),
            "organisation_kind": choices(innovation_org.ORG_KINDS), "established_on": optional(dates),
            "member_count": counts, "summary": optional(text(2000)), "achievements": texts(10),
            "collaboration_projects": counts},
        "entrepreneurship_pioneer": lambda: {
            "nominee_kind": choices(pioneers.NOMINEE_KINDS), "nominee_name": text(100), "organisation": text(100),
            "organisation_credit_code": optional(credit_codes()), "ventures_founded": counts,
            "jobs_created": counts, "achievements": texts(10)},
        "tech_manager_pioneer": lambda: {
            "person_name": text(50), "organisation": text(100), "certification": optional(text(100)),
            "transfers_brokered": counts, "contract_value_10k_cny": amounts, "achievements": texts(10)},
        "international_cooperation": lambda: {
            "project_name": text(100), "lead_organisation": text(100), "credit_code": optional(credit_codes()),
            "partner_countries": st.lists(st.from_regex(r"[A-Z]{2}", fullmatch=True), min_size=1, max_size=4),
            "partner_organisations": texts(20, 100), "cooperation_kind": choices(cooperation.COOPERATION_KINDS),
            "started_on": dates, "summary": text(2000), "achievements": texts(10)},
        "open_source": lambda: {
            "project_name": text(100), "organisation": text(100), "credit_code": optional(credit_codes()),
            "repository_url": st.from_regex(r"https://gitee\.com/[a-z0-9]{1,20}/[a-z0-9-]{1,30}", fullmatch=True),
            "licence": choices(open_source.LICENCES), "contributors_count": counts,
            "first_released_on": optional(dates), "summary": text(2000), "achievements": texts(10)},
    }[list_code]()
    return st.fixed_dictionaries({**common, **fields})


any_form_data = st.sampled_from(sorted(FORM_MODELS)).flatmap(form_data)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(any_form_data)
def test_a_valid_form_round_trips_through_json(data):
    form = parse_form(data)
    wire = json.loads(json.dumps(form.model_dump(mode="json"), ensure_ascii=False))
    again = parse_form(wire)
    assert again == form
    assert again.model_dump(mode="json") == wire


# --- diffs ---------------------------------------------------------------------------------------

def test_diff_of_a_form_with_itself_is_empty():
    form = parse_form(valid("leading_tech"))
    assert form_diff(form, parse_form(valid("leading_tech"))) == {}


def test_diff_on_a_changed_field():
    old = parse_form(valid("leading_tech"))
    new = parse_form(valid("leading_tech", technology_name="新名称", revenue_10k_cny="13000"))
    assert form_diff(old, new) == {
        "technology_name": ("高性能碳纤维低成本制备技术", "新名称"),
        "revenue_10k_cny": ("12500.50", "13000"),
    }


def test_equal_amounts_written_differently_are_no_change():
    old = parse_form(valid("leading_tech", revenue_10k_cny="12500.5"))
    assert form_diff(old, parse_form(valid("leading_tech", revenue_10k_cny="12500.50"))) == {}


def test_diff_inside_nested_lists():
    data = valid("leading_tech")
    old = parse_form(data)
    data["patents"][1]["status"] = "granted"
    data["patents"][1]["number"] = "ZL202120123456.2"
    data["key_people"].append({"name": "赵六", "organisation": "某公司", "role": "工程化"})
    data["key_innovations"] = data["key_innovations"][:1]
    new = parse_form(data)
    assert form_diff(old, new) == {
        "patents.1.status": ("filed", "granted"),
        "patents.1.number": ("CN202120123456.2", "ZL202120123456.2"),
        "key_people.1": (None, {"name": "赵六", "organisation": "某公司", "role": "工程化"}),
        "key_innovations.1": ("快速预氧化装备", None),
    }


def test_diff_values_are_json_ready():
    old = parse_form(valid("emerging_enterprise"))
    new = parse_form(valid("emerging_enterprise", founded_on="2018-07-01",
                           financing_rounds=[{"round": "seed", "date": "2018-09-01", "amount_10k_cny": "500"}]))
    diff = form_diff(old, new)
    assert diff["founded_on"] == ("2018-06-01", "2018-07-01")
    assert diff["financing_rounds.0.round"] == ("angel", "seed")
    assert diff["financing_rounds.1"][1] is None
    assert diff["financing_rounds.1"][0] == {"round": "A", "date": "2020-03-15", "amount_10k_cny": "5000"}
    json.dumps(diff)
    assert isinstance(old.registered_capital_10k_cny, Decimal)
