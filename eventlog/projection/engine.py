"""A projection: pure folds of events into view tables, written with its offsets in one transaction.

A projection names its topics, the structs it decodes (event_decoding) and one pure function
per event type (`folds`) that merges an event into a `ViewBatch` by the tables' rules
(view_table). The engine decodes a batch of records, folds it in memory and writes it
(projection_store); projection_live wires the two into a live consumer. Live views and rebuilds run
these same functions, so they cannot diverge.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from contracts.topics import Topic

from eventlog.consume.consumer import Records
from eventlog.consume.deadletter import DeadLetter
from eventlog.consume.event_decoding import EventDecoder, PoisonEvent, ViewEvent
from eventlog.projection.table_batch import TableBatch
from eventlog.projection.view_table import ViewTable

Fold = Callable[["ViewBatch", Any], None]


class ViewBatch:
    """One TableBatch per table of the projection, as attributes: `view.nominations.latest(…)`."""

    def __init__(self, tables: tuple[ViewTable, ...]) -> None:
        self.tables = {t.name: TableBatch(t) for t in tables}
        self.__dict__.update(self.tables)


@dataclass
class FoldedBatch:
    view: ViewBatch
    letters: list[DeadLetter] = field(default_factory=list)
    last_record_ms: dict[tuple[str, int], int] = field(default_factory=dict)  # Kafka timestamp per partition
    events: int = 0


@dataclass(frozen=True)
class Projection:
    name: str                  # owner of the stored offsets, e.g. "publish.rankings"
    schema: str                # PostgreSQL schema of the live view; rebuilds build beside it and swap
    topics: tuple[Topic, ...]
    tables: tuple[ViewTable, ...]
    folds: Mapping[type[ViewEvent], Fold]
    version: int = 1           # bump when a fold's meaning changes: a new definition is rebuilt on start
    decoder: EventDecoder = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "decoder", EventDecoder(self.folds))

    def topic_names(self) -> list[str]:
        return [t.name for t in self.topics]  # resolved now: the topic prefix is read from the environment

    def definition_hash(self) -> str:
        text = "\n".join([self.name, str(self.version), *(t.create_sql("s") for t in self.tables),
                          *(sql for t in self.tables for sql in t.index_sql("s"))])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def new_batch(self) -> FoldedBatch:
        return FoldedBatch(ViewBatch(self.tables))

    def fold_into(self, folded: FoldedBatch, records: Records) -> None:
        """Decode `records` and merge them into `folded` (pure: no I/O). Poison becomes dead letters."""
        decode_each, folds, view, letters = self.decoder.decode_each, self.folds, folded.view, folded.letters
        for tp, recs in records.items():
            if not recs:
                continue
            for record, event in zip(recs, decode_each([r.value for r in recs])):
                if type(event) is PoisonEvent:
                    letters.append(DeadLetter(record, f"undecodable: {event}"))
                    continue
                fold = folds.get(type(event))
                if fold is not None:
                    try:
                        fold(view, event)
                    except Exception as exc:  # a fact the view cannot hold; live and rebuild skip it alike
                        letters.append(DeadLetter(record, f"unprocessable: {exc!r}"))
            key = (tp.topic, tp.partition)
            folded.last_record_ms[key] = max(folded.last_record_ms.get(key, 0), recs[-1].timestamp)
            folded.events += len(recs)
