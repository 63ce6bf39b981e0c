"""定向推介 packages, pure: a PackageSent (publish) -> one notice per audience address, each with the links to the
package's brochure (PDF) and sheet (XLSX) on publish. The audience is no registered party: each address is a
recipient of its own, named by a digest of the address (so the unsubscribe link, the outbox key and the log
carry no address), found again at send time in notify.audience. The kind is optional mail (RFC 8058)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from contracts.events import PackageSent

from .notices import Notice

KIND = "package_sent"


@dataclass(frozen=True)
class Package:
    """A package as a message words it: nothing to check again at send time (a package sent stays sent)."""

    package_id: str
    audience: str
    entries: int


def audience_recipient(campaign: str, address: str) -> str:
    """An audience address as a recipient: the same address in one campaign is one recipient (one unsubscribe)."""
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:24]
    return f"audience:{campaign}:{digest}"


def package_links(base: str, campaign: str, package_id: str) -> dict[str, str]:
    """Where publish serves the package's brochure and sheet (base: publish's public address)."""
    root = f"{base.rstrip('/')}/v1/publish/campaigns/{campaign}/packages/{package_id}"
    return {"brochure": f"{root}/brochure.pdf", "sheet": f"{root}/sheet.xlsx"}


def package_notices(event: PackageSent) -> list[Notice]:
    """One notice per distinct address (round 1: a redelivered event makes no second one)."""
    facts = dict(audience=event.audience, entries=len(event.entries), list_code=event.list_code,
                 domain=event.domain, region=event.region, keyword=event.keyword)
    recipients = dict.fromkeys(audience_recipient(event.campaign, a) for a in event.addresses)
    return [Notice(r, str(event.package_id), KIND, 1, event.campaign, event.occurred_at, facts) for r in recipients]


def audience_rows(event: PackageSent) -> list[tuple[str, str, str]]:
    """(recipient, campaign, address) per distinct address: where the notifier finds the address when it sends."""
    seen: dict[str, str] = {}
    for a in event.addresses:  # the first spelling of an address kept
        seen.setdefault(audience_recipient(event.campaign, a), a.strip())
    return [(r, event.campaign, a) for r, a in seen.items()]
