"""The 2022 facts the publish tests start from, and the fixture that puts them on the log."""

from __future__ import annotations

import pytest

from contracts.topics import NOMINATIONS, REVIEW
from eventlog.clock import FixedClock
from tests.support.events import (
    decision, nomination_chain, open_campaign, plan_filed, publish, registered, results_submitted,
)
from tests.support.intake import Keys
from tests.support.publish import NOTICE_TIME, facts_caught_up, publish_in_process

UNITS = {"unit-z": "中国自动化学会", "unit-b": "北京市科学技术协会", "unit-a": "安徽省科学技术协会"}


class Facts:
    """先导技术榜 (two domains) and 新锐企业榜 of kczg-2022, as intake, quota and review left them."""

    def __init__(self) -> None:
        lead = "leading_tech"
        self.bio_z = nomination_chain("unit-z", lead, "biomedicine", "mRNA 疫苗递送平台",
                                      {"completing_units": ["甲生物科技有限公司", "乙大学"]})
        self.bio_a = nomination_chain("unit-a", lead, "biomedicine", "<b>细胞</b>治疗技术",
                                      {"completing_units": ["丙医药股份有限公司"]})
        self.elec_b = nomination_chain("unit-b", lead, "electronic_info", "存算一体芯片",
                                       {"completing_units": ["丁半导体有限公司"]})
        self.elec_a = nomination_chain("unit-a", lead, "electronic_info", "量子通信网络",
                                       {"completing_units": ["戊量子技术有限公司"]})
        self.not_selected = nomination_chain("unit-b", lead, "biomedicine", "未入选的技术", selected=False)
        # Decided twice: the later revision wins, whatever the order the log delivers them in.
        self.deselected = nomination_chain("unit-z", lead, "electronic_info", "先入选后改为未入选")
        self.reselected = nomination_chain("unit-b", lead, "electronic_info", "先未入选后改为入选", selected=False)
        self.enterprise = nomination_chain("unit-a", "emerging_enterprise", None, "示例科技有限公司",
                                           {"enterprise_name": "示例科技有限公司"})
        self.chains = [self.bio_z, self.bio_a, self.elec_b, self.elec_a, self.not_selected, self.deselected,
                       self.reselected]
        # The declared order: 电子信息 before 生物医药 (the campaign's), then by unit name's code points
        # (中 U+4E2D < 北 U+5317 < 安 U+5B89), then by title (先 U+5148 < 存 U+5B58).
        self.listed = [self.reselected, self.elec_b, self.elec_a, self.bio_z, self.bio_a]

    def events(self) -> list[tuple]:
        out = [(NOMINATIONS, registered(u, "provincial_cast").model_copy(update={"name": name}))
               for u, name in UNITS.items()]
        for chain in self.chains:
            out += list(chain.events)
        out += results_submitted(*self.chains)  # both domains' bodies submitted: the notice may open
        out += [(REVIEW, decision(self.deselected.nomination_id, "leading_tech", "electronic_info", False, 2)),
                (REVIEW, decision(self.reselected.nomination_id, "leading_tech", "electronic_info", True, 2))]
        out += list(self.enterprise.events[:-1])  # submitted, reserved, screened, scored; not decided
        out += [(REVIEW, plan_filed("cast_life_science_consortium", "leading_tech", "biomedicine"))]
        return out


class Listed:
    """先导技术榜 of kczg-2022: three entries listed (two with consent to publish), one candidate not selected."""

    LIST = "leading_tech"

    def __init__(self) -> None:
        self.chip = nomination_chain("unit-b", self.LIST, "electronic_info", "存算一体芯片", {
            "completing_units": ["丁半导体有限公司"], "summary": "面向大模型推理的存算一体架构。",
            "key_innovations": ["模拟域乘加", "片上稀疏调度"], "application_summary": "未同意公开的应用情况",
            "region": "beijing", "publish_fields": ["summary", "key_innovations"]})
        self.quantum = nomination_chain("unit-a", self.LIST, "electronic_info", "量子通信网络", {
            "completing_units": ["戊量子技术有限公司"], "summary": "城域量子密钥分发网络。", "region": "anhui"})
        self.vaccine = nomination_chain("unit-z", self.LIST, "biomedicine", "mRNA 疫苗递送平台", {
            "completing_units": ["甲生物科技有限公司"], "application_summary": "已在三家药企中试。",
            "region": "shanghai", "publish_fields": ["application_summary"]})
        self.unlisted = nomination_chain("unit-b", self.LIST, "biomedicine", "未入选的芯片技术",
                                         {"completing_units": ["己公司"], "region": "beijing"}, selected=False)
        self.chains = [self.chip, self.quantum, self.vaccine, self.unlisted]

    def events(self) -> list[tuple]:
        out = [(NOMINATIONS, registered(u, "provincial_cast").model_copy(update={"name": name}))
               for u, name in UNITS.items()]
        for chain in self.chains:
            out += list(chain.events)
        return out + results_submitted(*self.chains)


@pytest.fixture
async def publish_2022(env, tmp_path):
    """kczg-2022 open, the facts on the log, the publish service in-process (clock in the notice period) and
    caught up with them; `client.facts` are the facts."""
    facts = Facts()
    await open_campaign()
    await publish(*facts.events())
    async with publish_in_process(Keys(tmp_path), FixedClock(NOTICE_TIME)) as client:
        client.facts = facts
        await facts_caught_up()
        yield client
