"""The review's progress as Prometheus counters, counted from the events each committed command decided
(the unit of work's commit hook): screenings, scores, preliminary results and final decisions."""

from __future__ import annotations

from prometheus_client import Counter

from contracts.events import (
    Event, ExpertScoreRecorded, FinalDecisionRecorded, NominationReturned, NominationScreened, PrelimResultsSubmitted,
)

SCREENED = Counter("kczg_review_screenings", "Formal screenings recorded (形式审查), by outcome", ("outcome",))
SCORES = Counter("kczg_review_scores_recorded", "Expert scores recorded (revisions included), by list and domain",
                 ("list_code", "domain"))
RESULTS = Counter("kczg_review_results_submitted", "Preliminary results submitted, by list, domain and lateness",
                  ("list_code", "domain", "late"))
DECISIONS = Counter("kczg_review_final_decisions", "Final-review decisions recorded (revisions included)",
                    ("list_code", "selected"))


def count(events: list[Event]) -> None:
    for event in events:
        match event:
            case ExpertScoreRecorded():
                SCORES.labels(event.list_code or "", event.domain or "").inc()
            case PrelimResultsSubmitted():
                RESULTS.labels(event.list_code, event.domain or "", "true" if event.late else "false").inc()
            case FinalDecisionRecorded():
                DECISIONS.labels(event.list_code, "true" if event.selected else "false").inc()
            case NominationScreened():
                SCREENED.labels("passed" if event.passed else "failed").inc()
            case NominationReturned():  # returned for correction (退回补正)
                SCREENED.labels("returned").inc()
