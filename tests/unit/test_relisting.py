"""The cross-campaign rule: what an earlier campaign listed is not nominated again when the
campaign says so, decided from ListPublished (and the nominations' forms) on the log."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from contracts.campaign import campaign_to_dict, load_builtin_campaign
from contracts.events import (Actor, CampaignOpened, ListPublished, NominationAmended, NominationSubmitted,
                              PublishedEntry)
from contracts.relisting import ListedRegistry, PreviouslyListed, check_renominable, identity_key, normalise_title

BJ = timezone(timedelta(hours=8))
SECRETARIAT = Actor(role="secretariat", id="secretariat")
KCZG_2022 = load_builtin_campaign("kczg-2022")
DEMO_2023 = load_builtin_campaign("demo-2023")  # previously_listed_not_renominable: true
RELEASED = datetime(2023, 2, 20, 10, tzinfo=BJ)
CREDIT = "91110108MA01ABCD1X"


def envelope(campaign: str, key: str, at: datetime = RELEASED) -> dict:
    return dict(occurred_at=at, campaign=campaign, key=key, actor=SECRETARIAT)


def nomination(list_code: str, title: str, form: dict, nomination_id: UUID | None = None,
               campaign: str = "kczg-2022") -> NominationSubmitted:
    return NominationSubmitted(nomination_id=nomination_id or uuid4(), unit_id="unit-1", list_code=list_code,
                               domain="electronic_info" if list_code == "leading_tech" else None, title=title,
                               form=form, **envelope(campaign, f"{campaign}:unit-1", datetime(2022, 10, 1, tzinfo=BJ)))


def published(*nominations: NominationSubmitted, title: str | None = None, at: datetime = RELEASED,
              campaign: str = "kczg-2022") -> ListPublished:
    return ListPublished(list_code=nominations[0].list_code, published_at=at, entries=tuple(
        PublishedEntry(nomination_id=n.nomination_id, title=title or n.title, unit_id=n.unit_id, domain=n.domain)
        for n in nominations), **envelope(campaign, f"{campaign}:{nominations[0].list_code}", at))


def opened(campaign) -> CampaignOpened:
    return CampaignOpened(definition=campaign_to_dict(campaign), **envelope(campaign.code, campaign.code))


ENTERPRISE_2022 = nomination("emerging_enterprise", "北京示例科技有限公司", {"credit_code": CREDIT})
TECH_2022 = nomination("leading_tech", "“高性能”存算一体芯片", {"technology_name": "高性能存算一体芯片"})
REGISTRY = ListedRegistry.from_events([opened(KCZG_2022), ENTERPRISE_2022, TECH_2022,
                                       published(ENTERPRISE_2022), published(TECH_2022)])


def test_an_enterprise_listed_in_2022_is_refused_by_credit_code_even_renamed() -> None:
    renamed_form = {"credit_code": " 91110108ma01abcd1x "}  # same code, typed in lower case with spaces
    with pytest.raises(PreviouslyListed) as refused:
        check_renominable(DEMO_2023, REGISTRY, "emerging_enterprise", renamed_form, "北京示例智能科技有限公司")
    error = refused.value
    assert error.code == "previously_listed"
    assert error.field == "form.credit_code"
    # The reason is Chinese and names the earlier campaign by its title and code.
    assert "2022年“科创中国”系列榜单征集遴选（kczg-2022）新锐企业榜" in error.message
    assert DEMO_2023.rules.previously_listed_reason in error.message


def test_a_technology_is_recognised_by_its_normalised_title() -> None:
    with pytest.raises(PreviouslyListed, match="“高性能”存算一体芯片") as refused:
        check_renominable(DEMO_2023, REGISTRY, "leading_tech", {}, "高性能 存算一体芯片")
    assert refused.value.field == "title"


@pytest.mark.parametrize("list_code, form, title", [
    ("emerging_enterprise", {"credit_code": "91310000MA1FL0000X"}, "北京示例科技有限公司"),  # namesake, other code
    ("leading_tech", {}, "另一项芯片技术"),
    ("integrated_innovation_org", {"credit_code": CREDIT}, "示例创新联合体"),  # same code, other list
])
def test_other_items_may_be_nominated(list_code, form, title) -> None:
    check_renominable(DEMO_2023, REGISTRY, list_code, form, title)


def test_campaigns_without_the_rule_accept_everything() -> None:
    rule_off = DEMO_2023.model_copy(update={"rules": KCZG_2022.rules})
    check_renominable(rule_off, REGISTRY, "emerging_enterprise", {"credit_code": CREDIT}, "北京示例科技有限公司")


def test_only_earlier_campaigns_count() -> None:
    # Its own campaign's listing is no reason to refuse (a re-check during a rebuild, say).
    same_campaign = DEMO_2023.model_copy(update={"code": "kczg-2022"})
    check_renominable(same_campaign, REGISTRY, "leading_tech", {}, "高性能存算一体芯片")
    # With `at`, a listing published after the nomination does not count (replays decide as live).
    check_renominable(DEMO_2023, REGISTRY, "leading_tech", {}, "高性能存算一体芯片", at=RELEASED - timedelta(days=1))


def test_a_republished_list_replaces_the_earlier_one() -> None:
    registry = ListedRegistry.from_events([ENTERPRISE_2022, TECH_2022, published(ENTERPRISE_2022),
                                           published(TECH_2022)])
    # The corrected 先导技术榜 no longer carries the chip...
    other = nomination("leading_tech", "新型储能材料", {})
    registry.apply(published(other, at=RELEASED + timedelta(days=3)))
    check_renominable(DEMO_2023, registry, "leading_tech", {}, "高性能存算一体芯片")
    with pytest.raises(PreviouslyListed, match="kczg-2022"):  # no CampaignOpened folded: the code names it
        check_renominable(DEMO_2023, registry, "leading_tech", {}, "新型储能材料")


def test_the_answer_does_not_depend_on_topic_interleaving() -> None:
    # The list published before the nomination's form was folded (another topic, read later).
    registry = ListedRegistry()
    registry.apply(published(ENTERPRISE_2022, title="更名后的公司"))
    check_renominable(DEMO_2023, registry, "emerging_enterprise", {"credit_code": CREDIT}, "某公司")  # unknown yet
    registry.apply(ENTERPRISE_2022)
    with pytest.raises(PreviouslyListed):
        check_renominable(DEMO_2023, registry, "emerging_enterprise", {"credit_code": CREDIT}, "某公司")


def test_the_latest_amendment_supplies_the_credit_code() -> None:
    amended = NominationAmended(nomination_id=ENTERPRISE_2022.nomination_id, unit_id="unit-1", revision=2,
                                list_code="emerging_enterprise", title="北京示例科技有限公司",
                                form={"credit_code": "91310000MA1FL0000X"},
                                **envelope("kczg-2022", "kczg-2022:unit-1", datetime(2022, 10, 2, tzinfo=BJ)))
    registry = ListedRegistry.from_events([ENTERPRISE_2022, amended, published(ENTERPRISE_2022)])
    check_renominable(DEMO_2023, registry, "emerging_enterprise", {"credit_code": CREDIT}, "x")
    with pytest.raises(PreviouslyListed):
        check_renominable(DEMO_2023, registry, "emerging_enterprise", {"credit_code": "91310000MA1FL0000X"}, "x")


def test_identity_keys() -> None:
    assert normalise_title("“科创” A-1　芯片") == normalise_title("科创a1芯片") == "科创a1芯片"
    assert identity_key("emerging_enterprise", {"credit_code": "９１a b"}, "t") == "credit:91AB"
    assert identity_key("emerging_enterprise", {}, "T") == "title:t"  # no code on the form: the title
    assert identity_key("open_source", {"credit_code": CREDIT}, "Proj") == "title:proj"  # code of a lead unit
