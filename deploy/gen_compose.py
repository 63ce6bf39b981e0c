"""Generate the project's docker-compose.yml from deploy/kafka_settings.py.

    python deploy/gen_compose.py           # (re)write docker-compose.yml
    python deploy/gen_compose.py --check   # exit 1 if the file is out of date

The Kafka service gets the same broker settings as the local jar-based stack
(deploy/local/kafka.py); only listeners, host names and the data directory
differ. Never edit docker-compose.yml by hand.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
COMMAND = "python deploy/gen_compose.py"

HEADER = f"""\
# GENERATED FILE - do not edit by hand.
# Source: deploy/kafka_settings.py; regenerate with: {COMMAND}
# (tests/deploy/test_compose.py fails when this file and the generator disagree.)
"""


def _load_settings():
    # By path: works without installing the project.
    path = PROJECT_ROOT / "deploy" / "kafka_settings.py"
    spec = importlib.util.spec_from_file_location("kczg_kafka_settings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


S = _load_settings()

KAFKA_HOST = "kafka"
POSTGRES_HOST = "postgres"
APP_IMAGE = "kczg-rankings:local"


def app_environment() -> dict[str, str]:
    """Connection settings of every application container; HTTP listens on all interfaces inside it."""
    return {
        "KAFKA_BOOTSTRAP_SERVERS": f"{KAFKA_HOST}:{S.CONTAINER_PORT}",
        "DATABASE_URL": f"postgresql://{S.POSTGRES_USER}@{POSTGRES_HOST}:5432/{S.POSTGRES_DB}",
        "INTAKE_HOST": "0.0.0.0",
        "QUOTA_HOST": "0.0.0.0",
        "PUBLISH_HOST": "0.0.0.0",
        "REVIEW_HOST": "0.0.0.0",
        "NOTIFY_HOST": "0.0.0.0",
    }


def kafka_service() -> dict:
    props = S.container_properties(S.CONTAINER_PORT, advertised_host=KAFKA_HOST)
    env = {"CLUSTER_ID": S.CLUSTER_ID, "KAFKA_HEAP_OPTS": S.HEAP_OPTS}
    env.update(S.docker_env(props))
    bootstrap = f"localhost:{S.CONTAINER_PORT}"
    return {
        "image": S.KAFKA_IMAGE,
        "hostname": KAFKA_HOST,
        "environment": env,
        "volumes": [f"kafka-data:{S.CONTAINER_DATA_DIR}"],
        "healthcheck": {
            "test": [
                "CMD-SHELL",
                f"/opt/kafka/bin/kafka-topics.sh --bootstrap-server {bootstrap} --list",
            ],
            "interval": "10s",
            "timeout": "30s",
            "retries": 12,
            "start_period": "20s",
        },
    }


def postgres_service() -> dict:
    return {
        "image": S.POSTGRES_IMAGE,
        "environment": {
            "POSTGRES_USER": S.POSTGRES_USER,
            "POSTGRES_DB": S.POSTGRES_DB,
            "POSTGRES_HOST_AUTH_METHOD": "trust",
        },
        "volumes": ["pg-data:/var/lib/postgresql/data"],
        "healthcheck": {
            "test": ["CMD-SHELL", f"pg_isready -U {S.POSTGRES_USER} -d {S.POSTGRES_DB}"],
            "interval": "5s",
            "timeout": "5s",
            "retries": 20,
        },
    }


def app_service(command: list[str], depends_on: dict, **extra) -> dict:
    """A container of the project's own image (built from deploy/Dockerfile)."""
    service = {
        "image": APP_IMAGE,
        "build": {"context": ".", "dockerfile": "deploy/Dockerfile"},
        "command": command,
        "environment": app_environment(),
        "depends_on": depends_on,
    }
    service.update(extra)
    return service


def compose() -> dict:
    healthy = {"condition": "service_healthy"}
    infra = {"kafka": healthy, "postgres": healthy}
    ready = {**infra, "topics": {"condition": "service_completed_successfully"}}
    return {
        "name": "kczg",
        "services": {
            "kafka": kafka_service(),
            "postgres": postgres_service(),
            # One-shot: create the topics before any service starts.
            "topics": app_service(
                ["kczg", "topics", "create"], {"kafka": healthy}, restart="no"
            ),
            "intake": app_service(
                ["kczg", "serve", "intake"], ready, ports=["8000:8000"], restart="unless-stopped"
            ),
            # One-shot: open the 2022 campaign (a no-op when it is already open).
            "campaign": app_service(
                ["kczg", "campaign", "load", "contracts/campaigns/kczg-2022.yaml"], ready, restart="no"
            ),
            "quota": app_service(
                ["kczg", "serve", "quota"], ready, ports=["8001:8001"], restart="unless-stopped"
            ),
            "publish": app_service(
                ["kczg", "serve", "publish"], ready, ports=["8002:8002"], restart="unless-stopped"
            ),
            "review": app_service(
                ["kczg", "serve", "review"], ready, ports=["8003:8003"], restart="unless-stopped"
            ),
            # The development mail sink (deploy/local/mail_sink.py): what the notifier sends stays here;
            # `docker compose exec mail kczg mail list` reads it. Point SMTP_HOST elsewhere for real mail.
            "mail": {**{k: v for k, v in app_service(
                ["python", "-m", "deploy.local.mail_sink", "/var/kczg-mail", "1025", "0.0.0.0"], {},
                restart="unless-stopped").items() if k != "depends_on"},
                "environment": {"KCZG_MAIL_DIR": "/var/kczg-mail"}, "volumes": ["mail-data:/var/kczg-mail"]},
            "notify": app_service(
                ["kczg", "serve", "notify"], {**ready, "mail": {"condition": "service_started"}},
                ports=["8004:8004"], restart="unless-stopped",
                environment={**app_environment(), "SMTP_HOST": "mail", "SMTP_PORT": "1025"},
            ),
        },
        "volumes": {"kafka-data": {}, "pg-data": {}, "mail-data": {}},
    }


class _PlainDumper(yaml.SafeDumper):
    """No &anchors/*aliases for shared dicts: the file should read like hand-written YAML."""

    def ignore_aliases(self, data) -> bool:
        return True


def render() -> str:
    body = yaml.dump(
        compose(), Dumper=_PlainDumper, sort_keys=False, default_flow_style=False, width=100
    )
    return HEADER + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate docker-compose.yml")
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = COMPOSE_FILE.read_text() if COMPOSE_FILE.exists() else ""
        if current != text:
            print(f"{COMPOSE_FILE.name} is stale: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    COMPOSE_FILE.write_text(text)
    print(f"wrote {COMPOSE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
