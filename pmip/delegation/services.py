"""Writes of 委托管理 (delegation), owner manual ch. 3.

- `grant_delegation`: an owner with an active binding in a project names one person (name + mobile) who may view the
  project's public information, vote and evaluate for all the owner's units there. One delegation in force per
  (owner, project); a delegate (by mobile) may hold at most `PMIP_DELEGATION_MAX_PRINCIPALS` (default 3) principals
  per project, so collecting proxies shows up as a refusal. Grants for one project are serialised by locking the
  project row, so the cap holds under concurrency.
- `revoke_delegation`: only the owner, at any time.
- `send_delegate_code` / `verify_delegate` (被委托人认证): the delegate, logged in with their own account, proves name +
  mobile with an SMS code (purpose "delegate"); every delegation in force naming that (name, mobile) is then linked to
  the account.
- `record_as_delegate`: the audit entry of anything a delegate does for a principal (actor = delegate, on_behalf_of =
  owner, actor_label "被委托人 X 代业主 Y").

Audit actions: delegation.granted, delegation.revoked, delegation.delegate_verified. Notifications:
delegation.granted / delegation.revoked to the owner, and to the delegate's account when it is known.
"""

from __future__ import annotations

import unicodedata

from django.db import IntegrityError, transaction

from pmip.audit.models import AuditEntry
from pmip.audit.services import record
from pmip.core import clock
from pmip.core.actors import require_signed_in
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.core.masking import mask_name, mask_phone
from pmip.core.phones import normalise_mobile
from pmip.delegation import selectors
from pmip.delegation.models import Delegation, DelegationStatus
from pmip.identity import otp
from pmip.identity.models import Account, AccountKind, BindingStatus, HouseBinding, SmsPurpose
from pmip.notifications.services import notify
from pmip.registry.models import Project

NAME_MAX = 60
OWNER_LINK = "/delegation/"
DELEGATE_LINK = "/delegation/delegate/"


class DelegationCapReached(ValidationFailed):
    code = "delegation_cap_reached"


class DelegationExists(ValidationFailed):
    code = "delegation_exists"


class NoDelegationFound(ValidationFailed):
    code = "delegation_not_found_for_delegate"


def _require_owner(actor) -> None:
    require_signed_in(actor)
    if actor.kind != AccountKind.OWNER:
        raise PermissionDenied("请使用业主账号办理委托业务。")


def clean_name(value: str) -> str:
    name = " ".join(unicodedata.normalize("NFKC", value or "").split())
    if not name:
        raise ValidationFailed("请填写被委托人姓名。", field="delegate_name")
    if len(name) > NAME_MAX:
        raise ValidationFailed(f"姓名不能超过{NAME_MAX}个字。", field="delegate_name")
    return name


def clean_mobile(value: str, *, field: str = "delegate_mobile") -> str:
    try:
        return normalise_mobile(value)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field=field) from exc


def _party(label: str, name: str) -> str:
    return f"{label}{mask_name(name)}"


def grant_delegation(
    *, actor: Account, project: Project, delegate_name: str, delegate_mobile: str
) -> Delegation:
    """发起委托. Raises PermissionDenied (not an owner), ValidationFailed (bad name or mobile, no active binding in
    the project, delegating to oneself), DelegationExists (one already in force), DelegationCapReached (the named
    delegate already acts for the maximum number of owners of this project). Audit: delegation.granted."""
    _require_owner(actor)
    name = clean_name(delegate_name)
    mobile = clean_mobile(delegate_mobile)
    if actor.mobile and mobile == actor.mobile:
        raise ValidationFailed("不能委托给自己，请填写他人的姓名和手机号。", field="delegate_mobile")
    try:
        with transaction.atomic():
            Project.objects.select_for_update().filter(pk=project.pk).first()  # serialises grants per project
            if not HouseBinding.objects.filter(
                account=actor, project=project, status=BindingStatus.ACTIVE
            ).exists():
                raise ValidationFailed("您在该小区没有已绑定的房屋，不能发起委托。", field="project")
            if Delegation.objects.filter(
                owner=actor, project=project, status=DelegationStatus.ACTIVE
            ).exists():
                raise DelegationExists("您在该小区已有生效中的委托，请先解除。", field="project")
            cap = selectors.max_principals()
            if selectors.principals_of_delegate(delegate_mobile=mobile, project=project) >= cap:
                raise DelegationCapReached(
                    f"该被委托人在本小区已接受{cap}位业主的委托，已达上限，不能再接受新的委托。",
                    field="delegate_mobile",
                )
            now = clock.now()
            delegation = Delegation.objects.create(
                owner=actor, project=project, delegate_name=name, delegate_mobile=mobile, granted_at=now
            )
            record(
                actor=actor,
                action="delegation.granted",
                obj=delegation,
                data={"delegate_name": mask_name(name), "delegate_mobile": mask_phone(mobile)},
            )
            notify(
                recipient=actor,
                kind="delegation.granted",
                title="委托已生效",
                body=(
                    f"您已将{project.name}的查看公开信息、参与电子投票和业主评价的权限委托给{mask_name(name)}"
                    f"（{mask_phone(mobile)}）。委托期内您本人不能参与该小区的业主决策，可随时解除委托。"
                ),
                link=OWNER_LINK,
                data={"project": project.name, "party": _party("受托人", name)},
            )
    except IntegrityError as exc:  # the one-in-force constraint, under a race the lock did not cover
        raise DelegationExists("您在该小区已有生效中的委托，请先解除。", field="project") from exc
    return delegation


