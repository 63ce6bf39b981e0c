"""View tables merge like facts: the same rows whatever the order, the repetition or the batching."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from eventlog.projection.table_batch import TableBatch
from eventlog.projection.view_table import Column, LatestBy, Least, ViewTable, micros

SCORE = LatestBy((Column("scored_at", "integer"), Column("score_event", "text")), (Column("score", "integer"),))
FIRST_SEEN = Least(Column("first_seen", "integer"))
TABLE = ViewTable("things", key=(Column("thing_id", "text"),), groups=(SCORE, FIRST_SEEN))

facts = st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 3), st.sampled_from("xyz"), st.integers(0, 99),
                           st.booleans()), max_size=30)


def fold(batch: TableBatch, fact: tuple) -> None:
    key, at, event, value, is_score = fact
    if is_score:  # an event id names one fact: the same id never carries two values
        batch.latest(SCORE, key, (at, f"{event}{value:02d}"), (value,))
    else:
        batch.least(FIRST_SEEN, key, at)


def rows(fact_list: list[tuple]) -> dict:
    batch = TableBatch(TABLE)
    for fact in fact_list:
        fold(batch, fact)
    return batch.rows


@given(facts, st.randoms())
def test_any_order_and_any_repetition_give_the_same_rows(fact_list, rnd):
    # The same facts, shuffled and some delivered twice.
    again = fact_list + rnd.sample(fact_list, k=len(fact_list) // 2)
    rnd.shuffle(again)
    assert rows(again) == rows(fact_list)


def test_the_highest_version_wins_and_ties_break_on_the_event():
    assert rows([("a", 2, "x", 10, True), ("a", 1, "z", 20, True)])["a"][1:4] == [2, "x10", 10]
    assert rows([("a", 2, "x", 10, True), ("a", 2, "y", 20, True)])["a"][1:4] == [2, "y20", 20]


def test_least_keeps_the_first_instant():
    assert rows([("a", 3, "x", 0, False), ("a", 1, "x", 0, False), ("a", 2, "x", 0, False)])["a"][4] == 1


def test_a_uuid_key_must_be_canonical():
    table = ViewTable("t", key=(Column("id", "uuid"),), groups=(Least(Column("at", "integer")),))
    batch = TableBatch(table)
    batch.least(table.groups[0], "0b5c8a3e-43a4-4c3a-9d3e-2d0c6f7e8a91", 1)
    for bad in ("0B5C8A3E-43A4-4C3A-9D3E-2D0C6F7E8A91", "not-a-uuid", "0b5c8a3e43a44c3a9d3e2d0c6f7e8a91"):
        with pytest.raises(ValueError):
            batch.least(table.groups[0], bad, 1)


def test_sql_merges_by_the_same_rules():
    sql = TABLE.merge_sql("s")
    assert "ON CONFLICT (thing_id)" in sql and "ORDER BY thing_id" in sql
    assert "ROW(EXCLUDED.scored_at, EXCLUDED.score_event) > ROW(t.scored_at, t.score_event)" in sql
    assert "first_seen = LEAST(t.first_seen, EXCLUDED.first_seen)" in sql


def test_a_group_belongs_to_one_table():
    with pytest.raises(ValueError):
        ViewTable("other", key=(Column("k", "text"),), groups=(SCORE,))


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(timezone.utc)))
def test_instants_are_held_as_exact_microseconds(moment):
    assert micros(moment) == (moment - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)
    assert micros(moment.replace(tzinfo=None)) == micros(moment)  # naive means UTC, on every host
