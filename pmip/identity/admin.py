"""Accounts in the operators' console. Roles and the is_active / is_staff / is_superuser flags are changed only
through `pmip.identity.roles` (audited); Django groups and per-user permissions are not used (rights come from
StaffRole rows) and are not editable here."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group

from pmip.core.errors import DomainError
from pmip.identity import roles
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
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("PMIP", {"fields": ("kind", "display_name", "mobile")}),
        ("权限（变更写入审计日志）", {"fields": roles.FLAG_FIELDS}),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")
    inlines = [StaffRoleInline]

    def save_model(self, request, obj, form, change):
        flags = {name: form.cleaned_data[name] for name in roles.FLAG_FIELDS if name in form.changed_data}
        if change and flags:
            original = Account.objects.get(pk=obj.pk)
            for name in flags:  # saved by the service, with its audit entry
                setattr(obj, name, getattr(original, name))
        super().save_model(request, obj, form, change)
        if flags:
            try:
                updated = roles.set_account_flags(actor=request.user, account_id=obj.pk, **flags)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                for name in flags:
                    setattr(obj, name, getattr(updated, name))

    def save_formset(self, request, form, formset, change):
        if formset.model is not StaffRole:
            return super().save_formset(request, form, formset, change)
        # The admin's change view runs in one transaction: a refusal below undoes the whole save.
        formset.save(commit=False)
        for role in formset.deleted_objects:
            roles.revoke_role(actor=request.user, role_id=role.pk)
        for role in formset.new_objects:
            values = {name: getattr(role, name) for name in roles.ROLE_FIELDS}
            roles.grant_role(actor=request.user, account=form.instance, **values)
        for role, _changed in formset.changed_objects:
            values = {name: getattr(role, name) for name in roles.ROLE_FIELDS}
            roles.change_role(actor=request.user, role_id=role.pk, **values)


admin.site.unregister(Group)
