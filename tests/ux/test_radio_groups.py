"""Radio (and checkbox) groups are fieldsets with a legend, tied to their error (issue 12): the one mechanism is the
`group_aria` tag (pmip/portal/templatetags/display.py), used by the office field template for every field Django
renders as a group, by the owner pages' radio include, by the star ratings and by the hand-written groups; and no
template has a radio outside a fieldset."""

from __future__ import annotations

import re
from pathlib import Path

from django import forms
from django.template.loader import render_to_string

import pmip
from tests.ux.aria_errors import assert_errors_tied, invalid_controls


class Sample(forms.Form):
    decision = forms.ChoiceField(
        label="审核结果", choices=[("a", "通过"), ("r", "退回")], widget=forms.RadioSelect
    )
    buildings = forms.MultipleChoiceField(
        label="楼栋",
        choices=[("1", "1栋"), ("2", "2栋")],
        widget=forms.CheckboxSelectMultiple,
        help_text="可多选",
    )


def test_the_office_field_template_makes_a_group_a_fieldset_tied_to_its_error():
    form = Sample(data={})
    assert not form.is_valid()
    html = render_to_string("office/_field.html", {"field": form["decision"]})
    assert re.search(
        r'<fieldset[^>]*role="radiogroup" aria-invalid="true" aria-describedby="id_decision_error"', html
    )
    assert "<legend" in html and "<label for=" not in html.split("<legend")[0]
    assert_errors_tied(html, "这个字段是必须的")
    html = render_to_string("office/_field.html", {"field": form["buildings"]})
    assert 'role="radiogroup"' not in html  # checkboxes: a plain group
    assert re.search(
        r'<fieldset[^>]*aria-invalid="true" aria-describedby="id_buildings_helptext id_buildings_error"', html
    )
    assert_errors_tied(html, "这个字段是必须的")
    clean = render_to_string("office/_field.html", {"field": Sample()["decision"]})
    assert "aria-invalid" not in clean and 'role="radiogroup"' in clean


def test_the_owner_radio_include_is_a_fieldset_tied_to_its_error():
    form = Sample(data={"decision": "x"})
    form.is_valid()
    html = render_to_string(
        "portal/decisions/_radios.html", {"field": form["decision"], "legend": "您的意见"}
    )
    assert re.search(
        r'<fieldset[^>]*role="radiogroup" aria-invalid="true" aria-describedby="id_decision_error"', html
    )
    assert ">您的意见</legend>" in html
    assert_errors_tied(html, "选择一个有效的选项")
    assert (
        invalid_controls(render_to_string("portal/decisions/_radios.html", {"field": Sample()["decision"]}))
        == []
    )


def test_no_template_has_a_radio_outside_a_fieldset():
    root = Path(pmip.__file__).parent
    loose = []
    for path in root.rglob("templates/**/*.html"):
        text = path.read_text()
        for m in re.finditer(r'type="radio"', text):
            before = text[: m.start()]
            opened = len(re.findall(r"<fieldset\b", before)) - len(re.findall(r"</fieldset>", before))
            if opened <= 0 and path.name != "_radios.html":
                loose.append(str(path.relative_to(root)))
    assert loose == []
