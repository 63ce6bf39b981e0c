"""Typed nomination forms, one per list, as a discriminated union on `list_code`.

The fields are configurable defaults modelled on what such forms ask, not the official attachment.
"""

from services.intake.forms.cooperation import InternationalCooperationForm
from services.intake.forms.diff import form_diff
from services.intake.forms.enterprise import EmergingEnterpriseForm, FinancingRound
from services.intake.forms.errors import form_errors_zh
from services.intake.forms.innovation_org import IntegratedInnovationOrgForm
from services.intake.forms.leading_tech import KeyPerson, LeadingTechForm
from services.intake.forms.open_source import OpenSourceForm
from services.intake.forms.patents import Patent
from services.intake.forms.pioneers import EntrepreneurshipPioneerForm, TechManagerPioneerForm
from services.intake.forms.registry import (
    FORM_MODELS, NominationForm, form_field_labels, form_model, form_title, parse_form,
)

__all__ = [
    "FORM_MODELS",
    "EmergingEnterpriseForm",
    "EntrepreneurshipPioneerForm",
    "FinancingRound",
    "IntegratedInnovationOrgForm",
    "InternationalCooperationForm",
    "KeyPerson",
    "LeadingTechForm",
    "NominationForm",
    "OpenSourceForm",
    "Patent",
    "TechManagerPioneerForm",
    "form_diff",
    "form_errors_zh",
    "form_field_labels",
    "form_model",
    "form_title",
    "parse_form",
]
