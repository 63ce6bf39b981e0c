"""The audit view's pure fold (services/review/views/audit.py): one row per event about a nomination, in the
log's order — by instant, then across topics in the flow's order, then by offset — with who, why and what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import orjson
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from contracts.events import (Actor, ConflictDeclared, EntriesCorrected, EntryCorrection, ExpertAssigned,
                              ExpertUnassigned, FactChange, ListPublished, NominationSubmitted, ObjectionFiled,
                              PublicNoticeOpened, PublishedEntry, QuotaReserved, encode_event, list_key, target_key,
                              unit_key)
from contracts.personal import Sealed
from contracts.topics import NOMINATIONS, PUBLISH, QUOTA, REVIEW
from eventlog.projection.placed import place
from services.review.views.audit import AUDIT, EVENTS

AT = datetime(2022, 11, 20, 2, tzinfo=UTC)
C, N = "kczg-2022", uuid4()
TARGET = dict(body_code="cast_advanced_materials_consortium", list_code="leading_tech", domain="advanced_materials")
BODY = Actor(role="review_body", id="cast_advanced_materials_consortium", person="officer-1")
EXPERT = Actor(role="expert", id="cast_advanced_materials_consortium", person="e01")


def on(topic, offset: int, event, partition: int = 0) -> tuple:
    return topic.name, partition, offset, encode_event(event)


def fold(*placed: tuple) -> list[dict]:
    """The rows of `placed` records, as the view's query orders them."""
    records: dict[TopicPartition, list] = {}
    for topic, partition, offset, value in placed:
        records.setdefault(TopicPartition(topic, partition), []).append(
            ConsumerRecord(topic, partition, offset, 0, 0, b"k", value, None, 1, len(value), ()))
    folded = AUDIT.new_batch()
    AUDIT.fold_into(folded, records)
    assert folded.letters == []
    rows = [dict(zip(EVENTS.column_names, r)) for r in folded.view.tables["events"].rows.values()]
    return sorted(rows, key=lambda r: (r["occurred_at"], r["log_place"], r["event_id"]))


def review(event_type, minutes: int = 0, actor: Actor = BODY, **fields):
    return event_type(occurred_at=AT + timedelta(minutes=minutes), campaign=C, actor=actor, nomination_id=N,
                      key=target_key(C, "leading_tech", "advanced_materials"), **TARGET, **fields)


def test_one_commands_events_read_in_the_order_the_command_made_them() -> None:
    # A declaration, the expert leaving and the replacement seated: one instant, one partition, three offsets.
    declared = review(ConflictDeclared, actor=EXPERT, expert_id="e01", reason_code="collaboration", reason="合作项目")
    left = review(ExpertUnassigned, actor=EXPERT, expert_id="e01", reason="声明回避")
    seated = review(ExpertAssigned, actor=EXPERT, expert_id="e02")
    rows = fold(on(REVIEW, 12, seated), on(REVIEW, 10, declared), on(REVIEW, 11, left))
    assert [(r["event_type"], r["reasons"]) for r in rows] == [
        ("ConflictDeclared", ["合作项目"]), ("ExpertUnassigned", ["声明回避"]), ("ExpertAssigned", [])]
    assert {(r["actor_role"], r["actor_org"], r["actor_person"]) for r in rows} == {
        ("expert", "cast_advanced_materials_consortium", "e01")}
    assert orjson.loads(rows[0]["facts"]) == {"expert_id": "e01", "reason_code": "collaboration"}


def test_a_quota_decision_follows_its_submission_at_the_same_instant_whatever_the_offsets() -> None:
    unit = Actor(role="unit", id="unit-a", person="u-17")
    submitted = NominationSubmitted(occurred_at=AT, campaign=C, key=unit_key(C, "unit-a"), actor=unit, nomination_id=N,
                                    unit_id="unit-a", list_code="leading_tech", domain="advanced_materials",
                                    title="高性能碳纤维")
    reserved = QuotaReserved(occurred_at=AT, campaign=C, key=unit_key(C, "unit-a"), actor=Actor(role="system", id="quota"),
                             nomination_id=N, unit_id="unit-a", list_code="leading_tech", domain="advanced_materials",
                             slot=1, limit=3, used=1, causation_id=submitted.event_id)
    rows = fold(on(QUOTA, 0, reserved, partition=2), on(NOMINATIONS, 900, submitted, partition=2))
    assert [(r["event_type"], r["actor_role"], r["actor_org"], r["actor_person"]) for r in rows] == [
        ("NominationSubmitted", "unit", "unit-a", "u-17"), ("QuotaReserved", "system", "quota", None)]
    assert [r["log_place"] for r in rows] == [place(0, 2, 900), place(1, 2, 0)]


