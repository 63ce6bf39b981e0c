"""Who sees which nominations in the ranking views, pure (guarantee 6 of the design brief).

    anonymous              nothing of the ranking views: published lists, open notices and release files only
    secretariat            everything
    review_body (org=B)    the nominations of the targets (list, domain) B reviews, per each campaign's `bodies`
    unit (org=U)           its own nominations (recommending unit U)
    anyone else            nothing (403)

Of what they see, a unit sees its nominations' preliminary score, rank and decision only once a public notice
of the list covers their target, unless its campaign shows them as recorded (rules.results_to_units); and
only the secretariat sees a release as published before its embargo lifts (embargo.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from contracts.campaign import Campaign
from contracts.errors import DomainError, Forbidden
from contracts.identity import Identity

Target = tuple[str, str, str]  # (campaign, list code, domain or "")


@dataclass(frozen=True)
class Scope:
    """What a caller may see: everything, or one unit's nominations, or some review targets'."""

    everything: bool = False
    unit_id: str | None = None
    targets: tuple[Target, ...] | None = None
    # None: every result shown as recorded; else (a unit) only those of these campaigns before their notice.
    results_as_recorded: tuple[str, ...] | None = None

    @property
    def previews_releases(self) -> bool:
        """Sees an embargoed release as published before its instant: the secretariat alone."""
        return self.everything


def ranking_scope(identity: Identity | None, campaigns: Iterable[Campaign]) -> Scope:
    """What the caller may see of the ranking views; `campaigns`: every campaign the log has (their bodies and
    settings). A campaign not among them keeps a unit's results confidential, as the default does."""
    if identity is None:
        raise DomainError("榜单评审数据仅限登录用户查看；公众可查看已发布的榜单、正在公示的名单和发布文件。",
                          code="unauthenticated", http_status=401)
    if identity.role == "secretariat":
        return Scope(everything=True)
    if identity.role == "unit":
        return Scope(unit_id=identity.org,
                     results_as_recorded=tuple(c.code for c in campaigns if c.unit_sees_results(notice_opened=False)))
    if identity.role == "review_body":
        return Scope(targets=review_targets(identity.org, campaigns))
    raise Forbidden("评审数据仅限秘书处、评审机构（本机构评审的榜单领域）和推荐单位（本单位的推荐）查看。",
                    code="role_not_allowed")


def review_targets(body_code: str, campaigns: Iterable[Campaign]) -> tuple[Target, ...]:
    """Every (campaign, list, domain) the body reviews, as each campaign's `bodies` assign them."""
    return tuple(sorted({(c.code, a.list_code, a.domain or "") for c in campaigns for b in c.bodies
                         if b.code == body_code for a in b.lists}))


def may_see(scope: Scope, campaign: str, list_code: str, domain: str | None, unit_id: str) -> bool:
    if scope.everything:
        return True
    if scope.unit_id is not None:
        return unit_id == scope.unit_id
    return (campaign, list_code, domain or "") in (scope.targets or ())
