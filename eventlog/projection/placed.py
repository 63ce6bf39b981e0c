"""A projection whose folds also take each event's place on the log, for views that keep the log's order.

Events of one command share their instant, and a view of "what happened, in order" needs what came first
among them: the log says it, by offset within a partition. `place` packs (topic, partition, offset) into one
integer that sorts as the log does within a partition, and by the projection's topic order across topics
(a submission's topic before the quota decision it causes). Live views and rebuilds read the same log, so
a place is as deterministic as any other fact; a record redelivered at another offset keeps its first place
when the table merges places by `Least`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventlog.consume.consumer import Records
from eventlog.consume.deadletter import DeadLetter
from eventlog.consume.event_decoding import PoisonEvent
from eventlog.projection.engine import FoldedBatch, Projection, ViewBatch

PlacedFold = Callable[[ViewBatch, Any, int], None]
_PARTITION_BITS, _OFFSET_BITS = 16, 40


def place(topic_rank: int, partition: int, offset: int) -> int:
    """One sortable integer (fits a bigint) for an event's place: topic rank, then partition, then offset."""
    if not (0 <= topic_rank < 64 and 0 <= partition < 1 << _PARTITION_BITS and 0 <= offset < 1 << _OFFSET_BITS):
        raise ValueError(f"no place for topic rank {topic_rank}, partition {partition}, offset {offset}")
    return (topic_rank << (_PARTITION_BITS + _OFFSET_BITS)) | (partition << _OFFSET_BITS) | offset


@dataclass(frozen=True)
class PlacedProjection(Projection):
    """`folds` take (view, event, place); the topic rank is the topic's index in `topics`."""

    def fold_into(self, folded: FoldedBatch, records: Records) -> None:
        ranks = {name: rank for rank, name in enumerate(self.topic_names())}
        decode_each, folds, view, letters = self.decoder.decode_each, self.folds, folded.view, folded.letters
        for tp, recs in records.items():
            if not recs:
                continue
            rank = ranks[tp.topic]
            for record, event in zip(recs, decode_each([r.value for r in recs])):
                if type(event) is PoisonEvent:
                    letters.append(DeadLetter(record, f"undecodable: {event}"))
                    continue
                fold = folds.get(type(event))
                if fold is not None:
                    try:
                        fold(view, event, place(rank, tp.partition, record.offset))
                    except Exception as exc:  # a fact the view cannot hold; live and rebuild skip it alike
                        letters.append(DeadLetter(record, f"unprocessable: {exc!r}"))
            key = (tp.topic, tp.partition)
            folded.last_record_ms[key] = max(folded.last_record_ms.get(key, 0), recs[-1].timestamp)
            folded.events += len(recs)
