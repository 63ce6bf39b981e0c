"""Which organisation a published entry names as its holder (持有单位), read from the nomination's form.

Per form (the form's own `list_code`, else the nomination's list), one declared field:

    先导技术榜 leading_tech                 the first completing unit (completing_units[0], 第一完成单位)
    新锐企业榜 emerging_enterprise          enterprise_name (the enterprise itself)
    融通创新组织榜 integrated_innovation_org organisation_name (the organisation itself)
    创业就业先锋榜 entrepreneurship_pioneer organisation (the pioneer's organisation)
    技术经理人先锋榜 tech_manager_pioneer    organisation (the manager's organisation)
    国际创新合作榜 international_cooperation lead_organisation (the Chinese lead organisation)
    开源创新榜 open_source                  organisation (the leading organisation)

A form without the field (an unknown form, or a nomination whose form was never filled) has no holder:
the entry then shows an empty cell rather than a guess. Never a person's name or contact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

HOLDER_FIELDS: dict[str, str] = {
    "leading_tech": "completing_units",
    "emerging_enterprise": "enterprise_name",
    "integrated_innovation_org": "organisation_name",
    "entrepreneurship_pioneer": "organisation",
    "tech_manager_pioneer": "organisation",
    "international_cooperation": "lead_organisation",
    "open_source": "organisation",
}
MAX_HOLDER = 200  # PublishedEntry.holder_org


def holder_org(list_code: str, form: Mapping[str, Any] | None) -> str | None:
    """The holder organisation the entry lists, or None when the form does not name one."""
    form = form if isinstance(form, Mapping) else {}
    kind = form.get("list_code") if isinstance(form.get("list_code"), str) else list_code
    value = form.get(HOLDER_FIELDS.get(kind, ""))
    if isinstance(value, list):  # completing units: the first one is the holder
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:MAX_HOLDER]
