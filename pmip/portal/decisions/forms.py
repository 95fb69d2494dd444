"""Forms of the 业主决策 pages: the ballot (one question or each candidate of an election, plus the 《服务协议》
tick), the voter nomination and the bulletin search. Forms only check the shape of the input: the rules are the
domain services' (pmip.decisions.services)."""

from __future__ import annotations

import re

from django import forms

from pmip.decisions.choices import Choice
from pmip.decisions.models import Matter

AGREEMENT_REQUIRED = "请先阅读《服务协议》，并勾选“我已阅读并同意《服务协议》”。"


class VoteForm(forms.Form):
    """One owner's answer to one matter: 同意 / 反对 / 弃权, for an election one per candidate."""

    agreement = forms.BooleanField(
        label="我已阅读并同意《服务协议》",
        required=True,
        error_messages={"required": AGREEMENT_REQUIRED},
    )

    def __init__(self, *args, matter: Matter, **kwargs):
        super().__init__(*args, **kwargs)
        self.matter = matter
        self.candidates = list(matter.candidates.all()) if matter.is_election else []
        if matter.is_election:
            for c in self.candidates:
                self.fields[f"c{c.pk}"] = forms.ChoiceField(
                    label=c.name,
                    choices=Choice.choices,
                    widget=forms.RadioSelect,
                    error_messages={"required": f"请对候选人“{c.name}”选择同意、反对或弃权。"},
                )
        else:
            self.fields["choice"] = forms.ChoiceField(
                label=matter.title,
                choices=Choice.choices,
                widget=forms.RadioSelect,
                error_messages={"required": "请选择同意、反对或弃权。"},
            )
        # the tick comes last on the page
        self.order_fields([f for f in self.fields if f != "agreement"] + ["agreement"])

    @property
    def choice_fields(self):
        return [self[name] for name in self.fields if name != "agreement"]

    def answer(self):
        """The answer in the form `cast_ballots` takes: "yes" for a question, {candidate id: "yes"} for an election."""
        if self.matter.is_election:
            return {str(c.pk): self.cleaned_data[f"c{c.pk}"] for c in self.candidates}
        return self.cleaned_data["choice"]


class NominateForm(forms.Form):
    """推选投票人: one of the co-owners bound to the unit (names masked)."""

    nominee = forms.TypedChoiceField(
        label="推选投票人",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "请选择一位共有人作为投票人。",
            "invalid_choice": "请从列出的共有人中选择。",
        },
    )

    def __init__(self, *args, candidates: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominee"].choices = candidates


_RECEIPT_CHARS = re.compile(r"[^0-9a-f]")


class BulletinSearchForm(forms.Form):
    """Find a receipt in the bulletin by its code or its first characters (spaces and case ignored)."""

    q = forms.CharField(label="回执码", required=False, max_length=80, strip=True)
    matter = forms.TypedChoiceField(label="议题", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, matters: list[Matter], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matter"].choices = [
            ("", "全部议题"),
            *((m.pk, f"{m.order}. {m.title}") for m in matters),
        ]

    def criteria(self) -> tuple[str, int | None]:
        if not self.is_valid():
            return "", None
        return _RECEIPT_CHARS.sub("", self.cleaned_data["q"].lower()), self.cleaned_data["matter"]
