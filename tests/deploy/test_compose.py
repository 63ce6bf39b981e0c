"""docker-compose.yml must run the same broker as the local stack and never drift
from its generator (deploy/gen_compose.py). No broker or Docker needed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

from deploy import gen_compose, kafka_settings
from deploy.local import kafka as local_kafka

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
APP_SERVICES = ("intake", "quota")


def _load_stack():
    # stack.py is a standalone script; load it by path as CI would run it.
    spec = importlib.util.spec_from_file_location("kczg_stack", ROOT / "deploy/local/stack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def compose_broker(compose) -> dict[str, str]:
    return kafka_settings.properties_from_docker_env(compose["services"]["kafka"]["environment"])


@pytest.fixture(scope="module")
def local_broker(tmp_path_factory) -> dict[str, str]:
    return kafka_settings.local_broker_properties(str(tmp_path_factory.mktemp("kafka-data")))


def split_listener(value: str) -> dict[str, tuple[str, str]]:
    """'PLAINTEXT://h:1,CONTROLLER://h:2' -> {'PLAINTEXT': ('h', '1'), ...}"""
    out = {}
    for item in value.split(","):
        name, address = item.split("://")
        host, port = address.rsplit(":", 1)
        out[name] = (host, port)
    return out


def test_file_is_what_the_generator_produces_now():
    assert COMPOSE_FILE.read_text() == gen_compose.render(), (
        "docker-compose.yml is stale: run python deploy/gen_compose.py"
    )


def test_file_says_it_is_generated():
    head = COMPOSE_FILE.read_text().splitlines()[:3]
    assert any("GENERATED" in line for line in head)
    assert any("python deploy/gen_compose.py" in line for line in head)


def test_broker_settings_equal_the_local_stack(compose_broker, local_broker):
    def location_free(props):
        return {k: v for k, v in props.items() if k not in kafka_settings.LISTENER_KEYS}

    assert location_free(compose_broker) == location_free(local_broker)
    assert set(compose_broker) == set(local_broker)


def test_listener_settings_have_the_same_structure(compose_broker, local_broker):
    for props in (compose_broker, local_broker):
        listeners = split_listener(props["listeners"])
        advertised = split_listener(props["advertised.listeners"])
        assert set(listeners) == {"PLAINTEXT", "CONTROLLER"}
        assert set(advertised) == {"PLAINTEXT"}  # a controller is never advertised
        assert advertised["PLAINTEXT"][1] == listeners["PLAINTEXT"][1]
        node_id, voter = props["controller.quorum.voters"].split("@")
        assert node_id == props["node.id"]
        assert voter.rsplit(":", 1)[1] == listeners["CONTROLLER"][1]
        assert props["log.dirs"]
    same = ("listener.security.protocol.map", "controller.listener.names",
            "inter.broker.listener.name")
    assert {k: compose_broker[k] for k in same} == {k: local_broker[k] for k in same}
    # Inside compose the broker is reached by service name.
    assert split_listener(compose_broker["advertised.listeners"])["PLAINTEXT"][0] == "kafka"


def test_the_local_stack_writes_the_same_settings(tmp_path, monkeypatch, local_broker):
    _load_stack()  # the script imports its parts (deploy/local/kafka.py writes the broker's settings)
    monkeypatch.setattr(local_kafka.KafkaPaths, "data", tmp_path / "data")
    monkeypatch.setattr(local_kafka.KafkaPaths, "logs", tmp_path / "logs")
    monkeypatch.setattr(local_kafka.KafkaPaths, "server_properties", tmp_path / "server.properties")
    monkeypatch.setattr(local_kafka.KafkaPaths, "log4j2", tmp_path / "log4j2.properties")
    local_kafka.write_kafka_config()
    lines = (tmp_path / "server.properties").read_text().splitlines()
    written = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    expected = kafka_settings.local_broker_properties(str(tmp_path / "data"))
    assert written == expected


def test_required_broker_settings():
    props = kafka_settings.local_broker_properties("/data")
    assert props["process.roles"] == "broker,controller"
    assert props["auto.create.topics.enable"] == "false"
    assert props["log.retention.ms"] == "-1"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert props["transaction.state.log.min.isr"] == "1"


def test_images_match_the_version_constants(compose):
    services = compose["services"]
    assert services["kafka"]["image"] == f"apache/kafka:{kafka_settings.KAFKA_VERSION}"
    assert services["kafka"]["image"] == kafka_settings.KAFKA_IMAGE
    assert services["postgres"]["image"] == f"postgres:{kafka_settings.POSTGRES_MAJOR}"
    assert services["postgres"]["image"] == kafka_settings.POSTGRES_IMAGE


def test_cluster_id_is_the_local_one(compose):
    assert compose["services"]["kafka"]["environment"]["CLUSTER_ID"] == kafka_settings.CLUSTER_ID


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_infrastructure(compose, name):
    depends = compose["services"][name]["depends_on"]
    assert depends["kafka"]["condition"] == "service_healthy"
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["topics"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", ("topics", *APP_SERVICES))
def test_app_containers_are_built_and_connected(compose, name):
    service = compose["services"][name]
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (ROOT / service["build"]["dockerfile"]).exists()
    assert service["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert service["environment"]["DATABASE_URL"] == "postgresql://kczg@postgres:5432/kczg"


def test_commands_and_healthchecks(compose):
    services = compose["services"]
    assert services["topics"]["command"] == ["kczg", "topics", "create"]
    assert services["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["intake"]["command"] == ["kczg", "serve", "intake"]
    assert services["quota"]["command"] == ["kczg", "serve", "quota"]
    assert "8000:8000" in services["intake"]["ports"]
    assert "kafka-topics.sh --bootstrap-server localhost:9092 --list" in " ".join(
        services["kafka"]["healthcheck"]["test"]
    )
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    pg_env = services["postgres"]["environment"]
    assert pg_env == {"POSTGRES_USER": "kczg", "POSTGRES_DB": "kczg",
                      "POSTGRES_HOST_AUTH_METHOD": "trust"}


@pytest.mark.parametrize(
    "name",
    ["log.dirs", "offsets.topic.replication.factor", "a_b.c-d", "x.y_z"],
)
def test_env_name_mapping_round_trips(name):
    assert kafka_settings.env_to_property(kafka_settings.property_to_env(name)) == name


def test_env_mapping_follows_the_image_convention():
    assert kafka_settings.property_to_env("log.dirs") == "KAFKA_LOG_DIRS"
    assert kafka_settings.property_to_env("a_b.c-d") == "KAFKA_A__B_C___D"
    env = {"KAFKA_HEAP_OPTS": "-Xmx1g", "CLUSTER_ID": "x", "KAFKA_NODE_ID": "1"}
    assert kafka_settings.properties_from_docker_env(env) == {"node.id": "1"}
