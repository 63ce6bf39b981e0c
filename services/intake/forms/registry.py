"""The forms by list code: the discriminated union, parsing, titles and Chinese field labels."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Union

from pydantic import BaseModel, Field, TypeAdapter
from pydantic.fields import FieldInfo

from contracts.errors import DomainError
from services.intake.forms.cooperation import InternationalCooperationForm
from services.intake.forms.enterprise import EmergingEnterpriseForm
from services.intake.forms.innovation_org import IntegratedInnovationOrgForm
from services.intake.forms.leading_tech import LeadingTechForm
from services.intake.forms.open_source import OpenSourceForm
from services.intake.forms.pioneers import EntrepreneurshipPioneerForm, TechManagerPioneerForm

NominationForm = Annotated[
    Union[
        LeadingTechForm,
        EmergingEnterpriseForm,
        IntegratedInnovationOrgForm,
        EntrepreneurshipPioneerForm,
        TechManagerPioneerForm,
        InternationalCooperationForm,
        OpenSourceForm,
    ],
    Field(discriminator="list_code"),
]

FORM_MODELS: dict[str, type[BaseModel]] = {
    model.model_fields["list_code"].default: model
    for model in typing.get_args(typing.get_args(NominationForm)[0])
}

_ADAPTER: TypeAdapter[Any] = TypeAdapter(NominationForm)


def parse_form(data: dict[str, Any]) -> NominationForm:
    """Validate a form payload; the `list_code` key picks the model. Raises pydantic.ValidationError."""
    return _ADAPTER.validate_python(data)


def form_model(list_code: str) -> type[BaseModel]:
    try:
        return FORM_MODELS[list_code]
    except KeyError:
        raise DomainError(f"未知的榜单代码“{list_code}”", code="unknown_list", field="list_code") from None


def form_title(list_code: str) -> str:
    return form_model(list_code).model_config["title"]


def nested_model(info: FieldInfo) -> type[BaseModel] | None:
    """The model inside a field's type (a model, a list of models, an optional model), if any."""
    pending: list[Any] = [info.annotation]
    while pending:
        tp = pending.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return tp
        if typing.get_origin(tp) in (list, Union, types.UnionType, Annotated):
            pending.extend(typing.get_args(tp))
    return None


def form_field_labels(list_code: str) -> dict[str, str]:
    """Chinese labels by dotted field path, nested fields joined with "·" (e.g. "patents.number")."""
    labels: dict[str, str] = {}

    def walk(model: type[BaseModel], path: str, label: str) -> None:
        for name, info in model.model_fields.items():
            field_path = f"{path}{name}"
            field_label = f"{label}{info.title or name}"
            labels[field_path] = field_label
            if (inner := nested_model(info)) is not None:
                walk(inner, f"{field_path}.", f"{field_label}·")

    walk(form_model(list_code), "", "")
    return labels


def describe_loc(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> tuple[str, FieldInfo | None]:
    """The Chinese label of an error location (indices as 第n项) and the field it ends on."""
    parts: list[str] = []
    info: FieldInfo | None = None
    for step in loc:
        if isinstance(step, int):
            parts.append(f"第{step + 1}项")
            continue
        info = model.model_fields.get(step) if model is not None else None
        parts.append(("·" if parts else "") + (info.title if info and info.title else str(step)))
        model = nested_model(info) if info is not None else None
    return "".join(parts), info
