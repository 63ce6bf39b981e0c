"""The unit of work for a consumer that decides (quota): the same steps as UnitOfWork.run, inside the
stored-offset consumer's transaction (consumer.py) instead of a request's.

    the consumer's transaction (its offset rows: the lock — one partition, one consumer — and the
    idempotency record — a record applied once is never applied again)
    -> load the batch's state -> decide each event, purely, in log order -> save state + stage the
    decisions (Outbox.stage, `staged`) -> commit with the offsets -> `committed`: publish the staged rows

A batch's decisions are published while the next batch is read and decided: the outbox keeps each
partition key's rows in order, a later batch's publish waits behind this one, and a publish that fails
leaves its rows to the relay (they are committed: the outcome is settled, only its delivery is late).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from contracts.events import Event

from eventlog.write.outbox import Outbox

log = logging.getLogger(__name__)


class ConsumerDecisions:
    """The decisions one consumer's batch staged, published once the batch committed."""

    def __init__(self, outbox: Outbox, name: str) -> None:
        self.outbox, self.name = outbox, name
        self._staged: set[bytes] = set()  # partition keys with decisions staged by the batch being applied
        self._publishing: set[asyncio.Task] = set()

    def staged(self, decisions: Sequence[Event]) -> None:
        """The batch's decisions, staged in its transaction (by the service's save)."""
        self._staged = {d.key.encode() for d in decisions}

    def committed(self) -> None:
        """The batch committed: publish its decisions in the background."""
        staged, self._staged = self._staged, set()
        if staged:
            task = asyncio.create_task(self._publish(staged))
            self._publishing.add(task)
            task.add_done_callback(self._publishing.discard)

    async def _publish(self, keys: set[bytes]) -> None:
        try:
            await self.outbox.publish(keys)
        except Exception:  # noqa: BLE001 — committed: the relay publishes them once the broker answers
            log.warning("%s: publishing %d keys' decisions failed; the relay will", self.name, len(keys), exc_info=True)
