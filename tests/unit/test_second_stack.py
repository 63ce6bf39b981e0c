"""A second local stack beside the first (KCZG_STACK_DIR, KCZG_KAFKA_PORT, KCZG_PG_PORT): its own ports,
its own data, its own PostgreSQL cluster — and without those variables the defaults every README command
assumes. The stack reads them when imported, so each case looks from a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.processes import ROOT

SHOW = """
import json
from deploy.local import kafka, postgres, stack
print(json.dumps({"env": stack.env(), "stack_dir": str(stack.STACK_DIR), "kafka_dir": str(kafka.KAFKA_DIR),
                  "pg_dir": str(postgres.PG_DIR), "listeners": kafka.S.local_broker_properties("d")["listeners"]}))
"""
NAMES = ("KCZG_STACK_DIR", "KCZG_KAFKA_PORT", "KCZG_KAFKA_CONTROLLER_PORT", "KCZG_PG_PORT", "KCZG_SMTP_PORT")


def seen(**settings: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in NAMES}
    done = subprocess.run([sys.executable, "-c", SHOW], cwd=ROOT, env={**env, **settings}, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


def test_without_the_variables_the_stack_is_the_checkouts_own_on_its_usual_ports():
    default = seen()
    assert default["env"] == {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:19092",
                              "DATABASE_URL": "postgresql://kczg@127.0.0.1:15432/kczg",
                              "SMTP_HOST": "127.0.0.1", "SMTP_PORT": "11025",
                              "KCZG_MAIL_DIR": str(ROOT / ".stack" / "mail" / "received")}
    assert default["stack_dir"] == str(ROOT / ".stack")
    assert default["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"


def test_a_second_stack_has_its_own_ports_directory_and_cluster(tmp_path):
    default = seen()
    second = seen(KCZG_STACK_DIR=str(tmp_path / "second"), KCZG_KAFKA_PORT="29092", KCZG_PG_PORT="25432",
                  KCZG_SMTP_PORT="21025")
    assert second["env"] == {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:29092",
                             "DATABASE_URL": "postgresql://kczg@127.0.0.1:25432/kczg",
                             "SMTP_HOST": "127.0.0.1", "SMTP_PORT": "21025",
                             "KCZG_MAIL_DIR": str((tmp_path / "second" / "mail" / "received").resolve())}
    assert second["listeners"] == "PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093"
    assert second["stack_dir"] == str((tmp_path / "second").resolve())
    assert second["kafka_dir"] == str((tmp_path / "second" / "kafka").resolve())
    # Its cluster is its own, wherever the cluster's owner can reach (under /var/tmp when root cannot share
    # a private directory): never the first stack's, nor a third's.
    third = seen(KCZG_STACK_DIR=str(tmp_path / "third"), KCZG_KAFKA_PORT="39092", KCZG_PG_PORT="35432")
    assert len({default["pg_dir"], second["pg_dir"], third["pg_dir"]}) == 3
