"""Sample releases for the release-rendering tests: 2022 codes and names, deterministic ids."""

from __future__ import annotations

import uuid
from datetime import date

from contracts.codes import DOMAINS, LISTS
from services.publish.release.model import EntryTrace, ListRelease, Release, ReleaseEntry

CAMPAIGN = "kczg-2022"
TITLE = "2022年“科创中国”系列榜单"
RELEASED_ON = date(2023, 2, 20)
NASTY_TITLES = ('=HYPERLINK("http://x")', "<script>alert(1)</script>", "<b>粗体</b>不是标记",
                "+1 高速铁路", "-5 度冷链", "@SUM(A1)", "\t制表符开头", '含"引号",逗号\n与换行')


def uid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "kczg-test/" + "/".join(map(str, parts))))


def entry(list_code: str, domain: str | None, i: int, title: str | None = None) -> ReleaseEntry:
    unit = i // 3  # three per unit: ordered by recommending unit, as the lists print
    key = (list_code, domain, i)
    return ReleaseEntry(
        nomination_id=uid("nomination", *key),
        title=title or f"{DOMAINS.get(domain or '', LISTS[list_code])}关键技术第{i + 1}项：高可靠低功耗系统",
        domain=domain, domain_name=DOMAINS[domain] if domain else None,
        holder_org=f"某某科技股份有限公司第{i + 1}分公司", unit_id=f"unit-{unit:03d}", unit_name=f"中国某某学会{unit + 1}",
        trace=EntryTrace(nomination=(uid("submitted", *key),), quota=(uid("reserved", *key),),
                         screening=(uid("screened", *key),), prelim=(uid("scored", *key),),
                         decision=(uid("decided", *key),), notice=()))


def list_release(list_code: str, entries: list[ReleaseEntry], version: int = 1, reason: str | None = None,
                 released_on: date = RELEASED_ON) -> ListRelease:
    return ListRelease(campaign=CAMPAIGN, campaign_title=TITLE, list_code=list_code, list_name=LISTS[list_code],
                       version=version, reason=reason, released_on=released_on,
                       event_id=uid("published", list_code, version), entries=tuple(entries))


def sample_release() -> Release:
    """Small: 先导技术榜 in two domains (one with the nasty titles), 新锐企业榜 in a second version."""
    lead = [entry("leading_tech", "electronic_info", i) for i in range(4)]
    lead += [entry("leading_tech", "biomedicine", i, t) for i, t in enumerate(NASTY_TITLES)]
    emerging = [entry("emerging_enterprise", None, i) for i in range(3)]
    return Release(CAMPAIGN, TITLE, (
        list_release("leading_tech", lead),
        list_release("emerging_enterprise", emerging, version=2, reason="更正一家企业的名称",
                     released_on=date(2023, 3, 1)),
    ))


def scaled_release(total: int) -> Release:
    """About `total` entries: 60 % 先导技术榜 over its six domains, the rest over the other four lists."""
    lead, domains = total * 6 // 10, list(DOMAINS)
    lists = [list_release("leading_tech", [entry("leading_tech", d, i)
                                           for k, d in enumerate(domains)
                                           for i in range(lead // 6 + (k < lead % 6))])]
    others = ["emerging_enterprise", "integrated_innovation_org", "entrepreneurship_pioneer", "tech_manager_pioneer"]
    rest = total - lead
    for k, code in enumerate(others):
        lists.append(list_release(code, [entry(code, None, i) for i in range(rest // 4 + (k < rest % 4))]))
    return Release(CAMPAIGN, TITLE, tuple(lists))
