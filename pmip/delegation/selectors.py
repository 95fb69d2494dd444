"""Reads of 委托管理 (delegation). The voting and evaluation features use `owner_may_vote` and `acting_for`.

A delegation is *in force* while its status is active. It acts only while the owner still has an active binding in
the project (a sold unit ends the owner's rights, and with them the delegate's).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from pmip.core.conf import pmip_settings
from pmip.core.masking import mask_name
from pmip.delegation.models import Delegation, DelegationStatus
from pmip.identity.models import BindingStatus, HouseBinding, OwnerIdentity
from pmip.registry.models import Project


def max_principals() -> int:
    """How many owners of one project may name the same delegate (PMIP_DELEGATION_MAX_PRINCIPALS, default 3)."""
    return int(pmip_settings().delegation_max_principals)


def _authenticated(account) -> bool:
    return bool(getattr(account, "is_authenticated", False))


def _owner_bound(project_field: str = "project") -> Exists:
    return Exists(
        HouseBinding.objects.filter(
            account=OuterRef("owner"), project=OuterRef(project_field), status=BindingStatus.ACTIVE
        )
    )


def delegations_given(*, account) -> QuerySet[Delegation]:
    """The owner's delegations, those in force first, then the newest."""
    if not _authenticated(account):
        return Delegation.objects.none()
    return (
        Delegation.objects.filter(owner=account)
        .select_related("project", "delegate_account")
        .order_by("status", "-granted_at", "-id")
    )


def delegations_received(*, account) -> QuerySet[Delegation]:
    """Delegations in force that name the account as the verified delegate (被委托人认证 done)."""
    if not _authenticated(account):
        return Delegation.objects.none()
    return (
        Delegation.objects.filter(delegate_account=account, status=DelegationStatus.ACTIVE)
        .select_related("project", "owner", "owner__owner_identity")
        .order_by("project__name", "granted_at", "id")
    )


def get_own_delegation(*, account, delegation_id: int) -> Delegation | None:
    """One of the owner's own delegations, or None (someone else's delegation does not exist for them)."""
    if not _authenticated(account):
        return None
    return Delegation.objects.select_related("project").filter(owner=account, pk=delegation_id).first()


def active_delegation(*, owner, project: Project) -> Delegation | None:
    if not _authenticated(owner):
        return None
    return (
        Delegation.objects.select_related("project", "delegate_account")
        .filter(owner=owner, project=project, status=DelegationStatus.ACTIVE)
        .first()
    )


def owner_may_vote(*, account, project: Project) -> bool:
    """False while the owner has a delegation in force for the project (委托期内，原业主无法参与业主决策).

    Only the delegation rule: the voting feature still checks binding, verification and the voter roll itself.
    """
    if not _authenticated(account):
        return False
    return not Delegation.objects.filter(
        owner=account, project=project, status=DelegationStatus.ACTIVE
    ).exists()


def acting_for(*, account, project: Project | int) -> list[Delegation]:
    """The delegations in force through which `account` acts in `project` (one per principal), oldest first.

    Each one lets the account view, vote and evaluate for all of that principal's units in the project. Only
    delegations whose principal still has an active binding there count; the caller checks the principal's own
    eligibility (verified identity, voter roll) as it would for the principal, and records every action with
    `pmip.delegation.services.record_as_delegate`.
    """
    if not _authenticated(account):
        return []
    return list(
        Delegation.objects.filter(delegate_account=account, project=project, status=DelegationStatus.ACTIVE)
        .exclude(owner=account)
        .filter(_owner_bound())
        .select_related("owner", "owner__owner_identity", "project")
        .order_by("granted_at", "id")
    )


def delegated_project_ids(*, account) -> QuerySet:
    """Ids of the projects where the account acts as a verified delegate for at least one principal (a values list,
    usable as a subquery): read from the account's delegations in force, never by testing every project."""
    if not _authenticated(account):
        return Delegation.objects.none().values_list("project_id", flat=True)
    return delegated_project_ids_of(account_id=account.pk)


def delegated_project_ids_of(*, account_id: int) -> QuerySet:
    """`delegated_project_ids` of an account known by its id (for a statement compiled once: rows.compiled_values)."""
    return (
        Delegation.objects.filter(delegate_account_id=account_id, status=DelegationStatus.ACTIVE)
        .exclude(owner_id=account_id)
        .filter(_owner_bound())
        .order_by()
        .values_list("project_id", flat=True)
    )


def delegated_projects(*, account) -> QuerySet[Project]:
    """Projects where the account acts as a verified delegate for at least one principal."""
    if not _authenticated(account):
        return Project.objects.none()
    return Project.objects.filter(pk__in=delegated_project_ids(account=account)).order_by("name", "code")


def principals_of_delegate(*, delegate_mobile: str, project: Project) -> int:
    """How many owners of the project have a delegation in force naming this mobile."""
    return Delegation.objects.filter(
        delegate_mobile=delegate_mobile, project=project, status=DelegationStatus.ACTIVE
    ).count()


def grantable_projects(*, account) -> QuerySet[Project]:
    """Projects where the owner has an active binding (a delegation covers all their units there)."""
    if not _authenticated(account):
        return Project.objects.none()
    bound = HouseBinding.objects.filter(account=account, project=OuterRef("pk"), status=BindingStatus.ACTIVE)
    return Project.objects.filter(Exists(bound)).order_by("name", "code")


def owner_display_name(owner) -> str:
    """The name behind an owner account: the checked holder name when bound, else the account's display name."""
    try:
        identity = owner.owner_identity
    except OwnerIdentity.DoesNotExist:
        identity = None
    return identity.holder_name if identity is not None else (owner.display_name or owner.username)


def actor_label(delegation: Delegation) -> str:
    """How a delegate's action is shown in the audit log: "被委托人 王* 代业主 张*" (names masked)."""
    return f"被委托人 {mask_name(delegation.delegate_name)} 代业主 {mask_name(owner_display_name(delegation.owner))}"


def project_owners_and_delegates(project_id: int) -> QuerySet:
    """Every account bound to a house of the project, and every delegate in force of one of its owners (whose
    owner is still bound): the audience of project-wide notices (meeting notices, tender stages)."""
    from pmip.identity.models import Account

    owners = HouseBinding.objects.filter(project_id=project_id, status=BindingStatus.ACTIVE)
    delegates = Delegation.objects.filter(
        _owner_bound(), project_id=project_id, status=DelegationStatus.ACTIVE, delegate_account__isnull=False
    )
    return Account.objects.filter(
        Q(pk__in=owners.values("account_id")) | Q(pk__in=delegates.values("delegate_account_id"))
    )
