"""Every event class survives encode -> decode unchanged, for any payload its constraints allow.

The strategies are derived from each model's own fields (types, Literal values, min/max lengths,
bounds, patterns), so a new event or field is covered without touching this file. Cross-field
rules (weights summing to 100, votes adding up) are met by a few named field strategies, and any
draw a model validator still refuses is discarded.
"""

from __future__ import annotations

import types
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from uuid import UUID

import annotated_types as at
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from contracts.events import EVENT_CLASSES, Event, decode_event, encode_event

# Text the wire can carry: no lone surrogates (orjson refuses them at encode time).
CHARS = st.characters(blacklist_categories=("Cs",))
OFFSETS = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
INSTANTS = st.datetimes(datetime(1990, 1, 1), datetime(2200, 1, 1), timezones=OFFSETS)
# JSON-native values only: tuples would come back as lists; ints beyond 64 bits are not encodable.
JSON_SCALARS = (st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
                | st.floats(allow_nan=False, allow_infinity=False) | st.text(CHARS, max_size=20))
JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(CHARS, max_size=10), inner, max_size=4), max_leaves=12)


def _constraints(metadata: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in metadata:
        if isinstance(m, FieldInfo):
            out.update(_constraints(m.metadata))
        elif isinstance(m, at.MinLen):
            out["min_len"] = m.min_length
        elif isinstance(m, at.MaxLen):
            out["max_len"] = m.max_length
        elif isinstance(m, (at.Ge, at.Gt, at.Le, at.Lt)):
            name = type(m).__name__.lower()
            out[name] = getattr(m, name)
        elif getattr(m, "pattern", None):
            out["pattern"] = m.pattern
        if getattr(m, "decimal_places", None) is not None:
            out["places"], out["digits"] = m.decimal_places, m.max_digits
    return out


def _decimal(c: dict[str, Any]) -> st.SearchStrategy:
    places = c.get("places")
    bound = Decimal(10) ** (c["digits"] - places) - 1 if places is not None and c.get("digits") else None
    return st.decimals(min_value=c.get("ge", -bound if bound else None), max_value=c.get("le", bound),
                       places=places, allow_nan=False, allow_infinity=False)


def _number(kind: type, c: dict[str, Any]) -> st.SearchStrategy:
    if kind is int:
        lo = c.get("ge", c["gt"] + 1 if "gt" in c else -(2**53))
        hi = c.get("le", c["lt"] - 1 if "lt" in c else 2**53)
        return st.integers(lo, hi)
    return st.floats(min_value=c.get("ge", c.get("gt")), max_value=c.get("le", c.get("lt")),
                     exclude_min="gt" in c, exclude_max="lt" in c, allow_nan=False, allow_infinity=False)


def strategy_for(annotation: Any, metadata: list[Any] = ()) -> st.SearchStrategy:
    """A strategy of valid values for one pydantic field annotation and its constraint metadata."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return strategy_for(args[0], [*metadata, *args[1:]])
    if origin in (Union, types.UnionType):
        return st.one_of([strategy_for(a, metadata) for a in args])
    if origin is Literal:
        return st.sampled_from(args)
    c = _constraints(list(metadata))
    if annotation is type(None):
        return st.none()
    if annotation is Any:
        return JSON
    if annotation is str:
        if "pattern" in c:
            return st.from_regex(c["pattern"], fullmatch=True).filter(
                lambda s: c.get("min_len", 0) <= len(s) <= c.get("max_len", 10**6))
        return st.text(CHARS, min_size=c.get("min_len", 0), max_size=min(c.get("max_len", 40), 40))
    if annotation is bool:
        return st.booleans()
    if annotation in (int, float):
        return _number(annotation, c)
    if annotation is UUID:
        return st.uuids()
    if annotation is Decimal:
        return _decimal(c)
    if annotation is date:
        return st.dates()
    if annotation is datetime:
        return INSTANTS
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return st.lists(strategy_for(args[0]), max_size=4).map(tuple)
    if origin is tuple:
        return st.tuples(*(strategy_for(a) for a in args))
    if origin is dict:
        return st.dictionaries(strategy_for(args[0]), strategy_for(args[1]), max_size=4)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_strategy(annotation)
    raise TypeError(f"no strategy for {annotation!r}; extend strategy_for")


def _criteria() -> st.SearchStrategy:
    """1..4 criteria with distinct codes and whole-percent weights summing to 100."""
    from contracts.review_terms import Criterion

    def split(cuts: list[int]) -> tuple[Criterion, ...]:
        edges = [0, *sorted(cuts), 100]
        return tuple(Criterion(code=f"c{i}", name=f"指标{i}", weight=b - a)
                     for i, (a, b) in enumerate(zip(edges, edges[1:])))
    return st.lists(st.integers(1, 99), max_size=3, unique=True).map(split)


@st.composite
def _vote(draw) -> dict[str, int]:
    eligible = draw(st.integers(1, 50))
    present = draw(st.integers(0, eligible))
    recused = draw(st.integers(0, eligible - present))  # recused members are not present
    yes = draw(st.integers(0, present))
    no = draw(st.integers(0, present - yes))
    return dict(eligible=eligible, present=present, recused=recused, yes=yes, no=no, abstain=present - yes - no)


# (model, field) -> strategy, where a model validator ties fields together.
FIELD_STRATEGIES: dict[tuple[str, str], Any] = {
    ("ReviewPlanFiled", "criteria"): _criteria,
    ("ReviewPlanFiled", "score_min"): lambda: st.integers(-1000, 0),
    ("ReviewPlanFiled", "score_max"): lambda: st.integers(1, 1000),
    ("ReviewPlanFiled", "divergence_threshold"): lambda: st.none() | st.decimals(Decimal("0.01"), 1, places=2),
    ("ReviewPlanFiled", "tie_break"): lambda: st.permutations(["raw_sum", "earliest_submission"]).flatmap(
        lambda order: st.integers(1, 2).map(lambda n: tuple(order[:n]))),
    ("ReviewPlanFiled", "experts_per_item"): lambda: st.integers(1, 4),
    ("CommitteeVote", "*"): lambda: _vote(),
}


def model_strategy(cls: type[BaseModel]) -> st.SearchStrategy:
    if (cls.__name__, "*") in FIELD_STRATEGIES:
        return FIELD_STRATEGIES[cls.__name__, "*"]().map(lambda kw: cls(**kw))
    fields = {name: FIELD_STRATEGIES[cls.__name__, name]() if (cls.__name__, name) in FIELD_STRATEGIES
              else strategy_for(f.annotation, f.metadata) for name, f in cls.model_fields.items()}
    if issubclass(cls, Event):  # the envelope's type and version are the class's own
        fields["type"] = st.just(cls.model_fields["type"].default)
        fields["schema_version"] = st.just(cls.model_fields["schema_version"].default)

    def build(values: dict[str, Any]) -> BaseModel | None:
        try:
            return cls(**values)
        except ValidationError:  # a cross-field rule the field strategies did not meet: discard
            return None
    return st.fixed_dictionaries(fields).map(build).filter(lambda m: m is not None)


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=lambda c: c.__name__)
# 30 of each of some fifty event types: the codec is one path for all; CI time goes to the integration tests
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_event_round_trips(cls: type[Event], data: st.DataObject) -> None:
    # Any valid event of this class...
    event = data.draw(model_strategy(cls))
    # ...comes back from the wire as the same class with equal fields.
    decoded = decode_event(encode_event(event))
    assert type(decoded) is cls
    assert decoded == event


def test_strategies_cover_every_field_type() -> None:
    # Strategies are built eagerly: a new field type without one fails here with a clear TypeError.
    for cls in EVENT_CLASSES:
        assert model_strategy(cls) is not None


def test_non_finite_floats_are_refused_when_the_event_is_built() -> None:
    # NaN/inf would encode as null and never decode again: a poison event of our own making.
    from pydantic import ValidationError

    from contracts.events import Actor, PrelimScored

    with pytest.raises(ValidationError):
        PrelimScored(occurred_at=datetime(2022, 11, 1, tzinfo=timezone.utc), campaign="kczg-2022", key="k",
                     actor=Actor(role="system", id="review"), nomination_id=UUID(int=1), list_code="leading_tech",
                     aggregate=float("nan"), raw_sum=float("inf"), rank=1, expert_count=0, method="mean")
