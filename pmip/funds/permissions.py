"""Who may do what with the funds of a project.

- Read (staff): any back-office role whose scope covers the project (`pmip.identity.scopes.project_q`).
- Read (owners): an owner with an active house binding in the project reads its project and building figures;
  a unit's sub-ledger only for a unit they have an active binding for. Anything else is "not found".
- Read (delegates, 被委托人): an owner account that acts for a principal in a project
  (`pmip.delegation.selectors.acting_for`: a delegation in force whose principal still has an active binding there)
  reads that project's project and building figures like the principal, and the sub-ledgers of exactly the
  principal's bound units in that project — no other unit, no other project, nothing once the delegation is revoked
  or the principal's bindings there have ended.
- Ledger (记账: first deposits, monthly contributions, interest, repair charges, refunds, transfers, reversals,
  fund-centre imports): an editable government role (city, district or subdistrict) covering the project — the
  maintenance fund is kept by the housing authority's fund centre, not by the committee or the property company.
- Manage (维修申报 and preview, 共有资金账户 and bank statements, 公示, 季度收支报表): an editable government role
  covering the project, or the project's committee role with `can_edit`.
- `actor=None` is the system (management commands, background tasks, bank pushes): allowed everywhere.
"""

from __future__ import annotations

from pmip.core.errors import NotFound, PermissionDenied
from pmip.delegation.selectors import acting_for
from pmip.identity.models import AccountKind, BindingStatus, HouseBinding, ScopeLevel
from pmip.identity.scopes import roles_of
from pmip.registry.models import Project

GOVERNMENT_LEVELS = (ScopeLevel.CITY, ScopeLevel.DISTRICT, ScopeLevel.SUBDISTRICT)


def _role_covers(role, project: Project) -> bool:
    if role.level == ScopeLevel.CITY:
        return True
    if role.level == ScopeLevel.DISTRICT:
        return role.district_id == project.district_id
    if role.level == ScopeLevel.SUBDISTRICT:
        return role.subdistrict_id == project.subdistrict_id
    if role.level == ScopeLevel.COMMITTEE:
        return role.project_id == project.pk
    return role.company_id is not None and role.company_id == project.company_id


def is_system(actor) -> bool:
    return actor is None


def staff_sees(actor, project: Project) -> bool:
    return any(_role_covers(role, project) for role in roles_of(actor))


def can_post_ledger(actor, project: Project) -> bool:
    if is_system(actor):
        return True
    return any(
        role.can_edit and role.level in GOVERNMENT_LEVELS and _role_covers(role, project)
        for role in roles_of(actor)
    )


def can_manage(actor, project: Project) -> bool:
    if is_system(actor):
        return True
    return any(
        role.can_edit
        and role.level in (*GOVERNMENT_LEVELS, ScopeLevel.COMMITTEE)
        and _role_covers(role, project)
        for role in roles_of(actor)
    )


def require_ledger(actor, project: Project) -> None:
    """Raises PermissionDenied unless the actor may post to the project's maintenance-fund ledger."""
    if not can_post_ledger(actor, project):
        raise PermissionDenied("只有负责该小区的住房建设部门（可编辑角色）可以办理维修资金记账。")


def require_manage(actor, project: Project) -> None:
    if not can_manage(actor, project):
        raise PermissionDenied("只有该小区的业委会或负责该小区的住房建设部门可以办理此项业务。")


def is_owner(actor) -> bool:
    return getattr(actor, "is_authenticated", False) and getattr(actor, "kind", None) == AccountKind.OWNER


def bound_unit_ids(actor, project_id: int | None = None) -> set[int]:
    """Units the owner has an active binding for (optionally within one project)."""
    if not is_owner(actor):
        return set()
    qs = HouseBinding.objects.filter(account=actor, status=BindingStatus.ACTIVE)
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    return set(qs.values_list("unit_id", flat=True))


def delegations_for(actor, project: Project) -> list:
    """The delegations in force through which the owner account reads `project` as a delegate (oldest first)."""
    if not is_owner(actor):
        return []
    return acting_for(account=actor, project=project)


def delegated_unit_ids(actor, project: Project) -> set[int]:
    """Units of the principals the actor acts for in `project` (their active bindings there)."""
    owners = [d.owner_id for d in delegations_for(actor, project)]
    if not owners:
        return set()
    return set(
        HouseBinding.objects.filter(
            account_id__in=owners, project=project, status=BindingStatus.ACTIVE
        ).values_list("unit_id", flat=True)
    )


def readable_unit_ids(actor, project: Project) -> set[int]:
    """Units of `project` whose sub-ledger the owner account may read: its own bound units and its principals'."""
    return bound_unit_ids(actor, project.pk) | delegated_unit_ids(actor, project)


def owner_reads_project(actor, project: Project) -> bool:
    """An owner bound in the project, or a delegate acting for a principal there (the owner money pages)."""
    return bool(bound_unit_ids(actor, project.pk)) or bool(delegations_for(actor, project))


def may_read_project(actor, project: Project) -> bool:
    if staff_sees(actor, project):
        return True
    return owner_reads_project(actor, project)


def require_read_project(actor, project: Project) -> None:
    if not may_read_project(actor, project):
        raise NotFound("未找到该小区的维修资金信息，或您没有查看权限。")
