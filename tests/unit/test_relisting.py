"""The cross-campaign rule, pure (services/intake/domain/rules.py): what an earlier campaign listed is
not nominated again when the campaign says so. The item's identity is its credit code (organisation
lists) or its normalised title (domain/item_identity.py); which earlier listings match is the intake's
query (tests/integration/test_intake_relisting.py runs it against PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest

from contracts.campaign import load_builtin_campaign
from services.intake.domain.context import IntakeContext
from services.intake.domain.item_identity import Listing, credit_key, identity_key, normalise_title
from services.intake.domain.rules import PreviouslyListed, check_item, parse_nomination_form, refuse_if_listed
from services.intake.examples import example_form

BJ = timezone(timedelta(hours=8))
KCZG_2022 = load_builtin_campaign("kczg-2022")
DEMO_2023 = load_builtin_campaign("demo-2023")  # previously_listed_not_renominable: true
RELEASED = datetime(2023, 2, 20, 10, tzinfo=BJ)
CREDIT = "91110108MA01ABCD1X"
TITLES = {"kczg-2022": KCZG_2022.title, "demo-2023": DEMO_2023.title}

ENTERPRISE_2022 = Listing("kczg-2022", "emerging_enterprise", uuid4(), "北京示例科技有限公司", "unit-1", RELEASED)
TECH_2022 = Listing("kczg-2022", "leading_tech", uuid4(), "“高性能”存算一体芯片", "unit-1", RELEASED)
# What each listing is known as: its nomination's credit key where the form had one, else its title's.
LISTED = {ENTERPRISE_2022: "credit:" + CREDIT, TECH_2022: "title:" + normalise_title(TECH_2022.title)}


def earlier(list_code: str, form: dict, title: str) -> list[Listing]:
    """The listings the intake's query finds for an item: same list, same identity."""
    key = identity_key(list_code, form, title)
    return [item for item, known_as in LISTED.items() if item.list_code == list_code and known_as == key]


def check(campaign, list_code: str, form: dict, title: str) -> None:
    refuse_if_listed(campaign, earlier(list_code, form, title), identity_key(list_code, form, title), TITLES)


def test_an_enterprise_listed_in_2022_is_refused_by_credit_code_even_renamed() -> None:
    renamed_form = {"credit_code": " 91110108ma01abcd1x "}  # same code, typed in lower case with spaces
    with pytest.raises(PreviouslyListed) as refused:
        check(DEMO_2023, "emerging_enterprise", renamed_form, "北京示例智能科技有限公司")
    error = refused.value
    assert error.code == "previously_listed"
    assert error.field == "form.credit_code"
    # The reason is Chinese and names the earlier campaign by its title and code.
    assert "2022年“科创中国”系列榜单征集遴选（kczg-2022）新锐企业榜" in error.message
    assert DEMO_2023.rules.previously_listed_reason in error.message


def test_a_technology_is_recognised_by_its_normalised_title() -> None:
    with pytest.raises(PreviouslyListed, match="“高性能”存算一体芯片") as refused:
        check(DEMO_2023, "leading_tech", {}, "高性能 存算一体芯片")
    assert refused.value.field == "title"


@pytest.mark.parametrize("list_code, form, title", [
    ("emerging_enterprise", {"credit_code": "91310000MA1FL0000X"}, "北京示例科技有限公司"),  # namesake, other code
    ("leading_tech", {}, "另一项芯片技术"),
    ("integrated_innovation_org", {"credit_code": CREDIT}, "示例创新联合体"),  # same code, other list
])
def test_other_items_may_be_nominated(list_code, form, title) -> None:
    assert earlier(list_code, form, title) == []
    check(DEMO_2023, list_code, form, title)


def test_campaigns_without_the_rule_accept_everything() -> None:
    rule_off = DEMO_2023.model_copy(update={"rules": KCZG_2022.rules})
    check(rule_off, "emerging_enterprise", {"credit_code": CREDIT}, "北京示例科技有限公司")


def test_only_earlier_campaigns_count() -> None:
    # Its own campaign's listing is no reason to refuse (a re-check during a rebuild, say).
    same_campaign = DEMO_2023.model_copy(update={"code": "kczg-2022"})
    check(same_campaign, "leading_tech", {}, "高性能存算一体芯片")


def test_the_rule_is_part_of_may_this_item_be_nominated() -> None:
    # check_item: eligibility, then the rule, with the earlier listings handed over as a value.
    form = parse_nomination_form("leading_tech", "electronic_info",
                                 example_form("leading_tech", domain="electronic_info", technology_name="x"))
    at = datetime(2023, 10, 1, tzinfo=BJ)
    with pytest.raises(PreviouslyListed):
        check_item(DEMO_2023, "leading_tech", form, "高性能存算一体芯片",
                   IntakeContext(now=at, campaign=DEMO_2023, earlier_listings=(TECH_2022,), campaign_titles=TITLES))
    check_item(DEMO_2023, "leading_tech", form, "高性能存算一体芯片", IntakeContext(now=at, campaign=DEMO_2023))


def test_identity_keys() -> None:
    assert normalise_title("“科创” A-1　芯片") == normalise_title("科创a1芯片") == "科创a1芯片"
    assert identity_key("emerging_enterprise", {"credit_code": "９１a b"}, "t") == "credit:91AB"
    assert identity_key("emerging_enterprise", {}, "T") == "title:t"  # no code on the form: the title
    assert identity_key("open_source", {"credit_code": CREDIT}, "Proj") == "title:proj"  # code of a lead unit
    assert credit_key("emerging_enterprise", {"credit_code": CREDIT}) == "credit:" + CREDIT
    assert credit_key("leading_tech", {"credit_code": CREDIT}) is None
