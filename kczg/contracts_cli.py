"""`kczg contracts export-schemas | export-docs | check`: the committed contract files.

- contracts/schemas/<Type>.v<N>.json  every event's JSON Schema (contracts/schema_registry.py)
- contracts/asyncapi.yaml             topics, events, publishers and consumers (contracts/asyncapi.py)
- contracts/openapi/<service>.json    every FastAPI `app` found in services/*/api.py
All are written deterministically; `check` (and the tests) fail when a committed file is stale.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import typer

import contracts
import services

CONTRACTS_DIR = Path(contracts.__file__).parent
SERVICES_DIR = Path(services.__file__).parent
ASYNCAPI_FILE = CONTRACTS_DIR / "asyncapi.yaml"
OPENAPI_DIR = CONTRACTS_DIR / "openapi"

app = typer.Typer(help="契约文件：事件 JSON Schema、AsyncAPI、OpenAPI（contract files）.", no_args_is_help=True)


def fastapi_apps() -> dict[str, object]:
    """service name -> its FastAPI `app`, for every services/<name>/api.py that defines one."""
    from fastapi import FastAPI

    found: dict[str, object] = {}
    for api in sorted(SERVICES_DIR.glob("*/api.py")):
        module = importlib.import_module(f"services.{api.parent.name}.api")
        candidate = getattr(module, "app", None)
        if isinstance(candidate, FastAPI):
            found[api.parent.name] = candidate
    return found


def generated_docs() -> dict[Path, str]:
    """Every generated document, path -> exact file text."""
    from contracts.asyncapi import asyncapi_yaml

    docs = {ASYNCAPI_FILE: asyncapi_yaml()}
    for name, fastapi_app in fastapi_apps().items():
        spec = fastapi_app.openapi()  # type: ignore[attr-defined]
        docs[OPENAPI_DIR / f"{name}.json"] = json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return docs


def docs_problems() -> list[str]:
    """Committed documents that differ from freshly generated ones, are missing, or have no source."""
    docs = generated_docs()
    out = [f"{path.relative_to(CONTRACTS_DIR.parent)}: {'stale' if path.exists() else 'missing'}"
           for path, text in docs.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    out += [f"{path.relative_to(CONTRACTS_DIR.parent)}: no FastAPI app generates it any more"
            for path in sorted(OPENAPI_DIR.glob("*.json")) if path not in docs]
    return out


@app.command("export-schemas")
def export_schemas() -> None:
    """Write contracts/schemas/<Type>.v<N>.json for every event (refuses incompatible rewrites)."""
    from contracts.schema_registry import SCHEMAS_DIR, SchemaBreak
    from contracts.schema_registry import export_schemas as export

    try:
        written = export()
    except SchemaBreak as e:
        typer.echo("拒绝导出：以下改动会使旧事件无法读取（breaking change without a version bump）。\n"
                   "请提升该事件的 schema_version 并在 contracts/upcasting.py 注册升级函数：", err=True)
        for problem in e.problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(1) from None
    for path in written:
        typer.echo(f"wrote {path.relative_to(CONTRACTS_DIR.parent)}")
    typer.echo(f"{len(written)} schema file(s) written; {SCHEMAS_DIR.relative_to(CONTRACTS_DIR.parent)} is current")


@app.command("export-docs")
def export_docs() -> None:
    """Write contracts/asyncapi.yaml and contracts/openapi/<service>.json."""
    docs = generated_docs()
    OPENAPI_DIR.mkdir(exist_ok=True)
    for path in sorted(OPENAPI_DIR.glob("*.json")):
        if path not in docs:
            path.unlink()
            typer.echo(f"removed {path.relative_to(CONTRACTS_DIR.parent)}")
    for path, text in sorted(docs.items()):
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            typer.echo(f"wrote {path.relative_to(CONTRACTS_DIR.parent)}")
    typer.echo(f"{len(docs)} document(s) current")


@app.command("check")
def check() -> None:
    """Exit 1 if any committed schema or document is stale or a schema change breaks old events."""
    from contracts.asyncapi import table_problems
    from contracts.schema_registry import registry_problems

    problems = registry_problems() + table_problems() + docs_problems()
    for problem in problems:
        typer.echo(f"  - {problem}", err=True)
    if problems:
        typer.echo("契约文件不是最新（contracts not current）：run `kczg contracts export-schemas` and "
                   "`kczg contracts export-docs`", err=True)
        raise typer.Exit(1)
    typer.echo("contracts current")
