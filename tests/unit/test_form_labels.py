"""The forms' labels the review reads (contracts/form_labels.json) are the intake's form models' own."""

from contracts.form_labels import FILE, field_label
from services.intake.forms import labels


def test_the_shared_labels_are_the_intake_forms_labels():
    assert FILE.read_text(encoding="utf-8") == labels.text(), "run: python -m services.intake.forms.labels"


def test_a_field_reads_by_its_own_label_and_an_unknown_one_by_its_code():
    assert field_label("leading_tech", "technology_name") == "技术名称"
    assert field_label("leading_tech", "no_such_field") == "no_such_field"
