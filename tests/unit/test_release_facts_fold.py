"""The release facts' pure folds: a function of the set of events (any order, any repetition), the latest
decision by revision, the holder from the form, and no private field ever read."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import msgspec
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord
from hypothesis import given, settings, strategies as st

from contracts import events
from contracts.events import Actor, FinalDecisionRecorded, NominationAmended, NominationSubmitted, encode_event
from services.publish.views import RELEASE_FACTS, release_events
from services.publish.views.release_facts import ENTRIES
from tests.support.ranking_log import ranking_events

AT = datetime(2022, 12, 10, tzinfo=timezone.utc)
ACTOR = Actor(role="secretariat", id="kczg_secretariat")


def fold(values: list[bytes]):
    folded = RELEASE_FACTS.new_batch()
    RELEASE_FACTS.fold_into(folded, {TopicPartition("t", 0): [
        ConsumerRecord("t", 0, i, 0, 0, b"k", v, None, 1, len(v), ()) for i, v in enumerate(values)]})
    assert folded.letters == []
    return folded


@settings(max_examples=60, deadline=None)
@given(ranking_events(), st.randoms())
def test_the_fold_is_a_function_of_the_set_of_events(drawn, rnd):
    values = [encode_event(e) for e in drawn]
    shuffled = values + rnd.sample(values, k=len(values) // 3)
    rnd.shuffle(shuffled)
    assert {t: b.rows for t, b in fold(shuffled).view.tables.items()} == \
           {t: b.rows for t, b in fold(values).view.tables.items()}


def test_the_latest_decision_is_the_highest_revision_whenever_it_arrives():
    n = uuid4()
    common = dict(campaign="kczg-2022", key="kczg-2022:leading_tech:biomedicine", actor=ACTOR, nomination_id=n,
                  list_code="leading_tech", domain="biomedicine")
    later_but_lower = encode_event(FinalDecisionRecorded(occurred_at=AT + timedelta(days=1), **common, selected=False))
    revised = encode_event(FinalDecisionRecorded(occurred_at=AT, **common, selected=True, revision=2))
    for order in ([later_but_lower, revised], [revised, later_but_lower]):
        row = dict(zip(ENTRIES.column_names, fold(order).view.entries.rows[str(n)]))
        assert (row["selected"], row["decision_revision"]) == (True, 2)


def test_the_holder_comes_from_the_latest_revisions_form():
    n = uuid4()
    common = dict(occurred_at=AT, campaign="kczg-2022", key="kczg-2022:unit-a", actor=ACTOR, nomination_id=n,
                  unit_id="unit-a", list_code="leading_tech", domain="biomedicine")
    first = encode_event(NominationSubmitted(**common, title="技术", form={"completing_units": ["甲公司"]}))
    amended = encode_event(NominationAmended(**common, revision=2, title="技术（更正）",
                                             form={"completing_units": ["乙公司", "甲公司"]}))
    row = dict(zip(ENTRIES.column_names, fold([amended, first]).view.entries.rows[str(n)]))
    assert (row["title"], row["holder_org"]) == ("技术（更正）", "乙公司")


def test_no_release_struct_reads_a_private_field():
    for struct in vars(release_events).values():
        if isinstance(struct, type) and issubclass(struct, msgspec.Struct):
            assert not set(struct.__struct_fields__) & events.PRIVATE_FIELDS.get(struct.__name__, frozenset())
    assert "ObjectionFiled" not in {s.__struct_config__.tag for s in RELEASE_FACTS.decoder.read_types}


def test_a_targets_submitted_results_are_what_the_notice_reads_and_the_latest_wins():
    from contracts.events import PrelimResultsSubmitted
    from services.publish.views.release_facts import TARGET_RESULTS

    a, b = uuid4(), uuid4()
    common = dict(campaign="kczg-2022", key="kczg-2022:emerging_enterprise:", list_code="emerging_enterprise",
                  actor=Actor(role="review_body", id="kczg_secretariat"), body_code="kczg_secretariat")
    first = encode_event(PrelimResultsSubmitted(occurred_at=AT, **common, ranked=(a,)))
    again = encode_event(PrelimResultsSubmitted(occurred_at=AT + timedelta(hours=1), **common, ranked=(b, a)))
    for order in ([first, again], [again, first]):
        rows = fold(order).view.results.rows
        row = dict(zip(TARGET_RESULTS.column_names, rows[("kczg-2022", "emerging_enterprise", "")]))
        assert (row["body_code"], row["ranked"]) == ("kczg_secretariat", [str(b), str(a)])
