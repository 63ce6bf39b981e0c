"""What a listed entry shows beyond organisation names: the form fields its recommending unit agreed to publish
(`publish_fields`, contracts/publication.py), as text, and the holder's region. Pure; read from the nomination's
form by the release facts, carried by the release (PublishedEntry.shown, .region) and nothing else.

A form without consent shows nothing more; a consented field that is empty is left out, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.publication import MAX_SHOWN, PUBLISHABLE, REGIONS

Shown = tuple[tuple[str, str, str], ...]  # (field, label, value) in the list's declared order


def _text(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, list):
        return "；".join(t for v in value if (t := _text(v)))
    return str(value).strip()


def shown_fields(list_code: str, form: Mapping[str, Any] | None) -> Shown:
    form = form if isinstance(form, Mapping) else {}
    kind = form.get("list_code") if isinstance(form.get("list_code"), str) else list_code
    consent = form.get("publish_fields")
    if not isinstance(consent, list):
        return ()
    out = []
    for field, label in PUBLISHABLE.get(kind, {}).items():
        if field in consent and (value := _text(form.get(field))):
            out.append((field, label, value[:MAX_SHOWN]))
    return tuple(out)


def region_of(form: Mapping[str, Any] | None) -> str | None:
    region = form.get("region") if isinstance(form, Mapping) else None
    return region if isinstance(region, str) and region in REGIONS else None
