"""Automatic conflicts of interest: same organisation or declared relation, by credit code or by name."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.errors import DomainError
from services.review.domain.conflicts import (
    DECLARED_REASONS, ConflictReason, ExpertProfile, NominationParties, Organisation, conflict_pairs,
    credit_key, declare_conflict, find_conflicts, name_key, same_organisation,
)

TSINGHUA = Organisation("清华大学", "12100000400000624D")
ZJU = Organisation("浙江大学", "12100000470095016Q")
HUAWEI = Organisation("华为技术有限公司", "914403001922038216")
CAST_BJ = Organisation("北京市科学技术协会")

NOMINATION = NominationParties(
    "n1", recommending_unit=CAST_BJ, holder=HUAWEI,
    completing_units=(Organisation("清华大学"), Organisation("中国科学院计算技术研究所")),
)


def expert(affiliation: Organisation, *declared: Organisation, expert_id: str = "e1") -> ExpertProfile:
    return ExpertProfile(expert_id, "张三", affiliation, declared)


# --- organisation identity ----------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [
    ("北京市科学技术协会", "北京市科学技术协会 "),
    ("中国科学院（计算技术研究所）", "中国科学院(计算技术研究所)"),   # full-width and half-width brackets
    ("ＡＢＣ科技有限公司", "abc科技有限公司"),                     # full-width letters, any case
    ("“科创中国”联合体秘书处", "科创中国联合体秘书处"),              # quotation marks are noise
    ("中 国 科 学 院", "中国科学院"),                              # spaces, including the full-width one
    ("中国科学院\u3000大学", "中国科学院大学"),
])
def test_names_match_after_normalisation(a: str, b: str) -> None:
    assert same_organisation(Organisation(a), Organisation(b)) == "name"


@pytest.mark.parametrize("a, b", [
    ("华为技术有限公司", "华为技术股份有限公司"),   # different legal forms: not stripped
    ("华为技术有限公司", "华为技术"),
    ("中国科学院", "中国科学院大学"),
    ("北京大学", "北京大学第一医院"),
])
def test_different_names_stay_different(a: str, b: str) -> None:
    assert same_organisation(Organisation(a), Organisation(b)) is None


def test_credit_codes_compare_in_any_case_and_width() -> None:
    lower = Organisation("华为", "914403001922038216".lower())
    wide = Organisation("华为技术", "９１４４０３００１９２２０３８２１６")
    spaced = Organisation("另一个名字", " 9144 0300 1922 0382 16 ")
    assert same_organisation(HUAWEI, lower) == same_organisation(HUAWEI, wide) == "credit_code"
    assert same_organisation(wide, spaced) == "credit_code"
    assert credit_key(" 91440300-1922038216 ") == "914403001922038216"
    assert credit_key("  ") is None and credit_key(None) is None


def test_codes_decide_when_both_sides_have_one() -> None:
    # Same name, different codes: two organisations (e.g. two branches registered apart).
    assert same_organisation(Organisation("清华大学", "12100000400000624D"),
                             Organisation("清华大学", "12100000400000999X")) is None
    # One side without a code: the name decides.
    assert same_organisation(TSINGHUA, Organisation("清华 大学")) == "name"


def test_an_empty_or_punctuation_only_name_matches_nothing() -> None:
    assert name_key("（）—— ") == ""
    assert same_organisation(Organisation(""), Organisation("")) is None
    assert same_organisation(Organisation("——"), Organisation("（）")) is None


# --- reasons ------------------------------------------------------------------------------------


def test_an_expert_of_the_recommending_unit_is_conflicted() -> None:
    reasons = find_conflicts(expert(Organisation("北京市科学技术协会")), NOMINATION)
    assert reasons == (ConflictReason("same_organisation", "recommending_unit", CAST_BJ, "name"),)
    assert reasons[0].message == "专家所在单位即本推荐对象的推荐单位（北京市科学技术协会）"


def test_an_expert_of_the_holder_is_conflicted_by_code_whatever_the_name() -> None:
    reasons = find_conflicts(expert(Organisation("华为", "914403001922038216")), NOMINATION)
    assert reasons == (ConflictReason("same_organisation", "holder", HUAWEI, "credit_code"),)


def test_an_expert_of_a_completing_unit_is_conflicted() -> None:
    reasons = find_conflicts(expert(TSINGHUA), NOMINATION)
    assert [(r.code, r.role, r.organisation.name, r.matched_by) for r in reasons] == [
        ("same_organisation", "completing_unit", "清华大学", "name")]
    assert "完成单位（清华大学）" in reasons[0].message


def test_a_declared_relation_counts_too() -> None:
    reasons = find_conflicts(expert(ZJU, Organisation("中国科学院计算技术研究所"), Organisation("无关单位")),
                             NOMINATION)
    assert [(r.code, r.role) for r in reasons] == [("declared_relation", "completing_unit")]
    assert reasons[0].message == "专家声明与本推荐对象的完成单位（中国科学院计算技术研究所）存在关联"


def test_every_reason_is_given_own_affiliation_first() -> None:
    nomination = NominationParties("n2", recommending_unit=TSINGHUA, holder=TSINGHUA, completing_units=(HUAWEI,))
    reasons = find_conflicts(expert(TSINGHUA, Organisation("华为技术有限公司")), nomination)
    assert [(r.code, r.role) for r in reasons] == [
        ("same_organisation", "recommending_unit"), ("same_organisation", "holder"),
        ("declared_relation", "completing_unit")]


def test_an_unrelated_expert_is_free_and_a_missing_holder_is_no_party() -> None:
    assert find_conflicts(expert(ZJU), NOMINATION) == ()
    person_list = NominationParties("n3", recommending_unit=CAST_BJ)
    assert find_conflicts(expert(ZJU), person_list) == ()


# --- many at once -------------------------------------------------------------------------------


def test_conflict_pairs_finds_every_pair_in_order() -> None:
    experts = [expert(ZJU, expert_id="e3"), expert(TSINGHUA, expert_id="e2"),
               expert(Organisation("ＨＵＡＷＥＩ"), Organisation("北京市科学技术协会"), expert_id="e1")]
    nominations = [NOMINATION, NominationParties("n0", recommending_unit=ZJU)]
    pairs = conflict_pairs(experts, nominations)
    assert list(pairs) == [("e1", "n1"), ("e2", "n1"), ("e3", "n0")]
    assert pairs[("e1", "n1")][0].code == "declared_relation"


ORG_NAMES = ["清华大学", "浙江大学", "华为技术有限公司", "北京市科学技术协会", "中国科学院", "ＡＢＣ科技", "abc 科技"]
CODES = [None, None, "12100000400000624D", "12100000400000624d", "914403001922038216"]


@st.composite
def organisations(draw) -> Organisation:
    return Organisation(draw(st.sampled_from(ORG_NAMES)), draw(st.sampled_from(CODES)))


@settings(max_examples=100, deadline=None)
@given(st.lists(organisations(), min_size=1, max_size=12), st.lists(organisations(), min_size=1, max_size=12),
       st.randoms(use_true_random=False))
def test_conflict_pairs_agrees_with_asking_every_pair(orgs_e, orgs_n, rng: random.Random) -> None:
    experts = [ExpertProfile(f"e{i}", "专家", org, tuple(rng.sample(orgs_n, rng.randint(0, 1))))
               for i, org in enumerate(orgs_e)]
    nominations = [NominationParties(f"n{i}", org, rng.choice([None, *orgs_e]), tuple(rng.sample(orgs_n, 1)))
                   for i, org in enumerate(orgs_n)]
    brute = {(e.expert_id, n.nomination_id): r for e in experts for n in nominations if (r := find_conflicts(e, n))}
    assert conflict_pairs(experts, nominations) == dict(sorted(brute.items()))


# --- declared reasons ---------------------------------------------------------------------------


def test_declared_reason_codes_and_their_names() -> None:
    assert DECLARED_REASONS == {"same_organisation": "同单位", "collaboration": "合作关系", "relative": "亲属",
                                "interest": "利益相关", "other": "其他"}
    declared = declare_conflict("e1", "n1", "relative")
    assert (declared.reason, declared.display_name) == ("relative", "亲属")


def test_an_unknown_reason_or_other_without_a_note_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        declare_conflict("e1", "n1", "friendship")
    assert refused.value.code == "conflict_reason_unknown" and "合作关系（collaboration）" in refused.value.message
    with pytest.raises(DomainError) as refused:
        declare_conflict("e1", "n1", "other", "  ")
    assert refused.value.code == "conflict_note_required"
    assert declare_conflict("e1", "n1", "other", " 曾为其顾问 ").note == "曾为其顾问"
