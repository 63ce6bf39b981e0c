"""Example forms, one per list: the OpenAPI examples, and what the simulator and tests start from."""

from __future__ import annotations

import copy
from typing import Any

EXAMPLE_CREDIT_CODE = "91350100M000100Y43"

EXAMPLE_FORMS: dict[str, dict[str, Any]] = {
    "leading_tech": {
        "list_code": "leading_tech",
        "domain": "advanced_materials",
        "technology_name": "高性能碳纤维低成本制备技术",
        "completing_units": ["某材料研究院", "某碳纤维股份有限公司"],
        "key_people": [{"name": "张三", "organisation": "某材料研究院", "role": "技术总负责"}],
        "summary": "突破大丝束碳纤维原丝制备与快速预氧化关键技术。",
        "key_innovations": ["原丝纺丝新工艺", "快速预氧化装备"],
        "patents": [
            {"kind": "invention", "status": "granted", "number": "ZL 2021 1 0123456.7", "name": "一种碳纤维原丝"},
            {"kind": "utility_model", "status": "filed", "number": "CN202120123456.2"},
            {"kind": "software_copyright", "status": "granted", "number": "2021SR0123456"},
        ],
        "maturity_stage": "industrialisation",
        "application_summary": "已在三家企业推广应用。",
        "revenue_10k_cny": "12500.50",
        "profit_10k_cny": 1800,
        "recommending_opinion": "同意推荐。",
    },
    "emerging_enterprise": {
        "list_code": "emerging_enterprise",
        "enterprise_name": "某智能科技有限公司",
        "credit_code": EXAMPLE_CREDIT_CODE,
        "founded_on": "2018-06-01",
        "registered_capital_10k_cny": "1000",
        "revenue_10k_cny": "300",
        "rd_spend_10k_cny": "450",  # startups may spend more on R&D than they earn
        "headcount": 60,
        "rd_headcount": 45,
        "core_technology": "工业视觉检测算法。",
        "financing_rounds": [
            {"round": "angel", "date": "2018-09-01", "amount_10k_cny": "500"},
            {"round": "A", "date": "2020-03-15", "amount_10k_cny": "5000"},
        ],
    },
    "integrated_innovation_org": {
        "list_code": "integrated_innovation_org",
        "organisation_name": "某产业创新联合体",
        "credit_code": EXAMPLE_CREDIT_CODE,
        "organisation_kind": "consortium",
        "member_count": 32,
        "achievements": ["联合攻关项目12项", "建成共享中试平台"],
        "collaboration_projects": 12,
        "recommending_opinion": "同意推荐。",
    },
    "entrepreneurship_pioneer": {
        "list_code": "entrepreneurship_pioneer",
        "nominee_kind": "team",
        "nominee_name": "某大学返乡创业团队",
        "organisation": "某农业科技有限公司",
        "ventures_founded": 3,
        "jobs_created": 420,
        "achievements": ["带动农户增收"],
    },
    "tech_manager_pioneer": {
        "list_code": "tech_manager_pioneer",
        "person_name": "李四",
        "organisation": "某技术转移中心",
        "certification": "高级技术经纪人",
        "transfers_brokered": 57,
        "contract_value_10k_cny": "23800",
        "achievements": ["促成高校成果转化57项"],
    },
    "international_cooperation": {
        "list_code": "international_cooperation",
        "project_name": "中德智能制造联合实验室",
        "lead_organisation": "某工业大学",
        "partner_countries": ["de", "AT"],
        "partner_organisations": ["Fraunhofer IPT"],
        "cooperation_kind": "joint_lab",
        "started_on": "2019-05-20",
        "summary": "共建联合实验室，开展精密加工联合研究。",
        "achievements": ["联合发表论文20篇"],
    },
    "open_source": {
        "list_code": "open_source",
        "project_name": "某分布式数据库",
        "organisation": "某开源基金会",
        "repository_url": "https://gitee.com/example/db",
        "licence": "MulanPSL-2.0",
        "contributors_count": 350,
        "summary": "高可用分布式数据库。",
        "achievements": ["金融行业规模应用"],
    },
}



def example_form(list_code: str, **changes: Any) -> dict[str, Any]:
    """A valid form of the list (a deep copy), with `changes` applied at the top level."""
    form = copy.deepcopy(EXAMPLE_FORMS[list_code])
    form.update(changes)
    return form
