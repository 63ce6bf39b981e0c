"""A nomination's later states as its unit (and its applicant) may read them, pure: where it is in the review,
the final decision once a notice covering its target has opened (never before: the decision is confidential
until the notice), and its release or revocation. In Chinese; the experts are counted, never named."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from contracts.deadline_text import BEIJING

UNDISCLOSED = "公示后可见"


def _at(at: datetime) -> str:
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def review_stage(status: str, screening: str | None, review: Mapping[str, Any] | None) -> str:
    """形式审查通过 → 已分配专家（n 位） → 初评结果已报送 → 终评; "—" for a nomination not holding a slot."""
    if status != "reserved":
        return "—"
    if review is not None:
        if review["decision_revision"] is not None:
            return "终评"
        if review["prelim_at"] is not None:
            return "初评结果已报送"
        if review["experts"]:
            return f"已分配专家（{len(review['experts'])} 位）"
    return "形式审查通过" if screening == "passed" else "—"


def covering(nomination_id: UUID, domain: str | None, notices: Sequence[Mapping[str, Any]],
             now: datetime) -> tuple[Mapping[str, Any] | None, bool]:
    """Among the notices of the nomination's list: the open one listing it (if any), and whether any open
    notice covers its target (lists it, or was not opened without its domain)."""
    listing, covered = None, False
    for notice in notices:
        if notice["opens_at"] > now:
            continue
        if nomination_id in notice["nominations"]:
            listing, covered = notice, True
        elif (domain or "") not in (notice["omitted"] or ()):
            covered = True
    return listing, covered


def decision_text(status: str, nomination_id: UUID, domain: str | None, review: Mapping[str, Any] | None,
                  notices: Sequence[Mapping[str, Any]], now: datetime) -> str:
    """入选 / 未入选 (the latest revision), only once an open notice covers the nomination's target; before,
    the same words whether or not a decision was recorded."""
    if status != "reserved":
        return "—"
    listing, covered = covering(nomination_id, domain, notices, now)
    if not covered:
        return UNDISCLOSED
    selected = review["selected"] if review is not None and review["decision_revision"] is not None else None
    if selected is None:
        selected = True if listing is not None else None  # the notice lists it; the decision not yet read
    if selected is None:
        return "—"
    if not selected:
        return "未入选"
    window = f"（公示 {_at(listing['opens_at'])} 至 {_at(listing['closes_at'])}）" if listing is not None else ""
    return "入选" + window


def release_text(review: Mapping[str, Any] | None, now: datetime) -> str:
    """已撤销 (with the reason) once a correction revoked it; else 已发布 with the list version once public."""
    if review is None:
        return "—"
    if review["revoked_at"] is not None and review["revoked_at"] <= now:
        return f"已撤销：{review['revoke_reason']}"
    if review["release_version"] is not None and review["released_at"] <= now:
        return f"已发布（第 {review['release_version']} 版）"
    return "—"


def later_states(status: str, screening: str | None, nomination_id: UUID, domain: str | None,
                 review: Mapping[str, Any] | None, notices: Sequence[Mapping[str, Any]],
                 now: datetime) -> dict[str, str]:
    """The three later states the unit's pages show (a column each): stage, decision, release."""
    return {"stage": review_stage(status, screening, review),
            "decision": decision_text(status, nomination_id, domain, review, notices, now),
            "release": release_text(review, now)}
