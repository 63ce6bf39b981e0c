"""Conflicts of interest (回避), pure: automatic ones found from organisations, and declared reasons.

Two organisations are the same when their unified social credit codes match, if both are known;
otherwise when their names match after normalisation (NFKC, case-folded, whitespace, punctuation and
symbols removed — the rule contracts.relisting uses for titles). No legal-form suffix (有限公司,
股份有限公司, 集团 …) is stripped: those name different legal persons, and a looser rule would bar
experts over names that merely share a stem. Abbreviations (中科院) are the expert's to declare.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from contracts.errors import DomainError

MatchedBy = Literal["credit_code", "name"]
Role = Literal["recommending_unit", "holder", "completing_unit"]
ROLE_NAMES: dict[str, str] = {"recommending_unit": "推荐单位", "holder": "申报单位", "completing_unit": "完成单位"}

# Reasons an expert may declare (codes are stable; names are display text).
DECLARED_REASONS: dict[str, str] = {
    "same_organisation": "同单位", "collaboration": "合作关系", "relative": "亲属", "interest": "利益相关",
    "other": "其他",
}


@dataclass(frozen=True)
class Organisation:
    name: str
    credit_code: str | None = None  # 统一社会信用代码, any case or width


@dataclass(frozen=True)
class ExpertProfile:
    expert_id: str
    name: str
    affiliation: Organisation
    declared_relations: tuple[Organisation, ...] = ()  # organisations the expert declares a relation with


@dataclass(frozen=True)
class NominationParties:
    nomination_id: str
    recommending_unit: Organisation
    holder: Organisation | None = None             # applicant / holder organisation, where the list has one
    completing_units: tuple[Organisation, ...] = ()

    def parties(self) -> tuple[tuple[Role, Organisation], ...]:
        holder = ((("holder", self.holder),) if self.holder else ())
        return (("recommending_unit", self.recommending_unit), *holder,
                *(("completing_unit", unit) for unit in self.completing_units))


@dataclass(frozen=True)
class ConflictReason:
    code: Literal["same_organisation", "declared_relation"]
    role: Role                  # which party of the nomination matched
    organisation: Organisation  # that party, as the nomination names it
    matched_by: MatchedBy

    @property
    def message(self) -> str:
        """Chinese text for ConflictDeclared.reason."""
        party = f"{ROLE_NAMES[self.role]}（{self.organisation.name}）"
        if self.code == "same_organisation":
            return f"专家所在单位即本推荐对象的{party}"
        return f"专家声明与本推荐对象的{party}存在关联"


@dataclass(frozen=True)
class DeclaredConflict:
    expert_id: str
    nomination_id: str
    reason: str     # a DECLARED_REASONS code
    note: str = ""

    @property
    def display_name(self) -> str:
        return DECLARED_REASONS[self.reason]


def credit_key(code: str | None) -> str | None:
    """The code NFKC-folded, upper-case, letters and digits only; None when nothing is left."""
    text = "".join(ch for ch in unicodedata.normalize("NFKC", code or "").upper() if ch.isalnum())
    return text or None


def name_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PSZC")


def same_organisation(a: Organisation, b: Organisation) -> MatchedBy | None:
    """How a and b are known to be one organisation, or None."""
    code_a, code_b = credit_key(a.credit_code), credit_key(b.credit_code)
    if code_a and code_b:
        return "credit_code" if code_a == code_b else None
    key = name_key(a.name)
    return "name" if key and key == name_key(b.name) else None  # an empty name matches nothing


def find_conflicts(expert: ExpertProfile, nomination: NominationParties) -> tuple[ConflictReason, ...]:
    """Every automatic reason the expert may not review the nomination: own affiliation first, then declared."""
    reasons = []
    for code, own in (("same_organisation", (expert.affiliation,)), ("declared_relation", expert.declared_relations)):
        for role, party in nomination.parties():
            matched = next(filter(None, (same_organisation(org, party) for org in own)), None)
            if matched:
                reasons.append(ConflictReason(code, role, party, matched))
    return tuple(reasons)


def conflict_pairs(experts: Iterable[ExpertProfile], nominations: Iterable[NominationParties],
                   ) -> dict[tuple[str, str], tuple[ConflictReason, ...]]:
    """(expert id, nomination id) -> reasons, for every conflicted pair, in sorted pair order."""
    by_code: dict[str, set[int]] = defaultdict(set)   # parties' codes -> nominations
    by_name: dict[str, set[int]] = defaultdict(set)   # parties' names -> nominations
    uncoded: dict[str, set[int]] = defaultdict(set)   # names of parties without a code -> nominations
    nominations = list(nominations)
    for i, nomination in enumerate(nominations):
        for _, party in nomination.parties():
            key, code = name_key(party.name), credit_key(party.credit_code)
            by_name[key].add(i)
            (by_code[code] if code else uncoded[key]).add(i)
    found = {}
    for expert in experts:
        candidates: set[int] = set()
        for org in (expert.affiliation, *expert.declared_relations):
            key, code = name_key(org.name), credit_key(org.credit_code)
            candidates |= (by_code.get(code, set()) | uncoded.get(key, set())) if code else by_name.get(key, set())
        for i in candidates:  # the index only narrows; find_conflicts decides
            if reasons := find_conflicts(expert, nominations[i]):
                found[(expert.expert_id, nominations[i].nomination_id)] = reasons
    return dict(sorted(found.items()))


def declare_conflict(expert_id: str, nomination_id: str, reason: str, note: str = "") -> DeclaredConflict:
    """An expert's own declaration; `other` (其他) needs a note saying what the relation is."""
    if reason not in DECLARED_REASONS:
        choices = "、".join(f"{name}（{code}）" for code, name in DECLARED_REASONS.items())
        raise DomainError(f"未知的回避理由“{reason}”，可选：{choices}。", code="conflict_reason_unknown",
                          field="reason")
    if reason == "other" and not note.strip():
        raise DomainError("回避理由为“其他”时须填写说明。", code="conflict_note_required", field="note")
    return DeclaredConflict(expert_id, nomination_id, reason, note.strip())
