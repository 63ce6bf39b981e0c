"""Each test that needs it gets its own PostgreSQL database and its own Kafka topic set."""

from __future__ import annotations

import asyncio
import os
import uuid
from contextlib import asynccontextmanager
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from eventlog.admin import create_topics


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@asynccontextmanager
async def isolated_env(stack_env: dict[str, str]) -> AsyncIterator[dict[str, str]]:
    """A fresh database and topic prefix; the environment a service process needs to use them."""
    tag = uuid.uuid4().hex[:10]
    db_name, prefix = f"t_{tag}", f"t{tag}."
    admin = await asyncpg.connect(stack_env["DATABASE_URL"])
    try:
        await admin.execute(f'CREATE DATABASE "{db_name}"')
    finally:
        await admin.close()
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": stack_env["KAFKA_BOOTSTRAP_SERVERS"],
        "DATABASE_URL": _with_database(stack_env["DATABASE_URL"], db_name),
        "KCZG_TOPIC_PREFIX": prefix,
        # The session's mail sink (tests/support/stack.py), shared: a test tells its mail apart by recipient.
        **{k: stack_env[k] for k in ("SMTP_HOST", "SMTP_PORT", "KCZG_MAIL_DIR") if k in stack_env},
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        await create_topics()
        yield env
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        await _drop_database(stack_env["DATABASE_URL"], db_name)
        await _delete_topics(stack_env["KAFKA_BOOTSTRAP_SERVERS"], prefix)


async def _delete_topics(bootstrap: str, prefix: str) -> None:
    """Thousands of leftover topic sets slow every metadata request on the shared broker."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if names:
            await admin.delete_topics(names)
    except Exception:  # best effort: a leftover topic costs speed, never correctness
        pass
    finally:
        await admin.close()


async def _drop_database(url: str, name: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for _ in range(20):
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except asyncpg.ObjectInUseError:
                await asyncio.sleep(0.25)
    finally:
        await conn.close()
