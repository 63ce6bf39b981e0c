"""A CPU-heavy pure decision runs in a worker process (eventlog/write/offload.py): its events and its refusals come
back whole, a refusal with every detail its own __init__ gave it."""

from __future__ import annotations

import pickle

import pytest

from contracts.errors import DomainError
from eventlog.write import offload
from services.review.domain.assignment import AssignmentInfeasible, NominationShortage


def refuse_infeasibly(required: int) -> None:
    raise AssignmentInfeasible(required=required, assignable=3, max_load=2,
                               shortages=(NominationShortage("n1", 1, 3),), experts_needed=2, max_load_needed=None)


def doubled(values: list[int]) -> list[int]:
    return [2 * v for v in values]


def test_a_refusal_pickles_whole_whatever_its_init_takes():
    with pytest.raises(AssignmentInfeasible) as raised:
        refuse_infeasibly(7)
    back = pickle.loads(pickle.dumps(raised.value))
    assert (type(back), back.code, back.http_status, back.message, back.errors, back.required) == (
        AssignmentInfeasible, "assignment_infeasible", 422, raised.value.message,
        [{"nomination_id": "n1", "eligible": 1, "needed": 3}], 7)
    plain = pickle.loads(pickle.dumps(DomainError("不行", code="nope", field="x", http_status=409)))
    assert (plain.code, plain.field, plain.http_status, plain.message) == ("nope", "x", 409, "不行")


async def test_the_worker_answers_and_refuses_as_the_function_does():
    try:
        assert await offload.in_worker(doubled, [1, 2, 3]) == [2, 4, 6]
        with pytest.raises(AssignmentInfeasible) as raised:
            await offload.in_worker(refuse_infeasibly, 5)
        assert (raised.value.code, raised.value.required, raised.value.errors[0]["needed"]) == (
            "assignment_infeasible", 5, 3)
    finally:
        offload.shutdown()
