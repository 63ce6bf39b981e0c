"""When the simulator, as a model client of the public platform, sends a request again — exactly what the README
tells every client: the same Idempotency-Key on every retry of one action, after Retry-After, on no answer
(timeout, reset), on any 503 (outcome_unknown, event_log_unavailable, database_unavailable, a view still
building) and on 409 idempotency_in_progress; never on another 4xx, whose answer is the outcome."""

from __future__ import annotations

import random

import httpx

RETRY_FOR_S = 180.0      # one action's retries end here: then the last answer (or the transport error) stands
MAX_DELAY_S = 5.0


def should_retry(response: httpx.Response) -> bool:
    if response.status_code == 503:
        return True
    if response.status_code == 409:
        try:
            return response.json().get("code") == "idempotency_in_progress"
        except ValueError:
            return False
    return False


def delay_s(attempt: int, response: httpx.Response | None) -> float:
    """Retry-After when the service gave one, else an exponential backoff with jitter (many clients at once)."""
    if response is not None and (after := response.headers.get("retry-after", "")).isdigit():
        return min(float(after), MAX_DELAY_S)
    return min(0.1 * 2 ** attempt, MAX_DELAY_S) * (0.5 + random.random() / 2)


def reason(response: httpx.Response | None, error: Exception | None) -> str:
    """What made the client try again, for the run's tally."""
    if error is not None:
        return f"retried:{type(error).__name__}"
    try:
        return f"retried:{response.json().get('code', response.status_code)}"
    except ValueError:
        return f"retried:{response.status_code}"
