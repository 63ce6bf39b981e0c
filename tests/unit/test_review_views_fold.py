"""The review views' pure folds: facts commute, decimals stay exact, poison is refused record by record."""

from __future__ import annotations

import collections
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

import msgspec
import orjson
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord
from hypothesis import given, settings, strategies as st

from contracts.events import (
    PRIVATE_FIELDS, Actor, AttachmentRef, ConflictDeclared, ExpertAssigned, ExpertScoreRecorded, ExpertUnassigned,
    FinalDecisionRecorded, NominationAmended, NominationSubmitted, encode_event, target_key, unit_key,
)
from eventlog.projection.engine import ViewBatch
from eventlog.projection.view_table import Least
from services.review.views import REVIEW_VIEWS, review_events
from services.review.views.review_tables import NOMINATIONS, PANEL, TARGETS
from tests.support.review_log import CAMPAIGN, one_log, plan, random_logs, review_events as review_logs, topic_of

AT = datetime(2022, 11, 20, 2, tzinfo=timezone.utc)
KEY = target_key(CAMPAIGN, "leading_tech", "green_low_carbon")
BODY = dict(body_code="cast_eco_env_consortium", list_code="leading_tech", domain="green_low_carbon")


def fold(values: list[bytes]):
    records = [ConsumerRecord("t", 0, i, 0, 0, b"k", v, None, 1, len(v), ()) for i, v in enumerate(values)]
    folded = REVIEW_VIEWS.new_batch()
    REVIEW_VIEWS.fold_into(folded, {TopicPartition("t", 0): records})
    return folded


def row(table, values: list[bytes], key) -> dict:
    return dict(zip(table.column_names, fold(values).view.tables[table.name].rows[key]))


def envelope(minutes: int = 0, key: str = KEY) -> dict:
    return dict(occurred_at=AT + timedelta(minutes=minutes), campaign=CAMPAIGN, key=key,
                actor=Actor(role="review_body", id="cast_eco_env_consortium"))


def v1(event) -> bytes:
    """The event as the first schema version wrote it (floats for scores, `automatic` for a conflict)."""
    data = {**orjson.loads(encode_event(event)), "schema_version": 1}
    if "total" in data:
        data |= {"total": float(data["total"]), "scores": {k: float(v) for k, v in data["scores"].items()}}
    if "reason_code" in data:
        data = {k: v for k, v in data.items() if k != "reason_code"} | {"automatic": data["reason_code"] == "automatic"}
    return orjson.dumps(data)


