"""release.json: the whole release with each entry's event trace."""

from __future__ import annotations

import json
from typing import Any

from .model import Correction, ListRelease, Release, ReleaseEntry
from .table import domain_groups

FORMAT = "kczg-release/1"


def entry_document(e: ReleaseEntry, number: int) -> dict[str, Any]:
    t = e.trace
    return {"number": number, "nomination_id": e.nomination_id, "title": e.title,
            "domain": e.domain, "domain_name": e.domain_name, "holder_org": e.holder_org,
            "unit_id": e.unit_id, "unit_name": e.unit_name,
            "trace": {"nomination": list(t.nomination), "quota": list(t.quota), "screening": list(t.screening),
                      "prelim": list(t.prelim), "decision": list(t.decision), "notice": list(t.notice)}}


def correction_document(c: Correction) -> dict[str, Any]:
    return {"nomination_id": c.nomination_id, "title": c.title, "revoked": c.revoked, "reason": c.reason,
            "changes": [{"field": f.field, "before": f.before, "after": f.after} for f in c.changes]}


def list_document(lst: ListRelease) -> dict[str, Any]:
    entries = [entry_document(e, number) for group in domain_groups(lst.entries) for number, e in group.numbered()]
    return {"campaign": lst.campaign, "campaign_title": lst.campaign_title,
            "list_code": lst.list_code, "list_name": lst.list_name,
            "version": lst.version, "reason": lst.reason,
            "released_on": lst.released_on.isoformat(), "event_id": lst.event_id,
            "entries": entries, "corrections": [correction_document(c) for c in lst.corrections]}


def release_document(release: Release) -> dict[str, Any]:
    return {"format": FORMAT, "campaign": release.campaign, "campaign_title": release.campaign_title,
            "released_on": release.released_on.isoformat(),
            "lists": [list_document(lst) for lst in release.lists]}


def dumps(document: Any) -> bytes:
    # sort_keys: the bytes never depend on how a dict happened to be built.
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def release_json(release: Release) -> bytes:
    return dumps(release_document(release))
