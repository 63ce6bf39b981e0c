"""What is reviewed, and by whom, pure: a target is one list (and, for lists with domains, one domain)
of a campaign, managed by the body or bodies the campaign names for it (绿色低碳: two, jointly)."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.campaign import Campaign
from contracts.campaign.parts import ReviewBody
from contracts.errors import NotFound
from contracts.events import target_key


@dataclass(frozen=True)
class Target:
    campaign: str
    list_code: str
    domain: str | None

    @property
    def key(self) -> str:
        return target_key(self.campaign, self.list_code, self.domain)


def target_not_found() -> NotFound:
    return NotFound("未找到该评审对象（榜单/领域）。", code="target_not_found")


# The answers for the campaigns in use: every score asks (a campaign is immutable, and each entry holds
# its campaign, so the id in the key is never another's while the entry lives).
_BODIES: dict[tuple[int, str, str | None], tuple[Campaign, tuple[ReviewBody, ...] | None]] = {}


def bodies_of(campaign: Campaign, target: Target) -> tuple[ReviewBody, ...]:
    """The bodies that review `target`; a list or domain the campaign does not have is not found."""
    key = (id(campaign), target.list_code, target.domain)
    known = _BODIES.get(key)
    if known is None or known[0] is not campaign:
        try:
            bodies = campaign.review_bodies(target.list_code, target.domain)
        except Exception:  # UnknownList / UnknownDomain / DomainRequired: not a target of this campaign
            bodies = None
        if len(_BODIES) >= 4096:  # URLs name any list: keep what they can fill small
            _BODIES.clear()
        _BODIES[key] = known = (campaign, bodies)
    if known[1] is None:
        raise target_not_found()
    return known[1]


def managed_by(campaign: Campaign, target: Target, body_code: str) -> tuple[ReviewBody, ...]:
    """The target's bodies, if `body_code` is one of them; to any other body the target does not exist."""
    bodies = bodies_of(campaign, target)
    if body_code not in {b.code for b in bodies}:
        raise target_not_found()
    return bodies


def is_joint(campaign: Campaign, target: Target) -> bool:
    return len(bodies_of(campaign, target)) > 1


def targets_of(campaign: Campaign, body_code: str | None = None) -> list[Target]:
    """Every target of the campaign (in campaign order), or those `body_code` manages."""
    return [Target(campaign.code, a.list_code, a.domain) for body in campaign.bodies for a in body.lists
            if body_code in (None, body.code)] if body_code else _all(campaign)


def _all(campaign: Campaign) -> list[Target]:
    seen: dict[str, Target] = {}
    for lst in campaign.lists:
        for domain in [d.code for d in lst.domains] or [None]:
            target = Target(campaign.code, lst.code, domain)
            seen.setdefault(target.key, target)
    return list(seen.values())
