"""Topic set-up: create every topic the contracts name, idempotently, with unlimited retention."""

from __future__ import annotations

import asyncio

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from contracts.topics import ALL_TOPICS, Topic

from eventlog.settings import kafka_bootstrap

UNLIMITED = {"retention.ms": "-1", "retention.bytes": "-1"}


async def create_topics(topics: tuple[Topic, ...] = ALL_TOPICS, bootstrap: str | None = None,
                        timeout_s: float = 60) -> list[str]:
    """Create missing topics; returns the names created. Waits for the broker up to `timeout_s`."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap or kafka_bootstrap())
    await _start_with_retry(admin, timeout_s)
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t.name not in existing]
        if missing:
            try:
                await admin.create_topics([NewTopic(t.name, t.partitions, 1, topic_configs=UNLIMITED)
                                           for t in missing])
            except TopicAlreadyExistsError:
                pass  # another process won the race
        return [t.name for t in missing]
    finally:
        await admin.close()


async def _start_with_retry(admin: AIOKafkaAdminClient, timeout_s: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            await admin.start()
            return
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
