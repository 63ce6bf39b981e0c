"""Single source of truth for the single-node Kafka (KRaft) broker and the stack versions.

Both the local jar-based stack (``deploy/local/``) and the generated
``docker-compose.yml`` (``deploy/gen_compose.py``) build their broker settings
from :func:`broker_properties`, so both environments run the same broker.

This module is stdlib-only: ``deploy/local/stack.py`` imports it (and its own
parts) with the project root on the path, before any project dependency is installed.
"""

from __future__ import annotations

import os

# --- Versions -----------------------------------------------------------------

KAFKA_VERSION = "4.1.1"
SCALA_BINARY_VERSION = "2.13"
KAFKA_IMAGE = f"apache/kafka:{KAFKA_VERSION}"

# Kafka's Maven POM brings log4j-core/api but no SLF4J binding. Kafka 4.1 still
# logs through SLF4J 1.7.x, so the binding is log4j-slf4j-impl (not the
# slf4j2 flavour); deploy/local/kafka_jars.py checks both against the resolved jars.
LOG4J_VERSION = "2.24.3"
SLF4J_BINDING_ARTIFACT = "log4j-slf4j-impl"

POSTGRES_MAJOR = 15
POSTGRES_IMAGE = f"postgres:{POSTGRES_MAJOR}"

# --- Local defaults -----------------------------------------------------------

LOCAL_HOST = "127.0.0.1"
# Overridable so a second checkout (e.g. a CI dry run) can run beside a developer's stack.
KAFKA_PORT = int(os.environ.get("KCZG_KAFKA_PORT", "19092"))
KAFKA_CONTROLLER_PORT = int(os.environ.get("KCZG_KAFKA_CONTROLLER_PORT", str(KAFKA_PORT + 1)))
POSTGRES_PORT = int(os.environ.get("KCZG_PG_PORT", "15432"))
# The local mail sink (deploy/local/mail_sink.py): SMTP that keeps what it receives, for development and tests.
SMTP_PORT = int(os.environ.get("KCZG_SMTP_PORT", "11025"))
POSTGRES_DB = "kczg"
POSTGRES_USER = "kczg"

# A fixed cluster id keeps formatting reproducible (22-char base64 UUID).
CLUSTER_ID = "a2N6Zy1sb2NhbC1rcmFmdA"

NODE_ID = 1
HEAP_OPTS = "-Xmx512m -Xms256m"

# --- Broker settings ----------------------------------------------------------

# Settings that do not depend on where the broker runs.
BASE_PROPERTIES: dict[str, str] = {
    "process.roles": "broker,controller",
    "node.id": str(NODE_ID),
    # One broker: internal topics cannot be replicated.
    "offsets.topic.replication.factor": "1",
    "offsets.topic.num.partitions": "1",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    # Broker default is 3 s; tests would wait for it on every new group.
    "group.initial.rebalance.delay.ms": "0",
    # Small (2-core) machines.
    "num.network.threads": "2",
    "num.io.threads": "2",
    "num.partitions": "6",
    # Topics are created explicitly (``kczg topics create``), never by typo.
    "auto.create.topics.enable": "false",
    # The event log is the system of record: never delete by age.
    "log.retention.ms": "-1",
}

# Keys whose values depend on host, ports or data directory.
LISTENER_KEYS = frozenset(
    {
        "listeners",
        "advertised.listeners",
        "listener.security.protocol.map",
        "controller.listener.names",
        "inter.broker.listener.name",
        "controller.quorum.voters",
        "log.dirs",
    }
)


def broker_properties(
    host: str,
    port: int,
    controller_port: int,
    data_dir: str,
    *,
    bind_host: str | None = None,
    controller_host: str | None = None,
    advertised_port: int | None = None,
) -> dict[str, str]:
    """Full broker configuration.

    ``host`` is what clients are told to connect to (advertised listener).
    ``bind_host`` is the interface to listen on: defaults to ``host``; use ``""``
    to listen on all interfaces (inside a container).
    ``controller_host`` is how the node reaches its own controller (defaults
    to ``host``). ``advertised_port`` defaults to ``port`` (differs only behind
    a port mapping).
    """
    bind = host if bind_host is None else bind_host
    voter_host = host if controller_host is None else controller_host
    public_port = port if advertised_port is None else advertised_port
    props = dict(BASE_PROPERTIES)
    props.update(
        {
            "listeners": f"PLAINTEXT://{bind}:{port},CONTROLLER://{bind}:{controller_port}",
            "advertised.listeners": f"PLAINTEXT://{host}:{public_port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            # Static voters: storage must be formatted WITHOUT --standalone.
            "controller.quorum.voters": f"{NODE_ID}@{voter_host}:{controller_port}",
            "log.dirs": data_dir,
        }
    )
    return props