def revoke_delegation(*, actor: Account, delegation_id: int) -> Delegation:
    """解除委托, by the owner only (anyone else gets NotFound). Raises ValidationFailed if already revoked.
    Audit: delegation.revoked; notifies the owner and the delegate's account when known."""
    if not getattr(actor, "is_authenticated", False):
        raise NotFound("未找到该委托。")
    with transaction.atomic():
        delegation = (
            Delegation.objects.select_for_update(of=("self",))
            .select_related("project", "delegate_account")
            .filter(owner=actor, pk=delegation_id)
            .first()
        )
        if delegation is None:
            raise NotFound("未找到该委托。")
        if delegation.status != DelegationStatus.ACTIVE:
            raise ValidationFailed("该委托已解除。")
        now = clock.now()
        delegation.status = DelegationStatus.REVOKED
        delegation.revoked_at = now
        delegation.revoked_by = actor
        delegation.save(update_fields=["status", "revoked_at", "revoked_by"])
        record(
            actor=actor,
            action="delegation.revoked",
            obj=delegation,
            data={"delegate_name": mask_name(delegation.delegate_name)},
        )
        project = delegation.project
        notify(
            recipient=actor,
            kind="delegation.revoked",
            title="委托已解除",
            body=f"您对{mask_name(delegation.delegate_name)}在{project.name}的委托已解除，您可以重新参与该小区的业主决策。",
            link=OWNER_LINK,
            data={"project": project.name, "party": _party("受托人", delegation.delegate_name)},
        )
        if delegation.delegate_account_id and delegation.delegate_account_id != actor.pk:
            delegate = delegation.delegate_account
            assert delegate is not None  # its id is set
            owner_name = selectors.owner_display_name(actor)
            notify(
                recipient=delegate,
                kind="delegation.revoked",
                title="委托已解除",
                body=f"业主{mask_name(owner_name)}已解除在{project.name}对您的委托，您不能再代其参与业主决策和评价。",
                link=DELEGATE_LINK,
                data={"project": project.name, "party": _party("委托人", owner_name)},
            )
    return delegation


def send_delegate_code(*, actor: Account, mobile: str, ip: str | None) -> otp.SentCode:
    """被委托人认证, step 1: send an SMS code to the mobile the delegate typed (rate limits in pmip.identity.otp).
    The answer does not depend on whether any delegation names that mobile."""
    _require_owner(actor)
    return otp.send_code(
        mobile=clean_mobile(mobile, field="mobile"), purpose=SmsPurpose.DELEGATE, ip=ip, actor=actor
    )


def verify_delegate(*, actor: Account, name: str, mobile: str, code: str) -> list[Delegation]:
    """被委托人认证, step 2: check the code, then link every delegation in force that names exactly this (name,
    mobile) — except the actor's own — to the actor's account. Returns them.

    Raises the otp errors (wrong, expired, locked code) and NoDelegationFound when no delegation in force names this
    person (the code is used up either way). Audit: delegation.delegate_verified.
    """
    _require_owner(actor)
    name = clean_name(name)
    mobile = clean_mobile(mobile, field="mobile")
    otp.verify_code(mobile=mobile, purpose=SmsPurpose.DELEGATE, code=code)
    with transaction.atomic():
        matching = list(
            Delegation.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(delegate_name=name, delegate_mobile=mobile, status=DelegationStatus.ACTIVE)
            .exclude(owner=actor)
            .order_by("project__name", "granted_at", "id")
        )
        if not matching:
            raise NoDelegationFound(
                "未找到以您的姓名和手机号为被委托人的生效委托，请核对后重试或联系委托人。"
            )
        relinked = [d.pk for d in matching if d.delegate_account_id not in (None, actor.pk)]
        for delegation in matching:
            delegation.delegate_account = actor
        Delegation.objects.filter(pk__in=[d.pk for d in matching]).update(delegate_account=actor)
        record(
            actor=actor,
            action="delegation.delegate_verified",
            data={
                "delegations": [d.pk for d in matching],
                "relinked": relinked,
                "delegate_name": mask_name(name),
                "delegate_mobile": mask_phone(mobile),
            },
        )
    return matching


def record_as_delegate(
    *,
    delegate: Account,
    principal: Account,
    project: Project,
    action: str,
    obj=None,
    data: dict | None = None,
    insert: bool = True,
) -> AuditEntry:
    """Record what a delegate did for a principal, inside the caller's transaction (`insert`: as `audit.record`).

    Raises PermissionDenied when no delegation in force lets `delegate` act for `principal` in `project` (so the
    caller's whole action rolls back).
    """
    if not transaction.get_connection().in_atomic_block:
        raise ValueError("record_as_delegate() must be called inside the business transaction")
    for delegation in selectors.acting_for(account=delegate, project=project):
        if delegation.owner_id == principal.pk:
            return record(
                actor=delegate,
                on_behalf_of=principal,
                actor_label=selectors.actor_label(delegation),
                action=action,
                obj=obj,
                project_id=project.pk,
                data={**(data or {}), "delegation_id": delegation.pk},
                insert=insert,
            )
    raise PermissionDenied("您不是该业主在本小区的被委托人，或委托已解除。")