def test_a_record_published_again_keeps_its_first_place() -> None:
    scored_seat = review(ExpertAssigned, expert_id="e03")
    rows = fold(on(REVIEW, 40, scored_seat), on(REVIEW, 7, scored_seat))
    assert [(r["event_id"], r["log_place"]) for r in rows] == [(str(scored_seat.event_id), place(2, 0, 7))]


def test_an_event_about_several_nominations_gives_each_its_row_and_no_objector_is_named() -> None:
    other, notice = uuid4(), uuid4()
    secretariat = Actor(role="secretariat", id="kczg_secretariat", person="sec-2")
    opened = PublicNoticeOpened(occurred_at=AT, campaign=C, key=list_key(C, "leading_tech"), actor=secretariat,
                                notice_id=notice, list_code="leading_tech", opens_at=AT,
                                closes_at=AT + timedelta(days=7), nominations=(N, other))
    objection = ObjectionFiled(occurred_at=AT + timedelta(days=1), campaign=C, key=list_key(C, "leading_tech"),
                               actor=Actor(role="system", id="publish:public"), objection_id=uuid4(),
                               notice_id=notice, nomination_id=N, name=Sealed(pid="objector:x", ct="c2VhbGVk"),
                               organisation="某大学", grounds="成果归属存在争议。")
    rows = fold(on(PUBLISH, 0, opened), on(PUBLISH, 1, objection))
    assert sorted((UUID(r["nomination_id"]), r["event_type"]) for r in rows) == sorted(
        [(N, "PublicNoticeOpened"), (other, "PublicNoticeOpened"), (N, "ObjectionFiled")])
    filed = next(r for r in rows if r["event_type"] == "ObjectionFiled")
    assert filed["reasons"] == ["成果归属存在争议。"]
    assert "张三" not in str(filed) and "13800000000" not in str(filed)


def test_an_actor_written_before_persons_reads_with_no_person() -> None:
    seated = review(ExpertAssigned, expert_id="e04")
    old = orjson.loads(encode_event(seated))
    old["actor"] = {"role": "review_body", "id": "cast_advanced_materials_consortium"}
    rows = fold((REVIEW.name, 0, 0, orjson.dumps(old)))
    assert (rows[0]["actor_org"], rows[0]["actor_person"]) == ("cast_advanced_materials_consortium", None)


def test_a_correction_reads_on_each_nomination_it_corrected_a_revoked_one_included() -> None:
    secretariat = Actor(role="secretariat", id="kczg_secretariat", person="officer-2")
    other = uuid4()
    envelope = dict(campaign=C, key=list_key(C, "leading_tech"), actor=secretariat)
    renamed = EntryCorrection(nomination_id=N, title="旧名称", reason="来函更正",
                              changes=(FactChange(field="title", before="旧名称", after="新名称"),))
    revoked = EntryCorrection(nomination_id=other, title="某技术", revoked=True, reason="不符合条件")
    before = EntriesCorrected(occurred_at=AT, **envelope, list_code="leading_tech", corrections=(renamed,),
                              reason="发布前更正")
    version = ListPublished(occurred_at=AT + timedelta(days=1), **envelope, list_code="leading_tech",
                            entries=(PublishedEntry(nomination_id=N, title="新名称", unit_id="unit-a"),),
                            published_at=AT + timedelta(days=1), version=2, reason="撤销一项", corrections=(revoked,))
    rows = fold(on(PUBLISH, 3, before), on(PUBLISH, 4, version))
    assert [(UUID(r["nomination_id"]), r["event_type"], r["reasons"], orjson.loads(r["facts"])) for r in rows] == [
        (N, "EntriesCorrected", ["发布前更正", "来函更正"], {"corrected": ["title"]}),
        (N, "ListPublished", ["撤销一项"], {"version": 2}),
        (other, "ListPublished", ["撤销一项", "不符合条件"], {"version": 2, "revoked": True})]
    assert {r["actor_person"] for r in rows} == {"officer-2"}
