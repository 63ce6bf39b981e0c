"""Cross-field consistency of a campaign: each problem is (location path, Chinese-first reason).

Pure functions on an already type-checked campaign; the location paths let the loader point at
the offending line of the campaign file. They read the campaign through `CampaignParts` (what
model.Campaign has), so this module needs only the parts and model.py can call it from its validator
without an import cycle.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any, Protocol

from contracts.campaign.parts import Channel, RankingList, ReviewBody, ReviewDefaults, Rules, Timeline
from contracts.review_terms import weight_problem

Loc = tuple[Any, ...]
ProblemList = list[tuple[Loc, str]]


class CampaignParts(Protocol):
    @property
    def lists(self) -> tuple[RankingList, ...]: ...
    @property
    def channels(self) -> tuple[Channel, ...]: ...
    @property
    def bodies(self) -> tuple[ReviewBody, ...]: ...
    @property
    def timeline(self) -> Timeline: ...
    @property
    def rules(self) -> Rules: ...
    @property
    def review(self) -> ReviewDefaults: ...


def dotted(loc: Iterable[Any]) -> str:
    """A location path as the field name a person reads: lists[0].domains[1].code."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out

# Each step must come strictly after the previous one; "touch" pairs may share the boundary instant.
_ORDER = (
    ("collection_opens_at", "submission_closes_at", False, "征集开始须早于申报截止"),
    ("submission_closes_at", "prelim_due_at", False, "申报截止须早于初评结果报送截止"),
    ("prelim_due_at", "final_review_opens_at", True, "终评开始不能早于初评结果报送截止（阶段重叠）"),
    ("final_review_opens_at", "final_review_closes_at", False, "终评开始须早于终评结束"),
    ("final_review_closes_at", "release_planned_from", True, "发布不能早于终评结束（阶段重叠）"),
    ("release_planned_from", "release_planned_until", False, "发布窗口开始须早于结束"),
    ("publicity_opens_at", "publicity_closes_at", False, "宣传推广开始须早于结束"),
    # The public notice (公示) follows the first final decisions and ends before the release.
    ("final_review_opens_at", "notice_opens_at", True, "公示不能早于终评开始"),
    ("notice_opens_at", "notice_closes_at", False, "公示开始须早于结束"),
    ("notice_closes_at", "release_planned_from", True, "发布不能早于公示结束（阶段重叠）"),
)


def timeline_problems(t: Timeline, notice_min_days: int = 7) -> ProblemList:
    out: ProblemList = []
    for first, second, may_touch, reason in _ORDER:
        a, b = getattr(t, first), getattr(t, second)
        if a is None or b is None:  # an optional window not set: nothing to order
            continue
        if b < a or (b == a and not may_touch):
            out.append((("timeline", second), f"{reason}（{second} is out of order with {first}）"))
    opens, closes = t.notice_opens_at, t.notice_closes_at
    if (opens is None) != (closes is None):
        missing = "notice_closes_at" if closes is None else "notice_opens_at"
        out.append((("timeline", missing), "公示须同时给出开始和结束（notice window needs both ends）"))
    elif opens is not None and closes is not None and opens < closes < opens + timedelta(days=notice_min_days):
        out.append((("timeline", "notice_closes_at"),
                    f"公示期不少于{notice_min_days}天（notice shorter than {notice_min_days} days）"))
    return out


def _duplicates(codes: Iterable[str], loc_of: Any, what: str) -> ProblemList:
    seen: set[str] = set()
    out: ProblemList = []
    for i, code in enumerate(codes):
        if code in seen:
            out.append((loc_of(i), f"重复的{what}代码：{code}（duplicate code）"))
        seen.add(code)
    return out


def _list_problems(c: CampaignParts) -> ProblemList:
    out: ProblemList = []
    channel_codes = {ch.code for ch in c.channels}
    for i, lst in enumerate(c.lists):
        at = ("lists", i)
        out += _duplicates((d.code for d in lst.domains), lambda j, at=at: (*at, "domains", j, "code"), "领域")
        if (lst.quota_scope == "none") != (lst.quota_per_unit is None):
            out.append(((*at, "quota_scope"), "quota_scope 为 none 当且仅当没有推荐名额（quota_per_unit 为空）"))
        if lst.quota_scope == "per_domain" and not lst.domains:
            out.append(((*at, "quota_scope"), "按领域计名额的榜单须设领域（per_domain needs domains）"))
        if lst.separately_organised and lst.quota_per_unit is not None:
            out.append(((*at, "quota_per_unit"), "另行组织的榜单不设渠道推荐名额（separately organised: no quota）"))
        if lst.separately_organised and lst.channels:
            out.append(((*at, "channels"), "另行组织的榜单不经推荐渠道（separately organised: no channels）"))
        for k, ch in enumerate(lst.channels or ()):
            if ch not in channel_codes:
                out.append(((*at, "channels", k), f"未知的推荐渠道：{ch}（unknown channel code）"))
    return out