@settings(max_examples=80, deadline=None)
@given(review_logs(), st.randoms())
def test_the_fold_is_a_function_of_the_set_of_events(events, rnd):
    values = [encode_event(e) for e in events]
    shuffled = values + rnd.sample(values, k=len(values) // 3)
    rnd.shuffle(shuffled)
    once, again = fold(values), fold(shuffled)
    assert once.letters == [] and again.letters == []
    assert {t: b.rows for t, b in again.view.tables.items()} == {t: b.rows for t, b in once.view.tables.items()}


# --- every delivery Kafka allows, in small batches, against one bulk fold ----------------------------


def merge(into: ViewBatch, batch: ViewBatch) -> None:
    """A folded batch merged into the rows before it, group by group, by the rules the SQL merge of
    view_table applies (a group the batch did not touch has no version: no news)."""
    for name, folded in batch.tables.items():
        rows, groups = into.tables[name], folded.table.groups
        for key, row in folded.rows.items():
            for g in groups:
                if row[g.start] is None:
                    continue
                if isinstance(g, Least):
                    rows.least(g, key, row[g.start])
                else:
                    rows.latest(g, key, tuple(row[g.start:g.version_end]), tuple(row[g.version_end:g.end]))


def delivered(values: list[bytes], batches: list[list[int]]) -> dict:
    rows = ViewBatch(REVIEW_VIEWS.tables)
    for batch in batches:
        merge(rows, fold([values[i] for i in batch]).view)
    return {name: t.rows for name, t in rows.tables.items()}


def deliveries(events: list) -> dict[str, list[list[int]]]:
    """Orders Kafka may deliver `events` in (each key's events in log order: a partition holds one key's
    events in order; anything goes across keys), cut into small batches as a live view polls them."""
    streams = collections.defaultdict(list)
    for i, e in enumerate(events):
        streams[(topic_of(e).base, e.key)].append(i)
    keys = sorted(streams)
    orders = {"key by key": [i for k in keys for i in streams[k]],
              "keys reversed": [i for k in reversed(keys) for i in streams[k]]}
    for seed in range(4):
        rnd, queues, order = random.Random(seed), {k: list(streams[k]) for k in keys}, []
        while queues:
            key, n = rnd.choice(sorted(queues)), rnd.randint(1, 3)
            order += queues[key][:n]
            del queues[key][:n]
            queues = {k: q for k, q in queues.items() if q}
        orders[f"interleaved {seed}"] = order
    assert all(sorted(order) == list(range(len(events))) for order in orders.values())
    return {f"{name}, {size} at a time": [order[i:i + size] for i in range(0, len(order), size)]
            for name, order in orders.items() for size in (1, 7)}


def assert_every_delivery_gives_the_bulk_rows(events: list) -> None:
    values = [encode_event(e) for e in events]
    bulk = delivered(values, [list(range(len(values)))])
    for name, batches in deliveries(events).items():
        assert delivered(values, batches) == bulk, name


def distinct_facts_per_id(events: list) -> collections.Counter:
    facts = collections.defaultdict(set)
    for e in events:
        facts[e.event_id].add(encode_event(e))
    return collections.Counter({i: len(f) for i, f in facts.items() if len(f) > 1})


def test_the_integration_logs_merge_alike_in_every_delivery():
    # tests/integration/test_review_views.py applies this very log live in small batches.
    events = random_logs(40)
    assert not distinct_facts_per_id(events)  # an event id names one fact, however hypothesis draws uuids
    assert_every_delivery_gives_the_bulk_rows(events)


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(st.lists(review_logs(), min_size=2, max_size=4))
def test_logs_drawn_apart_merge_alike_in_every_delivery(logs):
    # Logs drawn apart share nomination ids: one nomination's facts then come from several partitions.
    events = one_log(logs)
    assert not distinct_facts_per_id(events)
    assert_every_delivery_gives_the_bulk_rows(events)


def test_scores_stay_exact_decimals_and_a_v1_score_reads_as_its_v2():
    n = uuid4()
    score = ExpertScoreRecorded(**envelope(), **BODY, nomination_id=n, expert_id="expert-1",
                                scores={"innovation": Decimal("87.50"), "value": Decimal("90")}, total=Decimal("88.50"))
    scored = row(PANEL, [encode_event(score)], (str(n), "expert-1"))
    assert scored["total"] == Decimal("88.50") and str(scored["total"]) == "88.50"
    assert scored["scores"] == '{"innovation":"87.50","value":"90"}'
    old = row(PANEL, [v1(score)], (str(n), "expert-1"))
    assert (old["total"], orjson.loads(old["scores"])) == (Decimal("88.50"), {"innovation": "87.50", "value": "90.00"})


def test_a_v1_conflict_reads_with_its_reason_code():
    n = uuid4()
    conflict = ConflictDeclared(**envelope(), **BODY, nomination_id=n, expert_id="expert-2", reason_code="automatic")
    assert row(PANEL, [v1(conflict)], (str(n), "expert-2"))["conflict_reason_code"] == "automatic"


def test_a_v1_plan_reads_as_its_upcast_v2():
    filed = plan(dict(envelope(), event_id=uuid4()), "leading_tech", "green_low_carbon", "cast_eco_env_consortium")
    old = {**orjson.loads(encode_event(filed)), "schema_version": 1, "tie_break": "earliest_submission",
           "criteria": [{"code": f"c{i}", "name": f"指标{i}", "weight": 1 / 3} for i in range(3)]}
    r = row(TARGETS, [orjson.dumps(old)], KEY)
    assert orjson.loads(r["criteria"]) == [{"code": f"c{i}", "name": f"指标{i}", "weight": w}
                                           for i, w in enumerate((34, 33, 33))]
    assert orjson.loads(r["tie_break"]) == ["earliest_submission"]


def test_an_assignment_ends_with_the_later_unassignment_and_a_conflict_stays():
    n, panel = uuid4(), dict(expert_id="expert-1", **BODY)
    assigned = encode_event(ExpertAssigned(**envelope(0), nomination_id=n, **panel, solver_input_hash="ab" * 32))
    unassigned = encode_event(ExpertUnassigned(**envelope(5), nomination_id=n, **panel, reason="调整"))
    again = encode_event(ExpertAssigned(**envelope(9), nomination_id=n, **panel))
    conflict = encode_event(ConflictDeclared(**envelope(7), nomination_id=n, expert_id="expert-1",
                                             reason_code="relative", reason="亲属"))
    key = (str(n), "expert-1")
    assert row(PANEL, [unassigned, assigned], key)["active"] is False
    final = row(PANEL, [again, conflict, unassigned, assigned], key)
    assert (final["active"], final["target_key"], final["solver_input_hash"]) == (True, KEY, None)
    assert (final["conflict_reason_code"], final["conflict_reason"]) == ("relative", "亲属")


def test_an_amendment_replaces_the_content_and_keeps_the_submissions_attachments():
    n, unit = uuid4(), dict(unit_id="unit-a", list_code="leading_tech", domain="green_low_carbon")
    at_unit = dict(envelope(key=unit_key(CAMPAIGN, "unit-a")), nomination_id=n, **unit)
    files = (AttachmentRef(name="报告.pdf", size=10, media_type="application/pdf", sha256="0" * 64),)
    submitted = encode_event(NominationSubmitted(**at_unit, title="初稿", form={"a": 1}, attachments=files))
    amended = encode_event(NominationAmended(**at_unit, revision=2, title="修订稿", form={"a": 2}))
    r = row(NOMINATIONS, [amended, submitted], str(n))
    assert (r["revision"], r["title"], orjson.loads(r["form"])) == (2, "修订稿", {"a": 2})
    assert orjson.loads(r["attachments"]) == [{"name": "报告.pdf", "size": 10, "media_type": "application/pdf",
                                               "sha256": "0" * 64}]


def test_a_decision_of_a_higher_revision_wins_over_a_later_one_of_a_lower():
    n, target = uuid4(), dict(list_code="leading_tech", domain="green_low_carbon")
    revised = encode_event(FinalDecisionRecorded(**envelope(0), nomination_id=n, **target, selected=True, revision=2))
    stale = encode_event(FinalDecisionRecorded(**envelope(30), nomination_id=n, **target, selected=False))
    assert row(NOMINATIONS, [revised, stale], str(n))["selected"] is True


def test_a_plan_is_stored_with_its_terms_and_roster_size():
    filed = plan(dict(envelope(), event_id=uuid4()), "leading_tech", "green_low_carbon", "cast_eco_env_consortium",
                 divergence_threshold=Decimal("15.50"))
    r = row(TARGETS, [encode_event(filed)], KEY)
    assert (r["campaign"], r["list_code"], r["domain"], r["filed_by"]) == \
        (CAMPAIGN, "leading_tech", "green_low_carbon", "cast_eco_env_consortium")
    assert (r["plan_event_id"], r["roster_size"], r["divergence_threshold"]) == (str(filed.event_id), 3,
                                                                                 Decimal("15.50"))
    assert orjson.loads(r["tie_break"]) == ["raw_sum", "earliest_submission"]
    assert orjson.loads(r["criteria"])[0] == {"code": "innovation", "name": "创新性", "weight": 60}


def test_poison_is_refused_record_by_record():
    n = uuid4()
    good = ExpertScoreRecorded(**envelope(), **BODY, nomination_id=n, expert_id="expert-1",
                               scores={"innovation": Decimal("80.00")}, total=Decimal("80.00"))
    bad_key = {**orjson.loads(encode_event(good)), "nomination_id": "NOT-A-UUID"}
    bad_total = {**orjson.loads(encode_event(good)), "total": "eighty"}
    folded = fold([b"{not json", orjson.dumps(bad_key), orjson.dumps(bad_total), encode_event(good)])
    assert [letter.record.offset for letter in folded.letters] == [0, 1, 2]
    assert "unprocessable" in folded.letters[1].reason and "undecodable" in folded.letters[2].reason
    assert list(folded.view.panel.rows) == [(str(n), "expert-1")]


def test_no_view_struct_reads_a_private_field():
    for struct in vars(review_events).values():
        if isinstance(struct, type) and issubclass(struct, msgspec.Struct):
            assert not set(struct.__struct_fields__) & PRIVATE_FIELDS.get(struct.__name__, frozenset())
