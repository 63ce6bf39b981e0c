"""The 2022 campaign file against the notice 科协办函创字〔2022〕91号.

Every expected value below was written by reading the notice, not the campaign file.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from contracts import codes
from contracts.campaign import (Campaign, DomainNotAllowed, DomainRequired, UnknownDomain, UnknownList,
                                load_builtin_campaign, load_campaign)

CAMPAIGNS = Path(__file__).resolve().parents[2] / "contracts" / "campaigns"
FILE_2022 = CAMPAIGNS / "kczg-2022.yaml"
BJ = timezone(timedelta(hours=8))

# 一、榜单设置: seven lists
LIST_NAMES = ["先导技术榜", "新锐企业榜", "融通创新组织榜", "创业就业先锋榜", "技术经理人先锋榜",
              "国际创新合作榜", "开源创新榜"]
# “5+1”: five industry domains and one special domain
INDUSTRY_DOMAINS = ["电子信息", "生物医药", "装备制造", "先进材料", "绿色低碳"]
SPECIAL_DOMAINS = ["产业基础"]
# 二（一）推荐渠道
CHANNEL_NAMES = ["全国学会、协会、研究会", "省、自治区、直辖市科协", "新疆生产建设兵团科协",
                 "“科创中国”试点城市（园区）", "中央企业科协", "“科创中国”联合体成员单位", "其他有关单位"]
# 二（二）推荐名额, per recommending unit
QUOTAS = {"先导技术榜": 3, "新锐企业榜": 5, "融通创新组织榜": 2, "创业就业先锋榜": 2, "技术经理人先锋榜": 2}
SEPARATE = ["国际创新合作榜", "开源创新榜"]  # 已另行组织
# 五（一）初评机构 (评审机构 for the two separate lists)
LEADING_BODIES = {
    "电子信息": ["中国科协信息科技学会联合体"],
    "生物医药": ["中国科协生命科学学会联合体"],
    "装备制造": ["中国科协智能制造学会联合体"],
    "产业基础": ["中国科协智能制造学会联合体"],
    "先进材料": ["中国科协先进材料学会联合体"],
    "绿色低碳": ["中国科协生态环境产学联合体", "中国科协清洁能源学会联合体"],
}
LIST_BODIES = {
    "新锐企业榜": "“科创中国”联合体秘书处",
    "融通创新组织榜": "北京市长城企业战略研究所",
    "创业就业先锋榜": "中国技术经济学会",
    "技术经理人先锋榜": "国际技术转移协作网络",
    "国际创新合作榜": "中国国际科技交流中心",
    "开源创新榜": "“科创中国”开源创新联合体",
}
SECRETARIAT = "“科创中国”联合体秘书处"

# SHA-256 of the contact people the notice names, so this repository does not spell them out either.
CONTACT_NAME_HASHES = {
    "180f8387f4a13feae2027be0360202f9879f3c804b2e441a0aa264633ec0d2b1",
    "f598cfd34914b2337274d600148d4441a80e70151cf8d359ded4404cfbba07aa",
    "e4551da7a58a0529c42bd88ca75601f5fe13500ea4f19e935deda64b948489eb",
    "a19fd58830468219525d6c9b842e3249063f5fa8094bde7d1cf5b059a76fdc34",
    "f67b7c0fb5106475a9b39a06fca86b5b8a099b3b89982a0dfc6a373b9b076f2a",
    "6e9c21fae0104dfcc99fee21fe7c99d73dfc2df57edeb576699ad9900249f221",
    "dcb01053f592d8c343923c538256cc9e5e3bb072ca04a7a80a59b2b47805f064",
    "be1ffd0ac1b9a0101905fbe3a69479649cb77eddb249549f8b80838c0224f5b6",
    "db2fcf5fd090b2b74365393eebd9ae4a5b88c92ca512ecd8d4632e9e11c648b2",
    "d67879cd09c6e62b0766febb96498f71d68801cae58a388ffe01b43cdf337263",
    "cdc1e6898d491cd3ef8516d18b0c513ba99644ef7b673e66dfed8d5e8fb3133d",
    "88d453a9383800be32452bd0d9d453a02ada6fe9e60fc33e33c54a0aeb3342ec",
    "7df1bb410611dcde7395cab6848716867d2b42451c2c8410c0e2626e4acc1f5e",
    "945087daa521a476a46f998c560dc196cce3269cbb2a9e39e04288ddc25bbe0d",
}
SEED_NAME = "000_fb583755716e2dea.txt"  # the notice as published, in the shared/ folder beside the clone
ROOT = CAMPAIGNS.parents[1]


def seed_dirs() -> list[Path]:
    """../shared/seed/ from the repository root; for a git worktree also beside its main checkout (the
    worktree's .git file names <main>/.git/worktrees/<name>)."""
    dirs = [ROOT.parent / "shared" / "seed"]
    git = ROOT / ".git"
    if git.is_file():
        gitdir = Path(git.read_text(encoding="utf-8").split("gitdir:", 1)[1].strip())
        dirs.append(gitdir.parents[2].parent / "shared" / "seed")
    return dirs


def seed_notice() -> str:
    for folder in seed_dirs():
        if (folder / SEED_NAME).is_file():
            return (folder / SEED_NAME).read_text(encoding="utf-8")
    pytest.fail(f"the notice {SEED_NAME} is not in {' nor '.join(map(str, seed_dirs()))}: "
                "put a copy of shared/ beside the clone", pytrace=False)


@pytest.fixture(scope="module")
def c() -> Campaign:
    return load_campaign(FILE_2022)


def code_of(c: Campaign, name: str) -> str:
    return next(lst.code for lst in c.lists if lst.name == name)


def leading(c: Campaign):
    return c.ranking_list(code_of(c, "先导技术榜"))


def domain_code(c: Campaign, name: str) -> str:
    return next(d.code for d in leading(c).domains if d.name == name)


def test_identity(c):
    assert c.code == "kczg-2022"
    assert c.timezone == "Asia/Shanghai"
    assert c.source_notice == "科协办函创字〔2022〕91号"
    assert c.platform == "ranking.kczg.cloud"
    assert "2022" in c.title and "科创中国" in c.title
    assert load_builtin_campaign("kczg-2022") == c


def test_seven_lists_in_notice_order(c):
    assert [lst.name for lst in c.lists] == LIST_NAMES


def test_codes_are_the_stable_vocabulary(c):
    assert {lst.code: lst.name for lst in c.lists} == codes.LISTS
    assert {d.code: d.name for d in leading(c).domains} == codes.DOMAINS
    assert {ch.code: ch.name for ch in c.channels} == codes.CHANNELS
    assert {b.code: b.name for b in c.bodies} == codes.REVIEW_BODIES


def test_leading_tech_is_five_plus_one(c):
    lst = leading(c)
    assert [d.name for d in lst.domains if d.kind == "industry"] == INDUSTRY_DOMAINS
    assert [d.name for d in lst.domains if d.kind == "special"] == SPECIAL_DOMAINS
    assert len(lst.domains) == 6
    for name in LIST_NAMES[1:]:
        assert c.ranking_list(code_of(c, name)).domains == ()


def test_seven_channels(c):
    assert [ch.name for ch in c.channels] == CHANNEL_NAMES


def test_base_quotas(c):
    for name, quota in QUOTAS.items():
        assert c.base_quota(code_of(c, name)) == quota, name
    assert leading(c).quota_scope == "per_domain"
    for name in SEPARATE:
        lst = c.ranking_list(code_of(c, name))
        assert lst.separately_organised and lst.quota_scope == "none"
        assert c.base_quota(lst.code) is None
    for name in QUOTAS:
        assert not c.ranking_list(code_of(c, name)).separately_organised


def test_quotas_stack_over_channels(c):
    assert c.rules.quota_stacking == "add"
    two = ["national_society", "provincial_cast"]
    for d in INDUSTRY_DOMAINS + SPECIAL_DOMAINS:
        assert c.quota_limit("leading_tech", domain_code(c, d), two) == 6
    assert c.quota_limit(code_of(c, "新锐企业榜"), None, two) == 10
    assert c.quota_limit(code_of(c, "融通创新组织榜"), None, two) == 4
    assert c.quota_limit(code_of(c, "创业就业先锋榜"), None, two) == 4
    assert c.quota_limit(code_of(c, "技术经理人先锋榜"), None, two) == 4
    all_seven = [ch.code for ch in c.channels]
    assert c.quota_limit(code_of(c, "新锐企业榜"), None, all_seven) == 35
    # one channel: the base; a repeated or unknown channel adds nothing; no channel: nothing
    assert c.quota_limit("leading_tech", domain_code(c, "电子信息"), ["xpcc_cast"]) == 3
    assert c.quota_limit(code_of(c, "新锐企业榜"), None, ["xpcc_cast", "xpcc_cast", "nope"]) == 5
    assert c.quota_limit(code_of(c, "新锐企业榜"), None, []) == 0
    for name in SEPARATE:
        assert c.quota_limit(code_of(c, name), None, two) is None


def test_submission_deadline_is_end_of_oct_31_beijing(c):
    assert c.timeline.submission_closes_at == datetime(2022, 11, 1, 0, 0, 0, tzinfo=BJ)
    assert c.submissions_open(datetime(2022, 10, 31, 23, 59, 59, tzinfo=BJ))
    assert c.submissions_open(datetime(2022, 10, 31, 23, 59, 59, 999999, tzinfo=BJ))
    assert not c.submissions_open(datetime(2022, 11, 1, 0, 0, 0, tzinfo=BJ))
    # the same instants in UTC
    assert c.submissions_open(datetime(2022, 10, 31, 15, 59, 59, tzinfo=timezone.utc))
    assert not c.submissions_open(datetime(2022, 10, 31, 16, 0, 0, tzinfo=timezone.utc))
    assert c.timeline.collection_opens_at == datetime(2022, 9, 1, tzinfo=BJ)  # 2022年9月


def test_later_stages(c):
    t = c.timeline
    assert t.prelim_due_at == datetime(2022, 12, 1, tzinfo=BJ)  # results by 2022-11-30 (inclusive)
    assert not c.prelim_late(datetime(2022, 11, 30, 23, 59, 59, tzinfo=BJ))
    assert c.prelim_late(datetime(2022, 12, 1, 0, 0, 0, tzinfo=BJ))
    assert (t.final_review_opens_at, t.final_review_closes_at) == (datetime(2022, 12, 1, tzinfo=BJ),
                                                                   datetime(2023, 1, 1, tzinfo=BJ))
    assert (t.release_planned_from, t.release_planned_until) == (datetime(2023, 1, 1, tzinfo=BJ),
                                                                 datetime(2023, 2, 1, tzinfo=BJ))
    assert (t.publicity_opens_at, t.publicity_closes_at) == (datetime(2022, 9, 1, tzinfo=BJ),
                                                             datetime(2023, 5, 1, tzinfo=BJ))
    assert c.phase_at(datetime(2022, 10, 1, tzinfo=BJ)) == "collection"
    assert c.phase_at(datetime(2022, 11, 15, tzinfo=BJ)) == "preliminary_review"
    assert c.phase_at(datetime(2022, 12, 15, tzinfo=BJ)) == "final_review"
    assert c.phase_at(datetime(2023, 1, 15, tzinfo=BJ)) == "release"


def test_leading_tech_review_bodies(c):
    for domain, bodies in LEADING_BODIES.items():
        found = c.review_bodies("leading_tech", domain_code(c, domain))
        assert [b.name for b in found] == bodies, domain
        assert all(b.kind == "preliminary" for b in found)


def test_list_review_bodies(c):
    for name, body in LIST_BODIES.items():
        found = c.review_bodies(code_of(c, name), None)
        assert [b.name for b in found] == [body], name
    for name in SEPARATE:
        lst = c.ranking_list(code_of(c, name))
        assert lst.review_stage == "single_stage"
        assert [b.kind for b in c.review_bodies(lst.code, None)] == ["single_stage"]
    for name in QUOTAS:
        assert c.ranking_list(code_of(c, name)).review_stage == "two_stage"
    assert len(c.bodies) == 12  # eleven entries in the notice, 绿色低碳 naming two bodies


def test_secretariat_is_final_reviewer(c):
    assert c.secretariat == SECRETARIAT


def test_rules_for_2022(c):
    assert c.rules.previously_listed_not_renominable is False  # introduced by the 2023 call
    elig = c.eligibility("emerging_enterprise")
    assert elig is not None and elig.basis == "modelled_default"
    assert all(e.basis == "modelled_default" for e in c.rules.eligibility)
    assert c.review.basis == "modelled_default"


def test_targets(c):
    c.check_target("leading_tech", "biomedicine")
    c.check_target("emerging_enterprise", None)
    with pytest.raises(UnknownList) as e:
        c.check_target("best_list", None)
    assert e.value.code == "unknown_list"
    with pytest.raises(UnknownDomain) as e:
        c.check_target("leading_tech", "space")
    assert e.value.code == "unknown_domain"
    with pytest.raises(DomainRequired) as e:
        c.check_target("leading_tech", None)
    assert e.value.code == "domain_required"
    with pytest.raises(DomainNotAllowed) as e:
        c.check_target("emerging_enterprise", "biomedicine")
    assert e.value.code == "domain_not_allowed"
    with pytest.raises(UnknownDomain):
        c.quota_limit("leading_tech", "space", ["national_society"])


@pytest.mark.parametrize("path", sorted(CAMPAIGNS.glob("*.yaml")), ids=lambda p: p.name)
def test_no_personal_details(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\d{3,4}-\s*\d{6,8}", text), "landline number"
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text), "mobile number"
    assert not re.search(r"\d{7,}", text), "long digit run"
    assert "联系人" not in text.replace(" ", "")
    grams = {text[i:i + n] for n in (2, 3) for i in range(len(text) - n + 1)}
    hashes = {hashlib.sha256(g.encode()).hexdigest() for g in grams}
    assert not hashes & CONTACT_NAME_HASHES, "a contact person's name from the notice"


def test_no_contact_names_from_the_notice_itself():
    notice = seed_notice()
    found = set(re.findall(r"联 系 人：\s*([\u4e00-\u9fff]{2,3})\s*$", notice, re.M))
    found |= set(re.findall(r"秘书处\s+([\u4e00-\u9fff]{2,3})\s+([\u4e00-\u9fff]{2,3})", notice)[0])
    found |= set(re.findall(r"创新部\s+([\u4e00-\u9fff]{2,3})", notice))
    assert {hashlib.sha256(n.encode()).hexdigest() for n in found} == CONTACT_NAME_HASHES
    text = FILE_2022.read_text(encoding="utf-8")
    assert not [n for n in found if n in text]
