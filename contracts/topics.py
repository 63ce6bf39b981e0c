"""Topic names, partition counts and what each carries. The only place topic names are spelled.

`KCZG_TOPIC_PREFIX` (empty by default) lets tests and demos run on their own topic set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    base: str
    partitions: int
    carries: str

    @property
    def name(self) -> str:
        return os.environ.get("KCZG_TOPIC_PREFIX", "") + self.base


# Keyed by campaign:unit so one unit's submissions are serialised on one partition.
NOMINATIONS = Topic("kczg.nominations", 6, "NominationSubmitted/Amended/Withdrawn, keyed campaign:unit")
QUOTA = Topic("kczg.quota", 6, "QuotaReserved/Rejected/Released, keyed campaign:unit")
DEADLETTER = Topic("kczg.deadletter", 1, "undecodable or unprocessable records with the reason")

ALL_TOPICS: tuple[Topic, ...] = (NOMINATIONS, QUOTA, DEADLETTER)
