"""The notice's guard, pure: a list's notice opens only when every target's results are in and every
nomination they rank is decided; the refusal names what is outstanding; the secretariat may proceed
without a named outstanding target only with a reason, recorded on the event, and the notice then
lists none of that target's nominations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from contracts.campaign import load_builtin_campaign
from contracts.errors import DomainError
from contracts.events import Actor, OmittedTarget
from services.publish.domain import notice
from services.publish.domain.model import EntryFacts, ListState
from services.publish.domain.readiness import TargetProgress

CAMPAIGN = load_builtin_campaign("kczg-2022")
NOW = datetime(2022, 12, 20, 10, tzinfo=timezone(timedelta(hours=8)))
SEC = Actor(role="secretariat", id="kczg_secretariat")
MATERIALS, BIO = "advanced_materials", "biomedicine"


def n(i: int) -> UUID:
    return UUID(int=i)


def decided(i: int, domain: str, selected: bool = True) -> EntryFacts:
    return EntryFacts(n(i), "leading_tech", domain, f"技术{i}", "unit-a", "甲学会", None, selected, False, {})


# advanced_materials: results in, both ranked decided (1 selected). biomedicine: two in the running, no results.
MATERIALS_DONE = TargetProgress(MATERIALS, in_running=2, results_submitted=True, ranked=(n(1), n(2)))
BIO_WAITING = TargetProgress(BIO, in_running=2)
DECIDED = (decided(1, MATERIALS), decided(2, MATERIALS, selected=False))


def open_(progress: dict, decisions=DECIDED, omit: tuple[notice.Omission, ...] = ()):
    return notice.decide(ListState("kczg-2022", "leading_tech"), notice.OpenNotice(n(1000), "leading_tech", omit),
                         notice.NoticeContext(NOW, CAMPAIGN, SEC, decisions, progress))


def refused(progress: dict, decisions=DECIDED, omit=()) -> DomainError:
    with pytest.raises(DomainError) as exc:
        open_(progress, decisions, omit)
    return exc.value


def test_a_target_without_results_refuses_the_notice_and_is_named():
    e = refused({MATERIALS: MATERIALS_DONE, BIO: BIO_WAITING})
    assert (e.code, e.http_status) == ("review_outstanding", 409)
    assert e.message == ("先导技术榜尚有评审未完成，不能开启公示：生物医药（初评结果尚未报送）。"
                         "待其完成后再开启；如确需先行公示，须逐项说明不等待的领域及原因。")
    assert e.errors == [{"domain": BIO, "name": "生物医药", "results_submitted": False, "undecided": []}]


def test_a_ranked_nomination_without_a_decision_refuses_the_notice_and_is_named():
    bio = TargetProgress(BIO, in_running=2, results_submitted=True, ranked=(n(3), n(4), n(5)),
                         withdrawn=frozenset({n(5)}))  # a withdrawn one is never decided: not waited for
    e = refused({MATERIALS: MATERIALS_DONE, BIO: bio}, decisions=(*DECIDED, decided(3, BIO)))
    assert e.code == "review_outstanding" and "生物医药（1 项已排名的推荐尚无终评决定）" in e.message
    assert e.errors == [{"domain": BIO, "name": "生物医药", "results_submitted": True, "undecided": [str(n(4))]}]


def test_a_target_with_nothing_in_the_running_is_not_waited_for():
    # Four of the six domains have no nomination under way (absent, or all screened out): not outstanding.
    (e,) = open_({MATERIALS: MATERIALS_DONE, BIO: TargetProgress(BIO, in_running=0)})
    assert e.nominations == (n(1),) and e.omitted == ()


def test_with_everything_decided_the_notice_opens_and_omits_nothing():
    bio = TargetProgress(BIO, in_running=1, results_submitted=True, ranked=(n(3),))
    (e,) = open_({MATERIALS: MATERIALS_DONE, BIO: bio}, decisions=(*DECIDED, decided(3, BIO)))
    assert e.nominations == (n(3), n(1)) and e.omitted == ()  # 生物医药 before 先进材料: the campaign's order


def test_the_secretariat_proceeds_without_a_named_target_with_its_reason_on_the_event():
    bio = TargetProgress(BIO, in_running=2, results_submitted=True, ranked=(n(3), n(4)))
    reason = " 生物医药领域初评延期，\r\n经主任办公会同意先行公示。 "
    (e,) = open_({MATERIALS: MATERIALS_DONE, BIO: bio}, decisions=(*DECIDED, decided(3, BIO)),
                 omit=(notice.Omission(BIO, reason),))
    # The omitted target's decided nomination 3 is not listed: the notice lists only what it waited for.
    assert e.nominations == (n(1),)
    assert e.omitted == (OmittedTarget(domain=BIO, reason="生物医药领域初评延期，\n经主任办公会同意先行公示。"),)


@pytest.mark.parametrize("omit, code, field", [
    ((notice.Omission(BIO, " \t"),), "reason_required", "omit[0].reason"),
    ((notice.Omission(BIO, "理" * 2001),), "reason_too_long", "omit[0].reason"),
    ((notice.Omission("quantum", "理由"),), "unknown_domain", "omit[0].domain"),
    ((notice.Omission(None, "理由"),), "unknown_domain", "omit[0].domain"),
    ((notice.Omission(MATERIALS, "理由"),), "target_not_outstanding", "omit[0].domain"),
    ((notice.Omission(BIO, "理由"), notice.Omission(BIO, "理由")), "duplicate_target", "omit[1].domain"),
])
def test_a_bad_omission_is_refused_naming_its_field(omit, code, field):
    e = refused({MATERIALS: MATERIALS_DONE, BIO: BIO_WAITING}, omit=omit)
    assert (e.code, e.field, e.http_status) == (code, field, 422)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in e.message)


def test_with_nothing_decided_the_refusal_still_names_what_is_outstanding():
    e = refused({BIO: BIO_WAITING}, decisions=())
    assert e.code == "decisions_missing"
    assert e.message == "先导技术榜尚无终评结果，不能开启公示。请先录入终评决定。尚未完成：生物医药（初评结果尚未报送）。"
    assert e.errors == [{"domain": BIO, "name": "生物医药", "results_submitted": False, "undecided": []}]


def test_omitting_the_only_decided_target_leaves_nothing_to_notice():
    materials = TargetProgress(MATERIALS, in_running=2, results_submitted=True, ranked=(n(1), n(2), n(6)))
    e = refused({MATERIALS: materials, BIO: BIO_WAITING}, omit=(notice.Omission(MATERIALS, "理由"),))
    assert e.code == "decisions_missing" and [x["domain"] for x in e.errors] == [BIO]


def test_a_list_without_domains_is_one_target():
    with pytest.raises(DomainError) as exc:
        notice.decide(ListState("kczg-2022", "emerging_enterprise"), notice.OpenNotice(n(1000), "emerging_enterprise"),
                      notice.NoticeContext(NOW, CAMPAIGN, SEC, (decided(1, None),),
                                           {None: TargetProgress(None, in_running=3)}))
    assert exc.value.code == "review_outstanding"
    assert exc.value.errors == [{"domain": None, "name": "新锐企业榜", "results_submitted": False, "undecided": []}]
