"""The committed AsyncAPI and OpenAPI documents are exactly what the code generates today.

A failure here means an API route, an event or the topic table changed without
`kczg contracts export-docs`; run it and commit the result.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import yaml

from contracts.asyncapi import CONTRACTS, table_problems
from kczg.contracts_cli import ASYNCAPI_FILE, OPENAPI_DIR, docs_problems, fastapi_apps, generated_docs

ROOT = Path(__file__).resolve().parents[2]


def test_committed_docs_match_freshly_generated_ones() -> None:
    assert docs_problems() == [], "run `kczg contracts export-docs` and commit the result"


def test_every_service_api_has_its_openapi_document() -> None:
    # Discovered, not listed: a new services/<name>/api.py with a FastAPI app gets a document.
    assert "intake" in fastapi_apps()
    assert {p.stem for p in OPENAPI_DIR.glob("*.json")} == set(fastapi_apps())


def test_the_topic_table_covers_every_topic_and_event() -> None:
    assert table_problems() == []


def test_asyncapi_names_each_topic_its_events_and_services() -> None:
    doc = yaml.safe_load(ASYNCAPI_FILE.read_text(encoding="utf-8"))
    assert doc["asyncapi"].startswith("3.")
    for contract in CONTRACTS:
        for service in contract.publishers:
            assert doc["operations"][f"{contract.topic.base}:publish:{service}"]["action"] == "send"
        for service in contract.consumers:
            assert doc["operations"][f"{contract.topic.base}:consume:{service}"]["action"] == "receive"
        for cls in contract.carries:
            assert cls.__name__ in doc["components"]["schemas"]


def test_generation_is_deterministic_across_processes() -> None:
    # Another interpreter with another hash seed yields byte-identical documents.
    code = ("import hashlib,sys; from kczg.contracts_cli import generated_docs; "
            "d=generated_docs(); print(hashlib.sha256(b''.join(d[p].encode() for p in sorted(d))).hexdigest())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout.strip()
    here = generated_docs()
    assert out == hashlib.sha256(b"".join(here[p].encode() for p in sorted(here))).hexdigest()
