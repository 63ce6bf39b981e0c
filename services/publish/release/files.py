"""Every release file, from one Release, as bytes that do not depend on when they are built."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .csv_file import release_csv
from .json_file import release_json
from .manifest import MANIFEST, manifest_json
from .model import Release
from .pdf_file import release_pdf
from .renderer import Missing, RendererUnavailable
from .table import check_unique_lists, domain_groups
from .xlsx_file import release_xlsx

RENDERERS: dict[str, Callable[[Release], bytes]] = {
    "release.json": release_json,
    "release.csv": release_csv,
    "release.xlsx": release_xlsx,
    "release.pdf": release_pdf,
}


def check_release(release: Release) -> None:
    if not release.lists:
        raise ValueError("a release needs at least one published list")
    check_unique_lists(release.lists)
    for lst in release.lists:
        domain_groups(lst.entries)  # raises when a domain's entries are not contiguous


@dataclass(frozen=True)
class AvailableFiles:
    files: dict[str, bytes]              # what could be built, manifest.json (listing them) last
    unavailable: dict[str, Missing]      # file name -> what this machine lacks to build it


def build_available_files(release: Release) -> AvailableFiles:
    """Every file this machine can render: a missing renderer (release.pdf's) costs that file only."""
    check_release(release)
    files, unavailable = {}, {}
    for name, render in RENDERERS.items():
        try:
            files[name] = render(release)
        except RendererUnavailable as exc:
            unavailable[name] = exc.missing  # a value: the exception itself is not kept
    files[MANIFEST] = manifest_json(release, files)
    return AvailableFiles(files, unavailable)


def build_release_files(release: Release) -> dict[str, bytes]:
    """File name → bytes for release.json/.csv/.xlsx/.pdf and manifest.json (last); RendererUnavailable
    when one of them cannot be rendered here."""
    built = build_available_files(release)
    for missing in built.unavailable.values():
        raise missing.error()
    return built.files


def write_release_files(release: Release, directory: str | os.PathLike[str]) -> dict[str, Path]:
    """Write every file atomically (temp file + rename), the manifest last; returns name → path."""
    return write_bytes(build_release_files(release), directory)


def write_bytes(files: dict[str, bytes], directory: str | os.PathLike[str]) -> dict[str, Path]:
    """Write built files atomically, in their order (the manifest last); returns name → path."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, data in files.items():
        fd, tmp = tempfile.mkstemp(dir=target, prefix=f".{name}.")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target / name)
        written[name] = target / name
    return written
