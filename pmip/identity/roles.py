"""Role and permission changes (后台角色与权限变更): the one service every interface goes through.

Back-office rights come only from StaffRole rows; the operators' console needs `is_staff` on an operator account.
Every grant, change and revocation — and every change of an account's `is_active` / `is_staff` / `is_superuser` —
is made here, in one transaction with its audit entry, whichever interface asks (the /ops/ admin's role inline calls
these functions; it never saves StaffRole rows itself).

Only platform operators who passed the second factor reach /ops/; the service itself checks that the actor is an
operator (`may_enter_ops`) and refuses anyone else, and refuses an operator changing their own flags.

Audit actions: identity.role.granted, identity.role.changed, identity.role.revoked, identity.account.flags_changed
(data: the role's level, scope ids and can_edit; the flags before and after — never names).
"""

from __future__ import annotations

from django.db import transaction

from pmip.audit.services import record
from pmip.core.errors import PermissionDenied, ValidationFailed
from pmip.identity.models import Account, ScopeLevel, StaffRole
from pmip.identity.services import may_enter_ops

ROLE_FIELDS = ("level", "district_id", "subdistrict_id", "project_id", "company_id", "can_edit", "title")
FLAG_FIELDS = ("is_active", "is_staff", "is_superuser")
_SCOPE_FIELD: dict[str, str] = {  # by StaffRole.level (a ScopeLevel value)
    ScopeLevel.DISTRICT: "district_id",
    ScopeLevel.SUBDISTRICT: "subdistrict_id",
    ScopeLevel.COMMITTEE: "project_id",
    ScopeLevel.COMPANY: "company_id",
}


def _require_operator(actor) -> None:
    if not may_enter_ops(actor):
        raise PermissionDenied("只有平台运维人员可以变更后台角色和账户权限。")


def _role_data(role: StaffRole) -> dict:
    return {
        "account": role.account_id,
        "level": role.level,
        "scope": getattr(role, _SCOPE_FIELD[role.level]) if role.level in _SCOPE_FIELD else None,
        "can_edit": role.can_edit,
    }


def _check_role(role: StaffRole) -> None:
    if role.level not in ScopeLevel.values:
        raise ValidationFailed("请选择角色层级。", field="level")
    wanted = _SCOPE_FIELD.get(role.level)
    for name in _SCOPE_FIELD.values():
        value = getattr(role, name)
        if name == wanted and value is None:
            raise ValidationFailed("请选择该角色管辖的范围。", field=name.removesuffix("_id"))
        if name != wanted and value is not None:
            raise ValidationFailed("角色只能有一个与层级相符的管辖范围。", field=name.removesuffix("_id"))


def grant_role(
    *,
    actor,
    account: Account,
    level: str,
    district_id: int | None = None,
    subdistrict_id: int | None = None,
    project_id: int | None = None,
    company_id: int | None = None,
    can_edit: bool = False,
    title: str = "",
) -> StaffRole:
    _require_operator(actor)
    role = StaffRole(
        account=account,
        level=level,
        district_id=district_id,
        subdistrict_id=subdistrict_id,
        project_id=project_id,
        company_id=company_id,
        can_edit=bool(can_edit),
        title=(title or "")[:60],
    )
    _check_role(role)
    with transaction.atomic():
        role.save()
        record(actor=actor, action="identity.role.granted", obj=account, data=_role_data(role))
    return role


def change_role(*, actor, role_id: int, **changes) -> StaffRole:
    _require_operator(actor)
    unknown = set(changes) - set(ROLE_FIELDS)
    if unknown:
        raise ValueError(f"not role fields: {sorted(unknown)}")
    with transaction.atomic():
        role = StaffRole.objects.select_for_update().get(pk=role_id)
        before = _role_data(role)
        for name, value in changes.items():
            setattr(role, name, value)
        _check_role(role)
        role.save()
        after = _role_data(role)
        if after != before or "title" in changes:
            record(
                actor=actor,
                action="identity.role.changed",
                obj=role.account,
                data={"before": before, "after": after},
            )
    return role


def revoke_role(*, actor, role_id: int) -> None:
    _require_operator(actor)
    with transaction.atomic():
        role = StaffRole.objects.select_for_update().select_related("account").get(pk=role_id)
        data = _role_data(role)
        account = role.account
        role.delete()
        record(actor=actor, action="identity.role.revoked", obj=account, data=data)


def set_account_flags(*, actor, account_id: int, **flags: bool) -> Account:
    """Change is_active / is_staff / is_superuser of an account (not one's own)."""
    _require_operator(actor)
    unknown = set(flags) - set(FLAG_FIELDS)
    if unknown:
        raise ValueError(f"not account flags: {sorted(unknown)}")
    if account_id == actor.pk:
        raise PermissionDenied("不能变更自己的账户权限，请由另一位平台运维人员办理。")
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        before = {name: getattr(account, name) for name in FLAG_FIELDS}
        for name, value in flags.items():
            setattr(account, name, bool(value))
        after = {name: getattr(account, name) for name in FLAG_FIELDS}
        if after != before:
            account.save(update_fields=list(FLAG_FIELDS))
            record(
                actor=actor,
                action="identity.account.flags_changed",
                obj=account,
                data={"before": before, "after": after},
            )
    return account