def local_broker_properties(data_dir: str) -> dict[str, str]:
    """Broker settings of the local stack (loopback only)."""
    return broker_properties(LOCAL_HOST, KAFKA_PORT, KAFKA_CONTROLLER_PORT, data_dir)


# The apache/kafka image creates this directory (writable, declared a volume).
CONTAINER_DATA_DIR = "/var/lib/kafka/data"
CONTAINER_PORT = 9092
CONTAINER_CONTROLLER_PORT = 9093


def container_properties(
    port: int = CONTAINER_PORT,
    *,
    advertised_host: str = "localhost",
    advertised_port: int | None = None,
) -> dict[str, str]:
    """Broker settings inside an apache/kafka container: listen on all
    interfaces, advertise ``advertised_host`` (``kafka`` in docker-compose)."""
    return broker_properties(
        advertised_host,
        port,
        CONTAINER_CONTROLLER_PORT,
        CONTAINER_DATA_DIR,
        bind_host="",
        controller_host="localhost",
        advertised_port=advertised_port,
    )


# --- apache/kafka image env convention ----------------------------------------

ENV_PREFIX = "KAFKA_"

# KAFKA_* variables the image does not turn into properties (its
# kafka-propertiesSpec.json excludes, plus the JVM option variables).
NON_PROPERTY_ENV = frozenset(
    {
        "KAFKA_VERSION",
        "KAFKA_HEAP_OPT",
        "KAFKA_HEAP_OPTS",
        "KAFKA_LOG4J_OPTS",
        "KAFKA_OPTS",
        "KAFKA_JMX_OPTS",
        "KAFKA_JVM_PERFORMANCE_OPTS",
        "KAFKA_GC_LOG_OPTS",
        "KAFKA_LOG4J_ROOT_LOGLEVEL",
        "KAFKA_LOG4J_LOGGERS",
        "KAFKA_TOOLS_LOG4J_LOGLEVEL",
    }
)


def property_to_env(name: str) -> str:
    """``log.dirs`` → ``KAFKA_LOG_DIRS`` (``_``→``__``, ``-``→``___``, ``.``→``_``)."""
    # Escape underscores first so the dots' single underscores stay unambiguous.
    escaped = name.replace("_", "__").replace("-", "___").replace(".", "_")
    return ENV_PREFIX + escaped.upper()


def env_to_property(var: str) -> str:
    """Inverse of :func:`property_to_env`; mirrors the image's ConvertKey."""
    if not var.startswith(ENV_PREFIX):
        raise ValueError(f"not a Kafka property variable: {var}")
    body = var[len(ENV_PREFIX) :]
    # Runs of 3, 2 and 1 underscores mean '-', '_' and '.' respectively.
    out: list[str] = []
    i = 0
    while i < len(body):
        if body[i] != "_":
            out.append(body[i])
            i += 1
            continue
        run = len(body) - i - len(body[i:].lstrip("_"))
        if run not in (1, 2, 3):
            raise ValueError(f"ambiguous underscore run in {var}")
        out.append({1: ".", 2: "_", 3: "-"}[run])
        i += run
    return "".join(out).lower()


def docker_env(properties: dict[str, str]) -> dict[str, str]:
    """Map broker properties to apache/kafka image environment variables."""
    return {property_to_env(k): str(v) for k, v in properties.items()}


def properties_from_docker_env(env: dict[str, str]) -> dict[str, str]:
    """Broker properties the apache/kafka image renders from ``env``."""
    return {
        env_to_property(k): str(v)
        for k, v in env.items()
        if k.startswith(ENV_PREFIX) and k not in NON_PROPERTY_ENV
    }
