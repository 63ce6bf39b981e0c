"""Targeted packages (定向推介), pure: the secretariat selects listed entries for an audience (for example one
province's parks) by list, domain, region and keyword, and sends them (PackageSent); requests filed from a
package carry its id and are counted against it.

A region is the holder's province-level region as its unit gave it on the form (a code, `anhui`, or its name,
安徽); an entry listed without one is matched by the region's name in its holder's and unit's names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from contracts.errors import DomainError, Forbidden
from contracts.events import Event, PackageSent, package_key
from contracts.publication import REGIONS
from contracts.identity import Identity

from .matching import ListedEntry
from .objections import clean

MAX_ADDRESSES = 500


@dataclass(frozen=True)
class SendPackage:
    package_id: UUID
    audience: str
    addresses: tuple[str, ...] = ()
    list_code: str | None = None
    domain: str | None = None
    region: str | None = None
    keyword: str | None = None


@dataclass(frozen=True)
class PackageContext:
    now: datetime
    who: Identity
    campaign: str
    listed: tuple[ListedEntry, ...]   # every entry listed now


def selected(listed: tuple[ListedEntry, ...], list_code: str | None = None, domain: str | None = None,
             region: str | None = None, keyword: str | None = None) -> list[ListedEntry]:
    def names(e: ListedEntry) -> str:
        return " ".join(x for x in (e.holder_org, e.unit_name) if x)

    return [e for e in listed
            if (not list_code or e.list_code == list_code) and (not domain or e.domain == domain)
            and (not region or _in_region(e, region, names(e)))
            and (not keyword or keyword.lower() in f"{e.title} {names(e)}".lower())]


def _in_region(e: ListedEntry, region: str, names: str) -> bool:
    label = REGIONS.get(region, region)  # a code's name; a name as given
    if e.region:
        return e.region == region or REGIONS.get(e.region) == label
    return label in names


def decide(state: None, cmd: SendPackage, context: PackageContext) -> list[Event]:
    if context.who.role != "secretariat":
        raise Forbidden("仅秘书处可以发送定向推介。", code="role_not_allowed")
    audience = clean(cmd.audience)
    if not audience or len(audience) > 200:
        raise DomainError("推介对象不能为空，且不超过 200 字。", code="audience_required", field="audience")
    addresses = tuple(dict.fromkeys(clean(a) for a in cmd.addresses if clean(a)))
    if len(addresses) > MAX_ADDRESSES:
        raise DomainError(f"收件地址不能超过 {MAX_ADDRESSES} 个。", code="too_many_addresses", field="addresses")
    bad = [a for a in addresses if "@" not in a.strip("@") or " " in a or "." not in a.split("@")[-1]]
    if bad:
        raise DomainError("收件地址格式不正确：" + "、".join(bad[:5]) + "。", code="invalid_address", field="addresses")
    criteria = {k: (clean(v) or None) for k, v in (("list_code", cmd.list_code), ("domain", cmd.domain),
                                                   ("region", cmd.region), ("keyword", cmd.keyword))}
    chosen = selected(context.listed, **criteria)
    if not chosen:
        raise DomainError("没有符合所选条件的上榜项目，推介未发送。", code="package_empty")
    return [PackageSent(package_id=cmd.package_id, audience=audience, addresses=addresses,
                        entries=tuple(e.nomination_id for e in chosen), **criteria,
                        occurred_at=context.now, campaign=context.campaign,
                        key=package_key(context.campaign, cmd.package_id), actor=context.who.actor())]
