"""The forms' labels the review reads (contracts/form_labels.json) are the intake's form models' own, and the
dossier reads a form by them: fields and choices in Chinese, nested entries too."""

from contracts.form_labels import FILE, choice_label, field_label
from services.intake.examples import example_form
from services.intake.forms import labels
from services.review.pages.dossier import dossier_rows


def test_the_shared_labels_are_the_intake_forms_labels():
    assert FILE.read_text(encoding="utf-8") == labels.text(), "run: python -m services.intake.forms.labels"


def test_a_field_and_a_choice_read_by_their_labels_and_unknown_ones_as_they_are():
    assert field_label("leading_tech", "technology_name") == "技术名称"
    assert field_label("leading_tech", "patents.kind") == "类别"
    assert field_label("leading_tech", "no_such_field") == "no_such_field"
    assert choice_label("leading_tech", "maturity_stage", "pilot") == "中试"
    assert choice_label("leading_tech", "maturity_stage", "unheard_of") == "unheard_of"
    assert choice_label("no_such_list", "domain", "biomedicine") == "biomedicine"


def test_the_dossier_shows_no_field_code_and_no_choice_code():
    form = example_form("leading_tech", domain="advanced_materials", technology_name="高熵合金")
    rows = dict(dossier_rows(form))
    assert rows["技术名称"] == ["高熵合金"] and rows["领域"] == ["先进材料"] and rows["成熟度"] == ["产业化"]
    assert rows["知识产权"][0] == "类别：发明专利；状态：已授权（登记）；专利号或登记号：ZL 2021 1 0123456.7；名称：一种碳纤维原丝"
    text = repr(rows)
    assert not any(code in text for code in ("technology_name", "advanced_materials", "industrialisation",
                                             "invention", "granted"))
