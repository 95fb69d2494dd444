"""Django admin (/ops/) for platform operators. ID numbers are never shown or edited in clear here."""

from django import forms
from django.contrib import admin

from pmip.core.idnumbers import validate
from pmip.registry import models as m


@admin.register(m.District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(m.Subdistrict)
class SubdistrictAdmin(admin.ModelAdmin):
    list_display = ("name", "district")
    list_filter = ("district",)
    search_fields = ("name",)


@admin.register(m.Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name", "subdistrict")
    search_fields = ("name",)
    list_select_related = ("subdistrict",)


@admin.register(m.PropertyCompany)
class PropertyCompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "phone")
    search_fields = ("name", "credit_code")


@admin.register(m.Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "district", "subdistrict", "company")
    list_filter = ("district",)
    search_fields = ("code", "name", "address", "name_initials")
    list_select_related = ("district", "subdistrict", "company")
    autocomplete_fields = ("company",)
    raw_id_fields = ("community", "subdistrict")
    readonly_fields = ("name_initials",)


@admin.register(m.Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("project", "number", "floors", "has_lift")
    search_fields = ("project__code", "project__name")
    list_select_related = ("project",)
    raw_id_fields = ("project",)


@admin.register(m.Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = (
        "project",
        "building",
        "number",
        "use",
        "area",
        "area_source",
        "delivered",
        "developer_held",
    )
    list_filter = ("use", "area_source", "developer_held")
    search_fields = ("project__code", "number")
    list_select_related = ("project", "building")
    raw_id_fields = ("project", "building")


class TitleRecordForm(forms.ModelForm):
    id_number = forms.CharField(
        label="证件号码", required=False, help_text="留空则不修改；保存后加密存储，仅显示掩码"
    )

    class Meta:
        model = m.TitleRecord
        fields = ("unit", "holder_name", "id_type", "share", "registered_on", "ended_on", "certificate_no")

    def clean(self):
        data = super().clean()
        assert data is not None  # ModelForm.clean returns cleaned_data (the stubs allow None)
        number = data.get("id_number")
        if number:
            try:
                data["id_number"] = validate(data.get("id_type", ""), number)
            except ValueError as exc:
                self.add_error("id_number", str(exc))
        elif not self.instance.pk:
            self.add_error("id_number", "请输入证件号码。")
        return data

    def save(self, commit=True):
        record = super().save(commit=False)
        if self.cleaned_data.get("id_number"):
            record.set_id_number(self.cleaned_data["id_type"], self.cleaned_data["id_number"])
        if commit:
            record.save()
        return record


@admin.register(m.TitleRecord)
class TitleRecordAdmin(admin.ModelAdmin):
    form = TitleRecordForm
    list_display = (
        "unit",
        "holder_masked",
        "id_type",
        "id_number_masked",
        "share",
        "registered_on",
        "ended_on",
    )
    list_filter = ("id_type",)
    search_fields = ("unit__project__code",)
    list_select_related = ("unit__building", "unit__project")
    raw_id_fields = ("unit",)
    readonly_fields = ("id_number_masked",)


class CommitteeMemberInline(admin.TabularInline):
    model = m.CommitteeMember
    extra = 0
    raw_id_fields = ("unit",)


@admin.register(m.Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ("project", "kind", "term_start", "term_end")
    inlines = [CommitteeMemberInline]
    raw_id_fields = ("project",)


for model in (
    m.OwnersAssembly,
    m.PartyBranch,
    m.Practitioner,
    m.Facility,
    m.SafetyInspection,
    m.DataSharingBank,
):
    admin.site.register(model, admin.ModelAdmin)
