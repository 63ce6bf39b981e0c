"""Who may read a nomination's dossier (its form and attachments), pure: the secretariat, the bodies of
its target, its experts while seated and not in conflict, and the unit that nominated it. To anyone else
it does not exist (a 404, as everywhere a resource is another's)."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.errors import NotFound
from contracts.identity import Identity

DOSSIER_READERS = ("secretariat", "review_body", "expert", "unit")


@dataclass(frozen=True)
class DossierFacts:
    unit_id: str
    bodies: frozenset[str]   # the codes of the bodies that review its target
    seated: frozenset[str]   # the experts to score it: assigned now, not in conflict


def reads_dossier(who: Identity, facts: DossierFacts) -> bool:
    if who.role == "secretariat":
        return True
    if who.role == "review_body":
        return who.org in facts.bodies
    if who.role == "expert":
        return who.sub in facts.seated and who.org in facts.bodies
    return who.role == "unit" and who.org == facts.unit_id


def nomination_not_found() -> NotFound:
    return NotFound("未找到该推荐对象。", code="nomination_not_found")


def attachment_not_found() -> NotFound:
    return NotFound("该推荐对象没有这个附件。", code="attachment_not_found")
