"""What the notice freezes is what it lists (issue 19, item 3), against the real broker and database: once a
public notice of 先导技术榜 lists one 绿色低碳 nomination, that nomination's decision is final — alone or in a
committee sitting, refused with a Chinese problem that writes nothing — while the nominations the notice did
not list (not selected then, or not yet decided, as a target the secretariat proceeded without would be) are
still decided after it."""

from __future__ import annotations

from uuid import uuid4

from contracts.events import FinalDecisionRecorded, PublicNoticeOpened
from contracts.topics import PUBLISH, REVIEW
from tests.integration.test_review_flow import _ready, as_, refused, review, score_everything  # noqa: F401
from tests.support.events import SECRETARIAT, publish
from tests.support.intake import OffsetWatch, events_of
from tests.support.kafka import read_topic
from tests.support.review import ECO, GREEN, IN_REVIEW, views_show

CARRIED = {"eligible": 15, "present": 12, "recused": 1, "yes": 9, "no": 2, "abstain": 1}
REJECTED = {**CARRIED, "yes": 2, "no": 9}


def decision_url(nomination_id) -> str:
    return f"/v1/review/campaigns/kczg-2022/nominations/{nomination_id}/decision"


async def test_a_notice_freezes_the_nominations_it_lists_and_no_other(review):
    panel = await _ready(review)
    await score_everything(review, panel)
    assert (await review.post(GREEN + "/results", json={}, headers=as_(review, "review_body", ECO))).status_code == 201
    secretariat = as_(review, "secretariat", "kczg_secretariat")
    listed, unlisted, undecided, *rest = list(panel)
    # Before the notice: one selected, one not.
    for nid, selected in ((listed, True), (unlisted, False)):
        r = await review.post(decision_url(nid), json={"selected": selected, "vote": CARRIED if selected else REJECTED},
                              headers=secretariat)
        assert (r.status_code, r.json()["revision"]) == (201, 1), r.text
    # The list's notice opens listing the selected one only (as the publish service opens it).
    notice = PublicNoticeOpened(occurred_at=IN_REVIEW, campaign="kczg-2022", key="kczg-2022:leading_tech",
                                actor=SECRETARIAT, notice_id=uuid4(), list_code="leading_tech", opens_at=IN_REVIEW,
                                closes_at=IN_REVIEW.replace(day=20), nominations=(listed,))
    await publish((PUBLISH, notice))
    await views_show(review.db, "SELECT count(*) FROM review_views.nominations WHERE noticed_at IS NOT NULL", 1)
    # The listed nomination's decision is final: alone, and inside a sitting (which is then refused whole).
    async with OffsetWatch() as watch:
        await refused(review, watch, "POST", decision_url(listed), secretariat, 409, "notice_open",
                      json={"selected": False, "vote": REJECTED})
        await refused(review, watch, "POST", "/v1/review/campaigns/kczg-2022/final/sittings", secretariat, 409,
                      "notice_open", json={"decisions": [
                          {"nomination_id": undecided, "selected": True, "vote": CARRIED},
                          {"nomination_id": listed, "selected": False, "vote": REJECTED}]})
    r = await review.post(decision_url(listed), json={"selected": False, "vote": REJECTED}, headers=secretariat)
    assert r.json()["detail"] == "该推荐已列入榜单公示名单，终评决定不能再修改。"
    # What the notice did not list is still decided: a revision of the unselected one, a first decision, a sitting.
    r = await review.post(decision_url(unlisted), json={"selected": True, "vote": CARRIED, "note": "复议改为入选"},
                          headers=secretariat)
    assert (r.status_code, r.json()["revision"], r.json()["selected"]) == (201, 2, True), r.text
    r = await review.post(decision_url(undecided), json={"selected": False, "vote": REJECTED}, headers=secretariat)
    assert (r.status_code, r.json()["revision"]) == (201, 1), r.text
    r = await review.post("/v1/review/campaigns/kczg-2022/final/sittings", headers=secretariat, json={"decisions": [
        {"nomination_id": nid, "selected": True, "vote": CARRIED} for nid in rest]})
    assert r.status_code == 201, r.text
    decisions = events_of(await read_topic(REVIEW.name), FinalDecisionRecorded)
    assert [(str(d.nomination_id), d.revision, d.selected) for d in decisions] == [
        (listed, 1, True), (unlisted, 1, False), (unlisted, 2, True), (undecided, 1, False),
        *((nid, 1, True) for nid in rest)]
