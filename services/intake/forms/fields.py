"""Building blocks shared by every nomination form: the base model and bounded field types."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from contracts.publication import PUBLISHABLE, REGIONS
from services.intake.credit_code import CreditCodeError, check_credit_code

# the People's Republic's founding day: no organisation or event in a form predates it
EARLIEST_DATE = date(1949, 10, 1)


class FormModel(BaseModel):
    """Forms are values: unknown fields are refused and text is trimmed before its length is checked."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def choice(labels: dict[str, str]) -> Any:
    """A Literal of the English codes in `labels`; pair it with `choice_field` so the labels travel along."""
    return Literal[tuple(labels)]


def choice_field(labels: dict[str, str], title: str, description: str, **kwargs: Any) -> Any:
    return Field(title=title, description=description, json_schema_extra={"choice_labels": labels}, **kwargs)


def _credit_code(raw: str) -> str:
    try:
        return check_credit_code(raw)
    except CreditCodeError as exc:
        raise PydanticCustomError("invalid_credit_code", "{detail}", {"detail": exc.detail, "reason": exc.reason})


def bounded_text(max_length: int) -> Any:
    """Non-empty trimmed text of at most `max_length` characters (for list items; fields use Field directly)."""
    return Annotated[str, StringConstraints(min_length=1, max_length=max_length)]


# the loose upper bound only caps payload size; the credit-code check reports the exact length
CreditCode = Annotated[str, StringConstraints(max_length=64), AfterValidator(_credit_code)]

# money in 万元 (10,000 CNY), up to a trillion 万元 with four decimals (one yuan)
# (schema pinned: pydantic >= 2.14 otherwise documents Decimal as "number or any string")
Amount10k = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=4),
                      WithJsonSchema({"type": "number", "minimum": 0})]

# a count of people, projects or items; strict so that true/"12"/12.5 are refused, not coerced
Count = Annotated[int, Strict(), Field(ge=0, le=100_000_000)]

FormDate = Annotated[date, Field(ge=EARLIEST_DATE)]

OrgName = bounded_text(100)
PersonName = bounded_text(50)
ListItem = bounded_text(500)
Opinion = bounded_text(1000)


def opinion_field() -> Any:
    """The recommending unit's opinion: optional here because the applicant fills the form before the unit
    adds it; the submission rule decides whether a nomination needs one."""
    return Field(default=None, title="推荐单位意见", description="推荐单位对被推荐对象的推荐意见，不超过1000字")


def achievements_field(title: str = "主要成绩") -> Any:
    return Field(min_length=1, max_length=10, title=title,
                 description="逐条填写，1至10条，每条不超过500字")


def region_field() -> Any:
    """The holder's province-level region, which the public search of listed entries filters by."""
    return Field(default=None, title="所在地区", description="持有单位所在的省级行政区，供上榜后按地区检索",
                 json_schema_extra={"choice_labels": REGIONS})


Region = choice(REGIONS)


def publish_consent(list_code: str) -> Any:
    """The fields the unit agrees to publish once the entry is listed; none by default (organisation names only)."""
    return list[choice(PUBLISHABLE[list_code])]


def publish_consent_field(list_code: str) -> Any:
    return Field(default_factory=list, max_length=len(PUBLISHABLE[list_code]), title="上榜后同意公开的内容",
                 description="上榜后在公开条目页展示的字段；不选则只公开名称、持有单位与推荐单位",
                 json_schema_extra={"choice_labels": PUBLISHABLE[list_code]})
