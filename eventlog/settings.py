"""Connection settings, from the environment the local stack or docker-compose prints."""

from __future__ import annotations

import os
import socket

DEFAULT_KAFKA = "127.0.0.1:19092"
DEFAULT_DATABASE = "postgresql://kczg@127.0.0.1:15432/kczg"


def kafka_bootstrap() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS", DEFAULT_KAFKA)


def database_url() -> str:
    return os.environ.get("DATABASE_URL", DEFAULT_DATABASE)


def consumer_group(name: str) -> str:
    """Group ids follow the topic prefix, so isolated topic sets never share a consumer group."""
    return os.environ.get("KCZG_TOPIC_PREFIX", "") + name


def instance_name() -> str:
    """This process among a service's instances: KCZG_INSTANCE, else host:pid."""
    return os.environ.get("KCZG_INSTANCE") or f"{socket.gethostname()}:{os.getpid()}"


def environment() -> str:
    """KCZG_ENV: "production" on the real platform; anything else (default "development") allows the
    demo conveniences (a moved clock, the X-Kczg-Clock header, the development JWT key)."""
    return os.environ.get("KCZG_ENV", "development").strip().lower() or "development"


def is_production() -> bool:
    return environment() == "production"

