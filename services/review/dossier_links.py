"""The dossier's attachments, handed out by the review to whoever may read them: a short-lived link to the
intake, which holds the bytes, signed with the key both are given (eventlog/http/signed_links.py). The
review decides who (domain/dossier.py, over its views); the intake only checks the signature. No call
between the services; the link is made when a person asks for the file, so a page left open does not hold
links that expire under it.

KCZG_INTAKE_URL: the intake as browsers reach it (default http://127.0.0.1:$INTAKE_PORT, 8000)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlencode
from uuid import UUID

import asyncpg

from contracts.identity import Identity
from eventlog.http.auth import authorise
from eventlog.http.signed_links import sign
from eventlog.pages.addresses import service_url

from .domain.dossier import (DOSSIER_READERS, DossierFacts, attachment_not_found, nomination_not_found,
                             reads_dossier)
from .domain.targets import Target, bodies_of
from .views import review_queries

FILE_PATH = "/v1/nominations/{nomination_id}/attachments/{sha256}"  # the intake's route


def intake_url() -> str:
    return service_url("intake")


@dataclass(frozen=True)
class AttachmentLink:
    name: str
    size: int
    media_type: str
    sha256: str
    url: str
    expires_at: datetime

    def out(self) -> dict:
        return {**self.__dict__, "expires_at": self.expires_at.isoformat()}


async def readable_dossier(conn: asyncpg.Connection, campaigns, who: Identity, nomination_id: UUID) -> dict:
    """The nomination's dossier facts, if `who` may read it; else 404 (403 for a role that never may)."""
    authorise(who, DOSSIER_READERS)
    found = await review_queries.dossier(conn, str(nomination_id))
    if found is None:
        raise nomination_not_found()
    campaign = await campaigns.knowing(found["campaign"])
    bodies = bodies_of(campaign, Target(found["campaign"], found["list_code"], found["domain"]))
    if not reads_dossier(who, DossierFacts(found["unit_id"], frozenset(b.code for b in bodies),
                                           frozenset(found["seated"]))):
        raise nomination_not_found()
    return found


async def attachment_link(conn: asyncpg.Connection, campaigns, who: Identity, nomination_id: UUID,
                          sha256: str) -> AttachmentLink:
    """A link to one of the nomination's attachments for `who`, valid for a few minutes (signed_links.LINK_TTL_S)."""
    found = await readable_dossier(conn, campaigns, who, nomination_id)
    ref = next((a for a in found["attachments"] if a.get("sha256") == sha256), None)
    if ref is None:
        raise attachment_not_found()
    path = FILE_PATH.format(nomination_id=nomination_id, sha256=sha256)
    now = time.time()
    query = sign(path, f"{who.role}:{who.org}:{who.sub}", now=now)
    return AttachmentLink(ref["name"], ref["size"], ref["media_type"], sha256, f"{intake_url()}{path}?{urlencode(query)}",
                          datetime.fromtimestamp(int(query["expires"]), timezone.utc))
