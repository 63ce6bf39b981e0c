"""Architecture boundaries, read from the source with `ast`:

- a service imports `contracts`, `eventlog` and its own modules, never another service;
- `contracts/` and `eventlog/` (what services share) import no service at all.
Relative imports are resolved against the importing module's package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    return imports_of(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")


def imports_of(source: str, module: str, is_package: bool = False,
               with_names: bool = False) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import in `source`, relative ones resolved.

    `with_names` also yields `pkg.name` for each name of `from pkg import name`, since the name may be
    a submodule (the caller keeps the candidates that are modules)."""
    tree = ast.parse(source)
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            if node.module:
                yield node.lineno, target
                if with_names:
                    for alias in node.names:
                        yield node.lineno, f"{target}.{alias.name}"
            else:  # `from . import x`: each name may be a module
                for alias in node.names:
                    yield node.lineno, f"{target}.{alias.name}"


def sources(top: str) -> list[Path]:
    return sorted(p for p in (ROOT / top).rglob("*.py") if "__pycache__" not in p.parts)


def service_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "services" else None


def test_no_service_imports_another_service() -> None:
    offences = []
    for path in sources("services"):
        own = service_of(module_name(path))
        for line, target in imported_modules(path):
            other = service_of(target)
            if other is not None and own is not None and other != own:
                offences.append(f"{path.relative_to(ROOT)}:{line}: services.{own} imports {target}")
    assert offences == [], "services must talk through events, not imports:\n" + "\n".join(offences)


@pytest.mark.parametrize("shared", ["contracts", "eventlog"])
def test_shared_packages_import_no_service(shared: str) -> None:
    offences = [f"{path.relative_to(ROOT)}:{line}: imports {target}"
                for path in sources(shared) for line, target in imported_modules(path)
                if target == "services" or target.startswith("services.")]
    assert offences == [], f"{shared}/ is shared by every service and must not depend on one:\n" + "\n".join(offences)


def test_the_import_reader_resolves_relative_imports() -> None:
    # Guard the guard: a relative import that climbs into a sibling service is seen as that service.
    source = "from ...quota import domain\nfrom .. import views\nimport services.review.app\n"
    found = sorted(t for _, t in imports_of(source, "services.intake.forms.probe"))
    assert found == ["services.intake.views", "services.quota", "services.review.app"]