def _body_problems(c: CampaignParts) -> ProblemList:
    out: ProblemList = []
    by_code = {lst.code: lst for lst in c.lists}
    for i, body in enumerate(c.bodies):
        out += _duplicates((f"{a.list_code}/{a.domain}" for a in body.lists),
                           lambda j, i=i: ("bodies", i, "lists", j), "评审对象")
        for j, (list_code, domain) in enumerate(body.lists):
            at = ("bodies", i, "lists", j)
            lst = by_code.get(list_code)
            if lst is None:
                out.append(((*at, "list_code"), f"未知的榜单：{list_code}（unknown list code）"))
                continue
            if lst.domains and domain is None:
                out.append(((*at, "domain"), f"{lst.name}分领域，须指定领域（domain required）"))
            elif not lst.domains and domain is not None:
                out.append(((*at, "domain"), f"{lst.name}不分领域（domain not allowed）"))
            elif domain is not None and lst.domain(domain) is None:
                out.append(((*at, "domain"), f"{lst.name}没有领域：{domain}（unknown domain）"))
            want = "single_stage" if lst.review_stage == "single_stage" else "preliminary"
            if body.kind != want:
                out.append((("bodies", i, "kind"), f"{lst.name}的评审机构类型须为 {want}（kind mismatch）"))
    return out


def _coverage_problems(c: CampaignParts) -> ProblemList:
    """Every domain (or domainless list) needs at least one review body."""
    covered = {(a.list_code, a.domain) for b in c.bodies for a in b.lists}
    out: ProblemList = []
    for i, lst in enumerate(c.lists):
        if not lst.domains and (lst.code, None) not in covered:
            out.append((("lists", i, "code"), f"{lst.name}没有评审机构（list without review body）"))
        for j, d in enumerate(lst.domains):
            if (lst.code, d.code) not in covered:
                out.append((("lists", i, "domains", j, "code"),
                            f"{lst.name}·{d.name}没有评审机构（domain without review body）"))
    return out


def _rules_problems(c: CampaignParts) -> ProblemList:
    out: ProblemList = []
    list_codes = {lst.code for lst in c.lists}
    elig = c.rules.eligibility
    out += _duplicates((e.list_code for e in elig), lambda j: ("rules", "eligibility", j, "list_code"), "资格条件")
    for j, e in enumerate(elig):
        at = ("rules", "eligibility", j)
        if e.list_code not in list_codes:
            out.append(((*at, "list_code"), f"未知的榜单：{e.list_code}（unknown list code）"))
        if e.founded_on_or_after and e.founded_on_or_before and e.founded_on_or_after > e.founded_on_or_before:
            out.append(((*at, "founded_on_or_before"), "成立日期窗口的结束早于开始（window out of order）"))
    if c.rules.previously_listed_not_renominable and not c.rules.previously_listed_reason.strip():
        out.append((("rules", "previously_listed_reason"), "须说明往届上榜不再推荐的规则依据（reason required）"))
    for name in ("quorum", "approval"):
        share = getattr(c.rules.final_vote, name)
        if share.numerator > share.denominator:
            out.append((("rules", "final_vote", name), "比例不能超过 1（a share cannot exceed 1）"))
    return out + _review_problems(c.review)


def _review_problems(r: ReviewDefaults) -> ProblemList:
    out: ProblemList = []
    out += _duplicates((k.code for k in r.criteria), lambda j: ("review", "criteria", j, "code"), "评价指标")
    if r.criteria and sum(k.weight for k in r.criteria) != 100:
        out.append((("review", "criteria"), weight_problem(r.criteria) or ""))
    if r.score_min >= r.score_max:
        out.append((("review", "score_max"), "评分上限须大于下限（score_max must exceed score_min）"))
    elif not 0 < r.divergence_threshold <= r.score_max - r.score_min:
        out.append((("review", "divergence_threshold"),
                    "分歧阈值须大于 0 且不超过评分区间（threshold outside the score range）"))
    if len(set(r.tie_break)) != len(r.tie_break):
        out.append((("review", "tie_break"), "并列规则重复（duplicate tie-break rule）"))
    return out


def campaign_problems(c: CampaignParts) -> ProblemList:
    out: ProblemList = []
    out += _duplicates((lst.code for lst in c.lists), lambda i: ("lists", i, "code"), "榜单")
    out += _duplicates((ch.code for ch in c.channels), lambda i: ("channels", i, "code"), "推荐渠道")
    out += _duplicates((b.code for b in c.bodies), lambda i: ("bodies", i, "code"), "评审机构")
    out += _list_problems(c)
    out += _body_problems(c)
    out += _coverage_problems(c)
    out += _rules_problems(c)
    out += timeline_problems(c.timeline, c.rules.public_notice_min_days)
    return out
