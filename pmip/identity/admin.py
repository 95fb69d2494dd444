from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from pmip.identity.models import Account, StaffRole


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0
    raw_id_fields = ("district", "subdistrict", "project", "company")


@admin.register(Account)
class AccountAdmin(UserAdmin):
    list_display = ("username", "display_name", "kind", "masked_mobile", "is_active")
    list_filter = ("kind", "is_active", "is_staff")
    search_fields = ("username", "display_name")
    fieldsets = (*UserAdmin.fieldsets, ("PMIP", {"fields": ("kind", "display_name", "mobile")}))
    inlines = [StaffRoleInline]
