"""Forms of 线下认证 and the house-information queue: they check the shape of input; the services check the rules."""

from __future__ import annotations

from django import forms

from pmip.identity.models import HouseInfoSubmission, OfflineEvidence


class IdNumberForm(forms.Form):
    """The owner's document number, typed by the officer (sent by POST, never in a URL)."""

    id_number = forms.CharField(
        label="证件号码",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True, "spellcheck": "false"}),
        help_text="输入业主出示的证件号码（居民身份证、港澳台居民居住证、回乡证、台胞证、外国人永久居留身份证或护照）。",
        error_messages={"required": "请输入证件号码。"},
    )


class EvidenceForm(forms.Form):
    """The three kinds of evidence; each optional here (one may upload them one by one), at least one required."""

    title_proof = forms.FileField(label=OfflineEvidence.Kind.TITLE_PROOF.label, required=False)
    id_proof = forms.FileField(label=OfflineEvidence.Kind.ID_PROOF.label, required=False)
    holding_photo = forms.FileField(label=OfflineEvidence.Kind.HOLDING_PHOTO.label, required=False)

    ACCEPT = "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["accept"] = self.ACCEPT

    def clean(self):
        data = super().clean()
        if not any(data.get(kind) for kind in self.fields):
            raise forms.ValidationError("请至少选择一个要上传的文件。")
        return data

    def files_by_kind(self) -> dict:
        return {kind: self.cleaned_data.get(kind) for kind in self.fields}


class ApproveForm(forms.Form):
    confirm = forms.BooleanField(
        label="我已当面核对业主的产权证明、身份证件和本人手持证件照片，与产权登记信息一致。",
        error_messages={"required": "请先勾选确认已当面核对材料。"},
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="不通过原因",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="业主将看到这条原因，最多200字。",
        error_messages={"required": "请填写不通过的原因。", "max_length": "原因不能超过200个字。"},
    )


class SubmissionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *HouseInfoSubmission.Status.choices]
    )


class SubmissionReplyForm(forms.Form):
    decision = forms.ChoiceField(
        label="处理结果",
        choices=[("resolve", "补录完成"), ("reject", "不予补录")],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择处理结果。"},
    )
    reply = forms.CharField(
        label="答复",
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="业主将看到这条答复；不予补录时必须填写原因。",
        error_messages={"max_length": "答复不能超过200个字。"},
    )
