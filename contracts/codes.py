"""Stable English codes of the lists, domains and channels, with their Chinese display names, and
the string types campaign codes and names are written in.

Codes never change once events carry them; names are display text only.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

# A machine code inside a campaign definition (list, domain, channel, body, criterion).
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
# A display name: an organisation's or a list's, never a contact person's.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

LISTS: dict[str, str] = {
    "leading_tech": "先导技术榜",
    "emerging_enterprise": "新锐企业榜",
    "integrated_innovation_org": "融通创新组织榜",
    "entrepreneurship_pioneer": "创业就业先锋榜",
    "tech_manager_pioneer": "技术经理人先锋榜",
    "international_cooperation": "国际创新合作榜",
    "open_source": "开源创新榜",
}

DOMAINS: dict[str, str] = {
    "electronic_info": "电子信息",
    "biomedicine": "生物医药",
    "equipment_manufacturing": "装备制造",
    "advanced_materials": "先进材料",
    "green_low_carbon": "绿色低碳",
    "industrial_foundation": "产业基础",
}

CHANNELS: dict[str, str] = {
    "national_society": "全国学会、协会、研究会",
    "provincial_cast": "省、自治区、直辖市科协",
    "xpcc_cast": "新疆生产建设兵团科协",
    "pilot_city_park": "“科创中国”试点城市（园区）",
    "central_enterprise_cast": "中央企业科协",
    "consortium_member": "“科创中国”联合体成员单位",
    "other_unit": "其他有关单位",
}

# Special (专项) domains of 先导技术榜; the rest are industry domains (产业领域).
SPECIAL_DOMAINS: frozenset[str] = frozenset({"industrial_foundation"})

# Review bodies of the 2022 call (organisations only, never contact people).
REVIEW_BODIES: dict[str, str] = {
    "cast_info_tech_consortium": "中国科协信息科技学会联合体",
    "cast_life_science_consortium": "中国科协生命科学学会联合体",
    "cast_intelligent_mfg_consortium": "中国科协智能制造学会联合体",
    "cast_advanced_materials_consortium": "中国科协先进材料学会联合体",
    "cast_eco_env_consortium": "中国科协生态环境产学联合体",
    "cast_clean_energy_consortium": "中国科协清洁能源学会联合体",
    "kczg_secretariat": "“科创中国”联合体秘书处",
    "great_wall_strategy_institute": "北京市长城企业战略研究所",
    "tech_economics_society": "中国技术经济学会",
    "ittn": "国际技术转移协作网络",
    "cistc": "中国国际科技交流中心",
    "kczg_open_source_consortium": "“科创中国”开源创新联合体",
}

SECRETARIAT: str = "“科创中国”联合体秘书处"
