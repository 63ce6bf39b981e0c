"""The review's corrective steps, taken once each in the simulation (issue 19; scenario_plan.py chooses them):
a return for correction (returns.py), a hand seat the conflict rule bars and a shortfall filled by extending the
roster (seating_steps.py), a re-review that clears one divergence (re_review_step.py). Each is checked as it goes
against what the simulator knows itself (its roster and units, its reference arithmetic, the log): every
disagreement is a line in the review's problems, and `facts` says what each step saw."""

from __future__ import annotations

from kczg.simulator.review.scenario_plan import re_review_target

SCENARIOS = ("returned", "hand_conflict", "shortfall", "re_review")


class ReviewScenarios:
    def __init__(self, rd) -> None:
        self.rd, self.d = rd, rd.d
        self.facts: dict[str, dict] = {}
        keys = [t.key for t in rd.targets if len(t.bodies) == 1 and t.key != rd.zscore_target]
        self.re_review_key = re_review_target(keys, rd.seed)
        self.shortfall_key: str | None = None                       # seating_steps.choose_shortfall
        self.divergent: tuple[str, str, dict, dict] | None = None   # (nomination, expert, outlier, revised)

    def problem(self, what: str, text: str) -> None:
        self.rd.problems.append(f"{what}: {text}")

    def ok(self) -> bool:
        return all(self.facts.get(name, {}).get("ok") for name in SCENARIOS)
