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


# What a pure domain core never imports: I/O (database, broker, HTTP), the process environment, the
# infrastructure package, or a clock. The time reaches decide as a value in its context.
IMPURE = ("asyncpg", "aiokafka", "faststream", "fastapi", "starlette", "httpx", "os", "time", "eventlog")
CLOCK_CALLS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter"}


def domain_sources() -> list[Path]:
    return [p for p in sources("services") if "domain" in p.relative_to(ROOT).parts[2:3]
            or p.relative_to(ROOT).parts[2:3] == ("domain.py",)]


def test_domain_modules_do_no_io_and_read_no_clock() -> None:
    paths = domain_sources()
    assert {p.relative_to(ROOT).parts[1] for p in paths} >= {"intake", "quota", "review"}
    offences = []
    for path in paths:
        for line, target in imported_modules(path):
            if target.split(".")[0] in IMPURE:
                offences.append(f"{path.relative_to(ROOT)}:{line}: imports {target}")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in CLOCK_CALLS):
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno}: calls .{node.func.attr}() — a clock")
    assert offences == [], "domain code gets the time and outside facts as values:\n" + "\n".join(offences)


def test_the_purity_check_sees_an_offence() -> None:
    # Guard the guard: an import of asyncpg and a call of datetime.now() are both seen.
    source = "import asyncpg\nfrom datetime import datetime\nx = datetime.now()\n"
    assert [t for _, t in imports_of(source, "services.x.domain.probe")][0] == "asyncpg"
    calls = [n.func.attr for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Attribute)]
    assert calls == ["now"] and calls[0] in CLOCK_CALLS
