"""The publish service's rules, pure: notice window and refusals, objections (limits, rate, close),
resolution, the release's entries, order, date and versions, the holder rule, and who sees what."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from uuid import UUID

import pytest

from contracts.campaign import load_builtin_campaign
from contracts.errors import DomainError
from contracts.events import (Actor, EntryCorrection, FactChange, ListPublished, ObjectionFiled, ObjectionResolved,
                              PublicNoticeOpened)
from contracts.identity import Identity
from eventlog.privacy import KeySealer, reveal
from services.publish.domain import notice, objections, release
from services.publish.domain.access import may_see, ranking_scope, review_targets
from services.publish.domain.holder import holder_org
from services.publish.domain.model import EntryFacts, ListState, Notice, Objection, Version
from services.publish.domain.order import release_order

CAMPAIGN = load_builtin_campaign("kczg-2022")
MOVED = CAMPAIGN.with_changes(release_planned_from=datetime(2023, 2, 20, tzinfo=CAMPAIGN.tz),
                              release_planned_until=datetime(2023, 2, 21, tzinfo=CAMPAIGN.tz))
BJ = timezone(timedelta(hours=8))
NOW = datetime(2022, 12, 20, 10, tzinfo=BJ)
SEC = Actor(role="secretariat", id="kczg_secretariat")
PUBLIC = Actor(role="system", id="publish:public")


def n(i: int) -> UUID:
    return UUID(int=i)


def facts(i: int, domain: str | None = "biomedicine", unit: str = "unit-a", name: str | None = "甲学会",
          title: str | None = None, selected: bool | None = True, withdrawn: bool = False) -> EntryFacts:
    return EntryFacts(n(i), "leading_tech", domain, title or f"技术{i}", unit, name, f"持有单位{i}", selected, withdrawn,
                      {"nomination": n(100 + i), "quota": n(200 + i), "decision": n(300 + i)})


def empty() -> ListState:
    return ListState("kczg-2022", "leading_tech")


def noticed(*ids: int, opens: datetime = NOW, days: int = 7, objected: tuple[Objection, ...] = ()) -> ListState:
    return dataclasses.replace(empty(), notices=(Notice(n(1000), "leading_tech", opens, opens + timedelta(days=days),
                                                        tuple(n(i) for i in ids), n(2000)),), objections=objected)


def code(exc: pytest.ExceptionInfo) -> str:
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)  # a Chinese message
    assert 400 <= exc.value.http_status < 500
    return exc.value.code


# --- notice ---------------------------------------------------------------------------------------

def open_(state: ListState, decided: tuple[EntryFacts, ...], now: datetime = NOW, campaign=CAMPAIGN):
    return notice.decide(state, notice.OpenNotice(n(1000), "leading_tech"),
                         notice.NoticeContext(now, campaign, SEC, decided))


def test_a_notice_lists_the_selected_not_withdrawn_for_at_least_the_minimum_days():
    decided = (facts(1), facts(2, selected=False), facts(3, withdrawn=True), facts(4, domain="electronic_info"))
    (e,) = open_(empty(), decided)
    assert isinstance(e, PublicNoticeOpened) and e.nominations == (n(4), n(1))  # 电子信息 first: the campaign's order
    assert (e.opens_at, e.closes_at) == (NOW, NOW + timedelta(days=7))
    assert e.key == "kczg-2022:leading_tech" and e.actor == SEC


def test_the_notice_closes_no_sooner_than_the_campaigns_planned_close():
    early = datetime(2022, 12, 1, 9, tzinfo=BJ)
    (e,) = open_(empty(), (facts(1),), now=early)
    assert e.closes_at == CAMPAIGN.timeline.notice_closes_at  # 2022-12-27 00:00 > 12-08 09:00
    min_ten = CAMPAIGN.model_copy(update={"rules": CAMPAIGN.rules.model_copy(update={"public_notice_min_days": 10})})
    (e,) = open_(empty(), (facts(1),), campaign=min_ten)
    assert e.closes_at == NOW + timedelta(days=10)


@pytest.mark.parametrize("state, decided, expected", [
    (empty(), (), "decisions_missing"),
    (empty(), (facts(1, selected=False),), "nothing_selected"),
    (noticed(1), (facts(1),), "notice_already_open"),
    (dataclasses.replace(noticed(1, opens=NOW - timedelta(days=9)), versions=(Version(1, n(9), NOW, ()),)),
     (facts(1),), "list_already_published"),
])
def test_a_notice_is_refused(state, decided, expected):
    with pytest.raises(DomainError) as exc:
        open_(state, decided)
    assert code(exc) == expected


def test_a_new_notice_may_follow_a_closed_one_before_the_release():
    (e,) = open_(noticed(1, opens=NOW - timedelta(days=9)), (facts(1), facts(2)))
    assert e.nominations == (n(1), n(2))


# --- objections -----------------------------------------------------------------------------------

def file(state, nomination: UUID | None = n(1), now: datetime = NOW + timedelta(hours=1), recent: int = 0, **fields):
    cmd = objections.FileObjection(n(5000), n(1000), nomination, **{
        "name": " 张三 ", "organisation": "某大学", "contact": "z@example.org", "grounds": "理由\r\n第二行", **fields})
    return objections.decide(state, cmd, objections.ObjectionContext(now, PUBLIC, "kczg-2022", recent,
                                                                      sealer=KeySealer(OBJECTOR_KEY)))


OBJECTOR_KEY = {f"objector:{n(5000)}": bytes(range(32))}


def test_an_objection_is_filed_cleaned_with_its_name_and_contact_sealed_with_the_objectors_key():
    (e,) = file(noticed(1, 2))
    assert isinstance(e, ObjectionFiled)
    # The name and contact travel sealed under the objector's own id; the organisation and grounds in clear...
    assert (e.name.pid, e.contact.pid) == (f"objector:{n(5000)}",) * 2
    assert "张三" not in e.model_dump_json() and "z@example.org" not in e.model_dump_json()
    assert (e.organisation, e.grounds) == ("某大学", "理由\n第二行")
    # ...and read with that key (cleaned as filed), or 已删除 without it.
    assert (reveal(e.name, OBJECTOR_KEY), reveal(e.contact, OBJECTOR_KEY)) == ("张三", "z@example.org")
    assert (reveal(e.name, {}), reveal(e.contact, {f"objector:{n(5000)}": None})) == ("已删除", "已删除")
    assert reveal(e.name, {f"objector:{n(5000)}": bytes(32)}) == "已删除"  # another key opens nothing
    assert (e.notice_id, e.nomination_id, e.actor) == (n(1000), n(1), PUBLIC)


@pytest.mark.parametrize("kwargs, expected, words", [
    (dict(nomination=n(3)), "invalid_objection", "异议对象不在本次公示名单中"),
    (dict(nomination=None), "invalid_objection", "异议对象须选择"),
    (dict(name="张" * 51), "invalid_objection", "姓名不能超过 50 字"),
    (dict(contact=""), "invalid_objection", "联系方式不能为空"),
    (dict(grounds="\u200b \t"), "invalid_objection", "理由不能为空"),
    (dict(now=NOW + timedelta(days=7)), "notice_closed", "已结束"),
    (dict(now=NOW - timedelta(seconds=1)), "notice_not_open", "尚未开始"),
    (dict(recent=5), "too_many_objections", "每 10 分钟最多提交 5 条"),
])
def test_an_objection_is_refused(kwargs, expected, words):
    with pytest.raises(DomainError) as exc:
        file(noticed(1, 2), **kwargs)
    assert code(exc) == expected and words in exc.value.message


def test_an_objection_to_an_unknown_notice_is_not_found():
    with pytest.raises(DomainError) as exc:
        file(None)
    assert (exc.value.code, exc.value.http_status) == ("notice_not_found", 404)


def test_every_field_problem_is_reported_at_once():
    with pytest.raises(objections.InvalidObjection) as exc:
        file(noticed(1), nomination=n(9), name="", organisation="单" * 121)
    assert set(exc.value.problems) == {"name", "organisation", "nomination_id"}


def objection(i: int, nomination: int, upheld: bool | None = None) -> Objection:
    return Objection(n(6000 + i), n(1000), n(nomination), n(7000 + i), upheld)


def resolve(state, objection_id: UUID, upheld: bool = True, note: str = "经核实"):
    return objections.decide(state, objections.ResolveObjection(objection_id, upheld, note),
                             objections.ObjectionContext(NOW, SEC, "kczg-2022"))


def test_an_objection_is_resolved_once_with_a_note():
    state = noticed(1, objected=(objection(1, 1),))
    (e,) = resolve(state, n(6001))
    assert isinstance(e, ObjectionResolved) and (e.upheld, e.nomination_id, e.notice_id) == (True, n(1), n(1000))
    with pytest.raises(DomainError) as exc:
        resolve(noticed(1, objected=(objection(1, 1, upheld=False),)), n(6001))
    assert code(exc) == "objection_already_resolved"
    with pytest.raises(DomainError) as exc:
        resolve(state, n(6001), note=" ")
    assert code(exc) == "note_required"
    with pytest.raises(DomainError) as exc:
        resolve(state, n(6999))
    assert exc.value.code == "objection_not_found"


# --- release --------------------------------------------------------------------------------------

AFTER = NOW + timedelta(days=8)


def publish(state: ListState, found: dict[UUID, EntryFacts], now: datetime = AFTER, reason: str = "",
            campaign=MOVED) -> list:
    return release.decide(state, release.PublishList("leading_tech", reason),
                          release.ReleaseContext(now, campaign, SEC, found))


def test_the_release_lists_the_notice_minus_upheld_in_the_declared_order_dated_by_the_campaign():
    found = {n(1): facts(1, unit="unit-b", name="乙学会"), n(2): facts(2, unit="unit-a", name="乙学会"),
             n(3): facts(3, domain="electronic_info", name="丙学会"), n(4): facts(4), n(5): facts(5, selected=False)}
    state = noticed(1, 2, 3, 4, 5, objected=(objection(1, 4, upheld=True), objection(2, 1, upheld=False)))
    (e,) = publish(state, found)
    assert isinstance(e, ListPublished) and (e.version, e.reason, e.released_on) == (1, "", date(2023, 2, 20))
    # 电子信息 first; then 乙学会's entries by unit id (unit-a before unit-b); n(4) upheld, n(5) deselected since.
    assert [x.nomination_id for x in e.entries] == [n(3), n(2), n(1)]
    first = e.entries[0]
    assert (first.holder_org, first.unit_name, first.domain) == ("持有单位3", "丙学会", "electronic_info")
    assert (first.trace.nomination_event_id, first.trace.quota_event_id, first.trace.decision_event_id,
            first.trace.notice_event_id) == (n(103), n(203), n(303), n(2000))


def test_the_planned_release_day_is_the_campaigns_before_it_is_moved():
    (e,) = publish(noticed(1), {n(1): facts(1)}, campaign=CAMPAIGN)
    assert e.released_on == date(2023, 1, 1)


@pytest.mark.parametrize("state, now, expected", [
    (empty(), AFTER, "no_notice"),
    (noticed(1), NOW + timedelta(days=7) - timedelta(microseconds=1), "notice_not_closed"),
    (noticed(1, objected=(objection(1, 1),)), AFTER, "objections_unresolved"),
])
def test_a_release_is_refused(state, now, expected):
    with pytest.raises(DomainError) as exc:
        publish(state, {n(1): facts(1)}, now=now)
    assert code(exc) == expected


def test_publishing_again_is_the_next_version_needs_a_reason_and_keeps_every_correction():
    # version 1 corrected n(1)'s title and revoked n(2) (domain/corrections.py); the facts still say what they said
    renamed = EntryCorrection(nomination_id=n(1), title="技术1", reason="笔误",
                              changes=(FactChange(field="title", before="技术1", after="更正后的名称"),))
    revoked = EntryCorrection(nomination_id=n(2), title="技术2", revoked=True, reason="不符合条件")
    state = dataclasses.replace(noticed(1, 2, 3), versions=(
        Version(1, n(8), AFTER, (n(1), n(3)), corrections=(renamed, revoked)),))
    found = {n(i): facts(i) for i in (1, 2, 3)}
    with pytest.raises(DomainError) as exc:
        publish(state, found)
    assert code(exc) == "reason_required"
    (e,) = publish(state, found, reason="重新发布")
    assert (e.version, e.reason, e.corrections) == (2, "重新发布", ())
    assert [(x.nomination_id, x.title) for x in e.entries] == [(n(1), "更正后的名称"), (n(3), "技术3")]


def test_the_order_is_by_unit_name_code_points_then_unit_id_title_and_id():
    entries = [facts(1, name="中国学会", title="乙"), facts(2, name="中国学会", title="甲"),
               facts(3, name="北京科协"), facts(4, name=None, unit="a-unit"), facts(5, name="中国学会", unit="unit-0",
                                                                                  title="乙")]
    ordered = [f.nomination_id for f in release_order(CAMPAIGN, "leading_tech", entries)]
    # "a-unit" (no name: its id) < 中 U+4E2D < 北 U+5317; then unit-0 < unit-a; then 乙 U+4E59 < 甲 U+7532.
    assert ordered == [n(4), n(5), n(1), n(2), n(3)]


# --- holder, access -------------------------------------------------------------------------------

@pytest.mark.parametrize("list_code, form, expected", [
    ("leading_tech", {"completing_units": ["第一完成单位", "第二"]}, "第一完成单位"),
    ("emerging_enterprise", {"enterprise_name": " 某企业 "}, "某企业"),
    ("integrated_innovation_org", {"organisation_name": "某联合体"}, "某联合体"),
    ("entrepreneurship_pioneer", {"nominee_name": "张三", "organisation": "某公司"}, "某公司"),
    ("tech_manager_pioneer", {"person_name": "李四", "organisation": "某转移中心"}, "某转移中心"),
    ("international_cooperation", {"lead_organisation": "某中方单位"}, "某中方单位"),
    ("open_source", {"organisation": "某基金会"}, "某基金会"),
    ("leading_tech", {"completing_units": []}, None),
    ("emerging_enterprise", {}, None),
    ("emerging_enterprise", None, None),
])
def test_the_holder_organisation_per_form(list_code, form, expected):
    assert holder_org(list_code, form) == expected


def who(role: str, org: str) -> Identity:
    return Identity(sub="u1", role=role, org=org)


def test_who_sees_which_nominations():
    with pytest.raises(DomainError) as exc:
        ranking_scope(None, [CAMPAIGN])
    assert exc.value.http_status == 401
    with pytest.raises(DomainError) as exc:
        ranking_scope(who("expert", "e1"), [CAMPAIGN])
    assert exc.value.http_status == 403
    everything = ranking_scope(who("secretariat", "kczg_secretariat"), [CAMPAIGN])
    unit = ranking_scope(who("unit", "unit-a"), [CAMPAIGN])
    body = ranking_scope(who("review_body", "cast_intelligent_mfg_consortium"), [CAMPAIGN])
    assert review_targets("cast_intelligent_mfg_consortium", [CAMPAIGN]) == (
        ("kczg-2022", "leading_tech", "equipment_manufacturing"), ("kczg-2022", "leading_tech", "industrial_foundation"))
    assert may_see(everything, "kczg-2022", "open_source", None, "u")
    assert may_see(unit, "kczg-2022", "leading_tech", "biomedicine", "unit-a")
    assert not may_see(unit, "kczg-2022", "leading_tech", "biomedicine", "unit-b")
    assert may_see(body, "kczg-2022", "leading_tech", "industrial_foundation", "unit-b")
    assert not may_see(body, "kczg-2022", "leading_tech", "biomedicine", "unit-b")


def test_a_unit_alone_is_kept_from_results_and_the_secretariat_alone_previews_releases():
    shown = CAMPAIGN.model_copy(update={"code": "shown-2022", "rules": CAMPAIGN.rules.model_copy(
        update={"results_to_units": "as_recorded"})})
    unit = ranking_scope(who("unit", "unit-a"), [CAMPAIGN, shown])
    # kczg-2022 keeps them until the notice (the default); the other campaign shows them as recorded.
    assert unit.results_as_recorded == ("shown-2022",)
    assert ranking_scope(who("unit", "unit-a"), [CAMPAIGN]).results_as_recorded == ()
    for kind, org in (("secretariat", "kczg_secretariat"), ("review_body", "cast_intelligent_mfg_consortium")):
        assert ranking_scope(who(kind, org), [CAMPAIGN, shown]).results_as_recorded is None
    assert [ranking_scope(who(kind, org), [CAMPAIGN]).previews_releases for kind, org in (
        ("secretariat", "kczg_secretariat"), ("review_body", "cast_intelligent_mfg_consortium"), ("unit", "unit-a"))] \
        == [True, False, False]
