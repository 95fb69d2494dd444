"""Read-only admin views of meetings, rolls and counts. Every change goes through pmip.decisions.services; ballot
choices are not shown here."""

from django.contrib import admin

from pmip.decisions.models import Matter, MatterCount, Meeting, PaperBallotEntry, PublicityFile, RollEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MatterInline(admin.TabularInline):
    model = Matter
    fields = ("order", "title", "item", "matter_class", "kind", "seats", "scope")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ("title", "project", "state", "voting_starts_at", "voting_ends_at", "count_mismatch")
    list_filter = ("state", "convener_kind")
    search_fields = ("title", "project__name", "project__code")
    list_select_related = ("project",)
    inlines = [MatterInline]


@admin.register(RollEntry)
class RollEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "meeting",
        "unit_label",
        "area",
        "area_source",
        "owner_kind",
        "eligible",
        "ineligible_reason",
    )
    list_filter = ("owner_kind", "eligible")
    search_fields = ("unit_label",)
    list_select_related = ("meeting",)
    exclude = ("owner_key",)


@admin.register(MatterCount)
class MatterCountAdmin(ReadOnlyAdmin):
    list_display = ("matter", "candidate", "total_area", "total_owners")
    list_select_related = ("matter", "candidate")
    fields = ("matter", "candidate", "total_area", "total_owners")


@admin.register(PublicityFile)
class PublicityFileAdmin(ReadOnlyAdmin):
    list_display = ("title", "meeting", "kind", "size", "uploaded_at")
    list_select_related = ("meeting",)


@admin.register(PaperBallotEntry)
class PaperBallotEntryAdmin(ReadOnlyAdmin):
    list_display = ("meeting", "matter", "unit", "form_number", "state", "first_at", "second_at")
    list_filter = ("state",)
    fields = (
        "meeting",
        "matter",
        "unit",
        "form_number",
        "state",
        "first_by",
        "first_at",
        "second_by",
        "second_at",
    )
