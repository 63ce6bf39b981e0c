"""What a listed entry may show after listing (上榜后公开), by the recommending unit's consent on the form.

Both sides read this: intake offers these fields on each form (`publish_fields`, default none: a listed entry
then shows only organisation names), publish copies the consented values into the release (PublishedEntry.shown).
Only organisation-level facts are publishable; no person's name or contact is ever offered.
`region` (所在地区) is the holder's province-level region, which the public search filters by.
"""

from __future__ import annotations

REGIONS: dict[str, str] = {
    "beijing": "北京", "tianjin": "天津", "hebei": "河北", "shanxi": "山西", "inner_mongolia": "内蒙古",
    "liaoning": "辽宁", "jilin": "吉林", "heilongjiang": "黑龙江", "shanghai": "上海", "jiangsu": "江苏",
    "zhejiang": "浙江", "anhui": "安徽", "fujian": "福建", "jiangxi": "江西", "shandong": "山东", "henan": "河南",
    "hubei": "湖北", "hunan": "湖南", "guangdong": "广东", "guangxi": "广西", "hainan": "海南", "chongqing": "重庆",
    "sichuan": "四川", "guizhou": "贵州", "yunnan": "云南", "tibet": "西藏", "shaanxi": "陕西", "gansu": "甘肃",
    "qinghai": "青海", "ningxia": "宁夏", "xinjiang": "新疆", "xpcc": "新疆生产建设兵团", "hong_kong": "香港",
    "macao": "澳门", "taiwan": "台湾",
}

# Per form (list code): the fields a unit may agree to publish, with their public labels, in display order.
PUBLISHABLE: dict[str, dict[str, str]] = {
    "leading_tech": {"summary": "技术简介", "key_innovations": "主要创新点", "application_summary": "应用情况"},
    "emerging_enterprise": {"core_technology": "核心技术", "founded_on": "成立日期", "rd_headcount": "研发人员数"},
    "integrated_innovation_org": {"summary": "组织简介", "member_count": "成员单位数",
                                  "collaboration_projects": "协同创新项目数"},
    "entrepreneurship_pioneer": {"ventures_founded": "创办企业数", "jobs_created": "带动就业人数"},
    "tech_manager_pioneer": {"transfers_brokered": "促成技术转移项目数"},
    "international_cooperation": {"summary": "合作简介", "partner_organisations": "外方合作单位"},
    "open_source": {"summary": "项目简介", "repository_url": "代码仓库地址", "contributors_count": "贡献者人数"},
}
MAX_SHOWN = 2000  # characters of one shown value (the longest publishable field)


def region_name(code: str | None) -> str | None:
    return REGIONS.get(code or "") if code else None
