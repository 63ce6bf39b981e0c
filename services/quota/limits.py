"""Where a pool's limit comes from. The walking skeleton uses one fixed limit for every pool."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

from contracts.events import NominationSubmitted


class LimitPolicy(Protocol):
    def limit_for(self, submitted: NominationSubmitted) -> int | None: ...


@dataclass(frozen=True)
class FixedLimit:
    limit: int

    def limit_for(self, submitted: NominationSubmitted) -> int | None:
        return self.limit


def limit_policy_from_env() -> LimitPolicy:
    return FixedLimit(int(os.environ.get("QUOTA_FIXED_LIMIT", "3")))
