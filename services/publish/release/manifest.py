"""manifest.json: what each release file is (sha256, size) and which events it came from."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from .json_file import FORMAT, dumps
from .model import Release
from .page_models import FileLink

MANIFEST = "manifest.json"


def manifest_json(release: Release, files: Mapping[str, bytes]) -> bytes:
    # No time of building: the manifest of the same release is the same bytes, like the files.
    return dumps({
        "format": FORMAT,
        "campaign": release.campaign,
        "campaign_title": release.campaign_title,
        "released_on": release.released_on.isoformat(),
        "versions": {lst.list_code: lst.version for lst in release.lists},
        "generated_from": [lst.event_id for lst in release.lists],
        "files": {name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                  for name, data in files.items()},
    })


def file_links(manifest: bytes, base_href: str) -> tuple[FileLink, ...]:
    """The index page's download table, from a stored manifest: every file, then the manifest itself."""
    files = json.loads(manifest)["files"]
    base = base_href.rstrip("/")
    links = [FileLink(name, f"{base}/{name}", info["bytes"], info["sha256"]) for name, info in sorted(files.items())]
    links.append(FileLink(MANIFEST, f"{base}/{MANIFEST}", len(manifest), hashlib.sha256(manifest).hexdigest()))
    return tuple(links)
