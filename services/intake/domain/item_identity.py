"""What item a nomination puts forward, across campaigns: the identity the previously-listed rule
compares (an item listed in an earlier campaign is not nominated again, where a campaign says so).

One normalised key, scoped by list code (an enterprise on 新锐企业榜 may still appear on 融通创新组织榜):
- lists whose nominee is an enterprise or organisation (ORGANISATION_LISTS), when the form has a
  unified social credit code: "credit:" + the code (NFKC, upper-case, whitespace removed) — a renamed
  enterprise is still the same enterprise;
- otherwise: "title:" + the title, NFKC, case-folded, with whitespace, punctuation and symbols
  removed ("“科创”-A 1" and "科创A1" are the same item).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

ORGANISATION_LISTS = frozenset({"emerging_enterprise", "integrated_innovation_org"})
CREDIT_CODE_FIELD = "credit_code"


@dataclass(frozen=True)
class Listing:
    """An entry of a list an earlier campaign published."""

    campaign: str
    list_code: str
    nomination_id: UUID
    title: str
    unit_id: str
    published_at: datetime


def normalise_title(title: str) -> str:
    text = unicodedata.normalize("NFKC", title).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PSZC")


def identity_key(list_code: str, form: Mapping[str, Any] | None, title: str) -> str:
    code = (form or {}).get(CREDIT_CODE_FIELD) if list_code in ORGANISATION_LISTS else None
    if isinstance(code, str) and code.strip():
        return "credit:" + "".join(unicodedata.normalize("NFKC", code).upper().split())
    return "title:" + normalise_title(title)


def credit_key(list_code: str, form: Mapping[str, Any] | None) -> str | None:
    """The item's credit-code identity, if its list names an organisation and the form carries a code."""
    key = identity_key(list_code, form, "")
    return key if key.startswith("credit:") else None


# The field that names what is nominated, per form: the nomination's default title.
TITLE_FIELDS = ("technology_name", "enterprise_name", "organisation_name", "nominee_name", "person_name",
                "project_name")


def item_title(form: Mapping[str, Any] | Any, given: str | None) -> str:
    """The nomination's title: the one given, else the form's name field (a raw form or a parsed one)."""
    if given:
        return given
    read = form.get if isinstance(form, Mapping) else lambda name: getattr(form, name, None)
    return next((str(value) for f in TITLE_FIELDS if (value := read(f))), "未命名")[:200]
