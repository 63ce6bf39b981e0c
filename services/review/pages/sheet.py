"""The score sheet an expert fills beside the dossier: the plan's criteria with weights and range, what
was typed (kept on a refusal, each error beside its criterion), and the weighted total the domain computes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import ValidationError

from contracts.errors import DomainError
from contracts.review_terms import Criterion
from eventlog.http.problems import field_message

from ..domain.scoring import weighted_total
from ..schemas import ScoreRequest

SCORE_FIELD = "score."  # a criterion's input is named score.<code>
CONFLICT_REASONS = {"same_organisation": "同单位", "collaboration": "合作关系", "relative": "亲属",
                    "interest": "利益相关", "other": "其他"}
_CRITERIA: dict[object, tuple[Criterion, ...]] = {}  # per plan filing (its event id): a filed plan never changes


@dataclass
class Sheet:
    criteria: tuple[Criterion, ...]
    score_min: Decimal
    score_max: Decimal
    typed: dict[str, str] = field(default_factory=dict)    # criterion code -> what is in its input
    reason: str = ""
    errors: dict[str, str] = field(default_factory=dict)   # criterion code, "reason" or "" (the form) -> message

    @classmethod
    def of_plan(cls, plan: dict, submitted: dict[str, Decimal] | None = None) -> Sheet:
        criteria = _CRITERIA.get(plan["event_id"])
        if criteria is None:
            criteria = _CRITERIA[plan["event_id"]] = tuple(Criterion(**c) for c in plan["criteria"])
        typed = {code: _plain(v) for code, v in (submitted or {}).items()}
        return cls(criteria, Decimal(plan["score_min"]), Decimal(plan["score_max"]), typed)

    def total(self) -> Decimal | None:
        """The weighted total of what is typed, as the domain computes it; None until it would be accepted."""
        try:
            request = ScoreRequest.model_validate({"scores": self.typed})
            return weighted_total(request.scores, self.criteria, self.score_min, self.score_max)
        except (ValidationError, DomainError):
            return None

    def read(self, form: dict[str, str]) -> ScoreRequest | None:
        """Take what the form sent; the request it makes, or None with `errors` set as the API words them."""
        self.typed = {c.code: form.get(SCORE_FIELD + c.code, "").strip() for c in self.criteria}
        self.reason = form.get("reason", "")
        sent = {code: value for code, value in self.typed.items() if value}  # empty: missing, the domain says so
        if not sent:
            self.errors[""] = "尚未填写分数：请为每项评价指标填写分数。"
            return None
        try:
            return ScoreRequest.model_validate({"scores": sent, "reason": self.reason})
        except ValidationError as exc:
            for err in exc.errors():
                loc = [str(p) for p in err["loc"]]
                key = loc[1] if loc[0] == "scores" and len(loc) > 1 else ("reason" if loc[0] == "reason" else "")
                self.errors.setdefault(key, field_message(err))
            return None

    def refused(self, problem: dict) -> None:
        """A refusal as the API words it (problem+json's body): each error beside its criterion or the reason,
        the rest at the top of the form."""
        placed = False
        for e in problem.get("errors") or []:
            if isinstance(e, dict) and e.get("criterion") in self.typed:
                self.errors[e["criterion"]], placed = problem["detail"], True
            elif isinstance(e, dict) and e.get("field") == "reason":
                self.errors["reason"], placed = e.get("message") or problem["detail"], True
        if not placed:
            self.errors[""] = problem["detail"]


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
