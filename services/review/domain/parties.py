"""Who is party to a nomination, read from its form, pure: the holder (applicant) organisation and the
completing units each list's form names, beside the recommending unit — what conflicts are checked
against. Field names are the intake forms' (services/intake/forms/), as the events carry them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .conflicts import NominationParties, Organisation

# list code -> (holder name field, holder credit-code field, fields listing further organisations)
_HOLDERS: dict[str, tuple[str | None, str | None, tuple[str, ...]]] = {
    "leading_tech": (None, None, ("completing_units",)),
    "emerging_enterprise": ("enterprise_name", "credit_code", ()),
    "integrated_innovation_org": ("organisation_name", "credit_code", ()),
    "entrepreneurship_pioneer": ("organisation", "organisation_credit_code", ()),
    "tech_manager_pioneer": ("organisation", None, ()),
    "international_cooperation": ("lead_organisation", "credit_code", ("partner_organisations",)),
    "open_source": ("organisation", "credit_code", ()),
}


def parties_of(nomination_id: str, list_code: str, form: Mapping[str, Any], unit: Organisation) -> NominationParties:
    name_field, code_field, listed = _HOLDERS.get(list_code, (None, None, ()))
    others = [Organisation(str(name)) for f in listed for name in form.get(f) or () if isinstance(name, str)]
    others += [Organisation(str(m["organisation"])) for m in form.get("key_people") or ()
               if isinstance(m, Mapping) and isinstance(m.get("organisation"), str)]
    holder = None
    if name_field and isinstance(form.get(name_field), str):
        code = form.get(code_field) if code_field else None
        holder = Organisation(form[name_field], code if isinstance(code, str) else None)
    elif others:  # 先导技术: the first completing unit leads
        holder, others = others[0], others[1:]
    return NominationParties(nomination_id, unit, holder, tuple(dict.fromkeys(others)))
