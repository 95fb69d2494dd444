"""What a back-office account may see: every read for a user is filtered through these."""

from __future__ import annotations

from django.db.models import Q

from pmip.identity.models import ScopeLevel, StaffRole


def roles_of(account) -> list[StaffRole]:
    if not getattr(account, "is_authenticated", False):
        return []
    cached = getattr(account, "_pmip_roles", None)
    if cached is None:
        cached = list(StaffRole.objects.filter(account=account))
        account._pmip_roles = cached
    return cached


def _project_q(role: StaffRole, prefix: str) -> Q:
    p = prefix
    if role.level == ScopeLevel.CITY:
        return Q()
    if role.level == ScopeLevel.DISTRICT:
        return Q(**{f"{p}district_id": role.district_id})
    if role.level == ScopeLevel.SUBDISTRICT:
        return Q(**{f"{p}subdistrict_id": role.subdistrict_id})
    if role.level == ScopeLevel.COMMITTEE:
        return Q(**{f"{p}id": role.project_id})
    return Q(**{f"{p}company_id": role.company_id})


def project_q(account, *, prefix: str = "", editable: bool = False) -> Q | None:
    """A Q over Project (or over a model whose project is reached by `prefix`, e.g. 'project__').

    Returns None when the account sees nothing. `editable=True` keeps only roles that may edit.
    """
    roles = [r for r in roles_of(account) if r.can_edit or not editable]
    if not roles:
        return None
    q = Q(pk__in=[])
    for role in roles:
        part = _project_q(role, prefix)
        if not part:  # city: everything
            return Q()
        q |= part
    return q


def is_city(account) -> bool:
    return any(r.level == ScopeLevel.CITY for r in roles_of(account))
