"""The ranking views' pure folds: facts commute, poison is refused record by record."""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import uuid4

import orjson
import pytest
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord
from hypothesis import given, settings, strategies as st

from bench.event_mix import EventMix, encode
from contracts.events import (
    Actor, NominationSubmitted, QuotaRejected, QuotaReleased, QuotaReserved, encode_event, unit_key,
)
from eventlog.consume.event_decoding import PoisonEvent
from services.publish.views import RANKINGS
from services.publish.views.ranking_tables import NOMINATIONS
from tests.support.ranking_log import ranking_events

AT = datetime(2022, 10, 1, tzinfo=timezone.utc)
UNIT = "unit-a"


def record(value: bytes, offset: int = 0) -> ConsumerRecord:
    return ConsumerRecord("t", 0, offset, 0, 0, b"k", value, None, 1, len(value), ())


def fold(values: list[bytes]):
    folded = RANKINGS.new_batch()
    RANKINGS.fold_into(folded, {TopicPartition("t", 0): [record(v, i) for i, v in enumerate(values)]})
    return folded


def nomination_row(values: list[bytes], nomination_id) -> dict:
    row = fold(values).view.nominations.rows[str(nomination_id)]
    return dict(zip(NOMINATIONS.column_names, row))


def common(nomination_id, **extra) -> dict:
    return dict(occurred_at=AT, campaign="kczg-2022", key=unit_key("kczg-2022", UNIT),
                actor=Actor(role="unit", id=UNIT), nomination_id=nomination_id, unit_id=UNIT, **extra)


def submitted(nomination_id) -> bytes:
    return encode_event(NominationSubmitted(**common(nomination_id), list_code="emerging_enterprise", title="某企业"))


def test_a_quota_decision_before_its_submission_gives_the_same_row():
    n = uuid4()
    reserved = encode_event(QuotaReserved(**common(n, list_code="emerging_enterprise"), slot=2, limit=5, used=2))
    nominated = submitted(n)
    assert nomination_row([reserved, nominated], n) == nomination_row([nominated, reserved], n)
    row = nomination_row([reserved, nominated], n)
    assert (row["quota_outcome"], row["quota_slot"], row["title"]) == ("reserved", 2, "某企业")


def test_a_refused_move_keeps_the_earlier_reservation_and_a_release_ends_it():
    n = uuid4()
    target = dict(list_code="emerging_enterprise")
    reserved = encode_event(QuotaReserved(**common(n, **target), slot=1, limit=5, used=1))
    refused = encode_event(QuotaRejected(**common(n, **target), revision=2, reason="over_quota", message="满",
                                         limit=5, used=5, keeps_previous=True))
    released = encode_event(QuotaReleased(**common(n, **target), slot=1, used=0, reason="withdrawn"))
    assert nomination_row([refused, reserved], n)["quota_outcome"] == "reserved"
    assert nomination_row([released, refused, reserved], n)["quota_outcome"] == "released"


@settings(max_examples=60, deadline=None)
@given(ranking_events(), st.randoms())
def test_the_fold_is_a_function_of_the_set_of_events(events, rnd):
    values = [encode_event(e) for e in events]
    shuffled = values + rnd.sample(values, k=len(values) // 3)
    rnd.shuffle(shuffled)
    assert {t: b.rows for t, b in fold(shuffled).view.tables.items()} == \
           {t: b.rows for t, b in fold(values).view.tables.items()}


def test_poison_is_refused_record_by_record():
    n = uuid4()
    bad_key = orjson.loads(submitted(n))
    bad_key["nomination_id"] = "not-a-uuid"
    wrong_type = orjson.loads(submitted(n))
    wrong_type["revision"] = "two"
    unknown = {**orjson.loads(submitted(n)), "type": "NominationTeleported"}
    folded = fold([b"{not json", orjson.dumps(bad_key), orjson.dumps(wrong_type), orjson.dumps(unknown), submitted(n)])
    assert [letter.record.offset for letter in folded.letters] == [0, 1, 2, 3]
    assert list(folded.view.nominations.rows) == [str(n)]  # the good record still counts
    assert folded.events == 5


def test_types_the_view_does_not_read_are_checked_but_skipped():
    with pytest.raises(PoisonEvent):
        RANKINGS.decoder.decode(b'{"type": "NoSuchEvent"}')
    assert type(RANKINGS.decoder.decode(b'{"type": "ExpertAssigned", "anything": 1}')).__name__ == "ExpertAssigned"


def test_the_benchmark_log_is_read_without_poison():
    folded = fold([encode(r)[2] for r in EventMix(seed=1, units_per_campaign=20).events(3000)])
    assert folded.letters == [] and len(folded.view.nominations) > 100


def test_the_later_revision_of_a_decision_wins_when_both_share_one_instant():
    from uuid import UUID

    from contracts.events import FinalDecisionRecorded, target_key

    n = uuid4()
    decided = dict(occurred_at=AT, campaign="kczg-2022", key=target_key("kczg-2022", "leading_tech", "biomedicine"),
                   actor=Actor(role="secretariat", id="kczg_secretariat"), nomination_id=n,
                   list_code="leading_tech", domain="biomedicine")
    # Revision 1 selects it and has the larger event id: ordered by time and id, it would win.
    first = encode_event(FinalDecisionRecorded(**decided, event_id=UUID("ffffffff-ffff-4fff-bfff-ffffffffffff"),
                                               selected=True, revision=1, note="入选"))
    second = encode_event(FinalDecisionRecorded(**decided, event_id=UUID("00000000-0000-4000-8000-000000000000"),
                                                selected=False, revision=2, note="改为未入选"))
    for order in ([first, second], [second, first]):
        row = nomination_row([submitted(n), *order], n)
        assert (row["selected"], row["decision_note"], row["decision_revision"]) == (False, "改为未入选", 2)
