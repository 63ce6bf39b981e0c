"""The committed schema registry: one JSON Schema file per event type and schema version.

`contracts/schemas/<Subject>.v<version>.json` holds pydantic's validation schema of each event class
(subject = event type, version = its `schema_version` default) and of the Campaign definition that
CampaignOpened carries (version = Campaign.schema_version). Rules, as a registry in BACKWARD mode:

- a version's file is immutable in meaning: re-exporting may only make it more permissive;
- a version bump keeps the old file; if vN -> vN+1 breaks readers of vN, an upcaster for
  (type, N) must be registered in contracts/upcasting.py;
- files are written deterministically (sorted keys, 2-space indent, UTF-8, trailing newline).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from contracts.campaign.model import Campaign
from contracts.events import EVENT_CLASSES
from contracts.schema_compat import Schema, check_backward
from contracts.upcasting import UPCASTERS

SCHEMAS_DIR = Path(__file__).parent / "schemas"
_FILE = re.compile(r"^(?P<subject>[A-Za-z][A-Za-z0-9]*)\.v(?P<version>[1-9][0-9]*)\.json$")

__all__ = ["SCHEMAS_DIR", "SchemaBreak", "Subject", "check_backward", "export_schemas", "registry_problems",
           "render", "subjects"]


@dataclass(frozen=True)
class Subject:
    name: str
    version: int
    model: type[BaseModel]

    @property
    def filename(self) -> str:
        return f"{self.name}.v{self.version}.json"

    def schema(self) -> Schema:
        return self.model.model_json_schema()


class SchemaBreak(Exception):
    """An export that would rewrite a committed version incompatibly: bump the version (with an upcaster)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def subjects() -> list[Subject]:
    out = [Subject(cls.model_fields["type"].default, cls.model_fields["schema_version"].default, cls)
           for cls in EVENT_CLASSES]
    out.append(Subject("Campaign", Campaign.model_fields["schema_version"].default, Campaign))
    return sorted(out, key=lambda s: s.name)


def render(schema: Schema) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def committed(directory: Path = SCHEMAS_DIR) -> dict[str, dict[int, Path]]:
    """subject -> version -> file, for every schema file in `directory`."""
    out: dict[str, dict[int, Path]] = {}
    for path in sorted(directory.glob("*.json")):
        m = _FILE.match(path.name)
        if m:
            out.setdefault(m["subject"], {})[int(m["version"])] = path
    return out


def _load(path: Path) -> Schema:
    return json.loads(path.read_text(encoding="utf-8"))


def export_schemas(directory: Path = SCHEMAS_DIR, only: list[Subject] | None = None) -> list[Path]:
    """Write every subject's current schema; returns the files written (unchanged ones are skipped).

    Raises SchemaBreak, writing nothing, if a committed version would change incompatibly.
    """
    pending: list[tuple[Path, str]] = []
    problems: list[str] = []
    for subject in only if only is not None else subjects():
        path = directory / subject.filename
        text = render(subject.schema())
        if path.exists():
            if path.read_text(encoding="utf-8") == text:
                continue
            problems += [f"{subject.name} v{subject.version}: {p}"
                         for p in check_backward(_load(path), json.loads(text))]
        pending.append((path, text))
    if problems:
        raise SchemaBreak(problems)
    directory.mkdir(parents=True, exist_ok=True)
    for path, text in pending:
        path.write_text(text, encoding="utf-8")
    return [path for path, _ in pending]


def registry_problems(directory: Path = SCHEMAS_DIR, only: list[Subject] | None = None,
                      upcasters: dict[tuple[str, int], Any] | None = None) -> list[str]:
    """Everything CI refuses: stale or missing files, incompatible changes, unexplained version breaks."""
    upcasters = UPCASTERS if upcasters is None else upcasters
    current = {s.name: s for s in (only if only is not None else subjects())}
    files = committed(directory)
    out = [f"{name}: schema files for an event type that no longer exists (old events would not decode)"
           for name in sorted(set(files) - set(current))]
    for name, subject in current.items():
        versions = files.get(name, {})
        path = versions.get(subject.version)
        schema = subject.schema()
        if path is None:
            out.append(f"{name} v{subject.version}: no committed schema; run `kczg contracts export-schemas`")
        elif path.read_text(encoding="utf-8") != render(schema):
            breaks = check_backward(_load(path), schema)
            out += [f"{name} v{subject.version}: {p}" for p in breaks]
            out.append(f"{name} v{subject.version}: committed schema is not current; "
                       "run `kczg contracts export-schemas`")
        out += [f"{name}: schema file for v{v} is newer than the model's v{subject.version}"
                for v in sorted(versions) if v > subject.version]
        for older, newer in zip(sorted(versions), sorted(versions)[1:]):
            if newer > subject.version or (name, older) in upcasters:
                continue
            out += [f"{name} v{older}->v{newer} without an upcaster: {p}"
                    for p in check_backward(_load(versions[older]), _load(versions[newer]))]
    return out
