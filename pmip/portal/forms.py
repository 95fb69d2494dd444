from __future__ import annotations

from django import forms


class ProjectSearchForm(forms.Form):
    """物业项目查询: free text (name, address, project code or pinyin initials) and an optional district."""

    q = forms.CharField(
        label="关键词",
        required=False,
        max_length=50,
        error_messages={"max_length": "关键词不能超过%(limit_value)d个字。"},
    )
    district = forms.TypedChoiceField(label="行政区域", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, districts=(), **kwargs):
        """`districts`: (id, name) pairs."""
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", "全部区域")] + [(pk, name) for pk, name in districts]
        self.fields["district"].error_messages["invalid_choice"] = "请选择列表中的行政区域。"

    def criteria(self) -> tuple[str, int | None]:
        """(query, district id) to search with; invalid parts are dropped (their errors are shown)."""
        if self.is_valid():
            return self.cleaned_data["q"], self.cleaned_data["district"]
        query = "" if "q" in self.errors else (self.data.get("q") or "").strip()
        district = None if "district" in self.errors else self.cleaned_data.get("district")
        return query, district
