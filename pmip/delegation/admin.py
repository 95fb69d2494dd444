"""Read-only admin for delegations: changes go through pmip.delegation.services (audited)."""

from __future__ import annotations

from django.contrib import admin

from pmip.core.masking import mask_name, mask_phone
from pmip.delegation.models import Delegation


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "project",
        "owner",
        "delegate_masked",
        "mobile_masked",
        "status",
        "granted_at",
        "revoked_at",
    )
    list_filter = ("status",)
    list_select_related = ("project", "owner")
    search_fields = ("project__code", "project__name")
    fields = (
        "project",
        "owner",
        "delegate_masked",
        "mobile_masked",
        "delegate_account",
        "status",
        "granted_at",
        "revoked_at",
        "revoked_by",
    )
    readonly_fields = fields

    @admin.display(description="被委托人")
    def delegate_masked(self, obj: Delegation) -> str:
        return mask_name(obj.delegate_name)

    @admin.display(description="被委托人手机号")
    def mobile_masked(self, obj: Delegation) -> str:
        return mask_phone(obj.delegate_mobile)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
