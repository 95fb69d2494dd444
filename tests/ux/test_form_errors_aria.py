"""Inputs tied to their errors and help (issue 12): the shared field templates give the error and help blocks the
ids Django's `aria-describedby` points at, and an invalid input says `aria-invalid="true"`."""

from __future__ import annotations

import re

from django import forms
from django.template.loader import render_to_string


class Sample(forms.Form):
    amount = forms.DecimalField(label="金额", help_text="单位：元")
    holder = forms.CharField(label="姓名", max_length=10)


def ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


def test_the_office_field_ties_the_input_to_its_error_and_help():
    form = Sample(data={"amount": "abc", "holder": ""})
    assert not form.is_valid()
    html = render_to_string("office/_field.html", {"field": form["amount"]})
    described = re.search(r'<input[^>]*aria-describedby="([^"]+)"', html).group(1).split()
    assert described == ["id_amount_helptext", "id_amount_error"]
    assert set(described) <= ids(html)
    assert 'aria-invalid="true"' in html


def test_the_owner_input_ties_the_input_to_its_error():
    form = Sample(data={"amount": "1", "holder": ""})
    form.is_valid()
    html = render_to_string("portal/account/_input.html", {"field": form["holder"]})
    assert re.search(r'<input[^>]*aria-invalid="true" aria-describedby="id_holder_error"', html)
    assert "id_holder_error" in ids(html)
    clean = render_to_string("portal/account/_input.html", {"field": Sample()["holder"]})
    assert "aria-invalid" not in clean
