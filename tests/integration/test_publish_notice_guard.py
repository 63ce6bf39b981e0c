"""The guarded notice against the real broker and database (issue 19, item 3): 先导技术榜's
advanced_materials decided, biomedicine without results: the notice is refused naming 生物医药 and
writes nothing; once biomedicine's results are in, the refusal names the ranked nomination still
undecided; the secretariat may proceed without biomedicine only with a reason, which the event records.
And the ranking view orders final decisions by revision, even two at one instant."""

from __future__ import annotations

from uuid import UUID

import pytest

from contracts.events import FinalDecisionRecorded, OmittedTarget, PublicNoticeOpened
from contracts.topics import NOMINATIONS, PUBLISH, REVIEW
from eventlog.clock import FixedClock
from services.publish.views import RANKINGS
from tests.support.events import (
    decision, nomination_chain, open_campaign, publish, registered, results_submitted,
)
from tests.support.intake import Keys, OffsetWatch, events_of
from tests.support.kafka import read_topic
from tests.support.projections import caught_up
from tests.support.publish import C, NOTICE_TIME, facts_caught_up, publish_in_process, secretariat

LEAD = "leading_tech"
NOTICE = f"/v1/publish/campaigns/{C}/lists/{LEAD}/notice"


class Scene:
    """advanced_materials: results in, two decided (one selected). biomedicine: two scored, no results yet."""

    def __init__(self) -> None:
        self.materials = [nomination_chain("unit-a", LEAD, "advanced_materials", "高熵合金"),
                          nomination_chain("unit-b", LEAD, "advanced_materials", "未入选的材料", selected=False)]
        self.bio = [nomination_chain("unit-a", LEAD, "biomedicine", "mRNA 疫苗递送平台"),
                    nomination_chain("unit-b", LEAD, "biomedicine", "细胞治疗技术")]

    def events(self) -> list[tuple]:
        out = [(NOMINATIONS, registered(u, "provincial_cast")) for u in ("unit-a", "unit-b")]
        for chain in self.materials:
            out += chain.events
        for chain in self.bio:
            out += chain.events[:-1]  # submitted, reserved, screened, scored: not decided
        return out + results_submitted(*self.materials)


@pytest.fixture
async def scene(env, tmp_path):
    s = Scene()
    await open_campaign()
    await publish(*s.events())
    async with publish_in_process(Keys(tmp_path), FixedClock(NOTICE_TIME)) as client:
        await facts_caught_up()
        yield client, s


async def refused_writing_nothing(client, body: dict | None, status: int, code: str) -> dict:
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await client.post(NOTICE, json=body, headers=secretariat(client.keys))
        assert (r.status_code, r.headers["content-type"]) == (status, "application/problem+json"), r.text
        assert r.json()["code"] == code, r.text
        assert await watch.ends() == before
        return r.json()


async def test_a_notice_waits_for_every_target_and_names_what_is_outstanding(scene):
    client, s = scene
    # biomedicine has no results: refused, naming the domain.
    problem = await refused_writing_nothing(client, None, 409, "review_outstanding")
    assert problem["detail"] == ("先导技术榜尚有评审未完成，不能开启公示：生物医药（初评结果尚未报送）。"
                                 "待其完成后再开启；如确需先行公示，须逐项说明不等待的领域及原因。")
    assert problem["errors"] == [{"domain": "biomedicine", "name": "生物医药", "results_submitted": False,
                                  "undecided": []}]
    # Its body submits results ranking both; one is decided: refused, naming the other nomination.
    await publish(*results_submitted(*s.bio), (REVIEW, decision(s.bio[0].nomination_id, LEAD, "biomedicine", True)))
    await facts_caught_up()
    problem = await refused_writing_nothing(client, None, 409, "review_outstanding")
    assert "生物医药（1 项已排名的推荐尚无终评决定）" in problem["detail"]
    assert problem["errors"] == [{"domain": "biomedicine", "name": "生物医药", "results_submitted": True,
                                  "undecided": [str(s.bio[1].nomination_id)]}]
    # The last decision: the notice opens with both domains' selected, and omits nothing.
    await publish((REVIEW, decision(s.bio[1].nomination_id, LEAD, "biomedicine", True)))
    await facts_caught_up()
    r = await client.post(NOTICE, headers=secretariat(client.keys))
    assert r.status_code == 201, r.text
    assert r.json()["nominations"] == [str(s.bio[0].nomination_id), str(s.bio[1].nomination_id),
                                       str(s.materials[0].nomination_id)] and r.json()["omitted"] == []


async def test_the_secretariat_proceeds_without_a_target_only_with_a_recorded_reason(scene):
    client, s = scene
    # Without a reason: refused, naming the field.
    problem = await refused_writing_nothing(client, {"omit": [{"domain": "biomedicine", "reason": "  "}]}, 422,
                                            "reason_required")
    assert problem["detail"] == "不等待生物医药即开启公示，须说明原因。"
    # Naming a domain that is complete, or one the list has not: refused.
    await refused_writing_nothing(client, {"omit": [{"domain": "advanced_materials", "reason": "理由"}]}, 422,
                                  "target_not_outstanding")
    await refused_writing_nothing(client, {"omit": [{"domain": "quantum", "reason": "理由"}]}, 422, "unknown_domain")
    # With the reason: the notice opens, lists advanced_materials' selected only, and records why.
    reason = "生物医药领域初评延期，经主任办公会同意先行公示其余领域。"
    r = await client.post(NOTICE, json={"omit": [{"domain": "biomedicine", "reason": reason}]},
                          headers=secretariat(client.keys))
    assert r.status_code == 201, r.text
    assert r.json()["nominations"] == [str(s.materials[0].nomination_id)]
    assert r.json()["omitted"] == [{"domain": "biomedicine", "reason": reason}]
    (opened,) = events_of(await read_topic(PUBLISH.name), PublicNoticeOpened)
    assert opened.omitted == (OmittedTarget(domain="biomedicine", reason=reason),)
    assert opened.nominations == (s.materials[0].nomination_id,)


async def test_the_ranking_view_shows_the_later_revision_of_two_at_one_instant(scene):
    client, s = scene
    nid = s.materials[1].nomination_id
    at = decision(nid, LEAD, "advanced_materials", True).occurred_at
    # Revision 2 (selected) at the instant of revision 1, with the smaller event id: by time and id it would lose.
    second = decision(nid, LEAD, "advanced_materials", True, revision=2).model_copy(
        update={"occurred_at": at, "event_id": UUID("00000000-0000-4000-8000-000000000000"), "note": "复议改为入选"})
    first = events_of(await read_topic(REVIEW.name), FinalDecisionRecorded)
    (first,) = [e for e in first if e.nomination_id == nid]
    await publish((REVIEW, first.model_copy(update={"event_id": UUID("ffffffff-ffff-4fff-bfff-ffffffffffff")})),
                  (REVIEW, second))
    await caught_up(RANKINGS)
    r = await client.get(f"/v1/rankings/nominations/{nid}", headers=secretariat(client.keys))
    assert r.status_code == 200, r.text
    assert (r.json()["selected"], r.json()["decision_note"], r.json()["status"]) == (True, "复议改为入选", "selected")
