"""Offline verification writes: the owner applies; the verifying staff in scope add evidence, approve or reject;
opening a file is audited. Each in one transaction with its audit entry (and the owner's notification)."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.identity.models import (
    Account,
    AccountKind,
    BindingStatus,
    HouseBinding,
    OfflineEvidence,
    OfflineVerification,
    OfflineVerificationStatus,
    OwnerIdentity,
    VerificationMethod,
)
from pmip.identity.offline.common import OWNER_OFFLINE_LINK, REASON_MAX, verifier_project_q
from pmip.identity.offline.files import (
    check_evidence_file,
    delete_evidence_file,
    read_evidence,
    store_evidence_file,
)
from pmip.identity.offline.selectors import missing_evidence_kinds
from pmip.notifications.services import notify
from pmip.registry.models import Project

# --- services: owner ----------------------------------------------------------------------------------------


def apply_offline_verification(*, actor: Account, project: Project) -> OfflineVerification:
    """申请线下认证 for one project where the owner has an active binding.

    Raises PermissionDenied (not an owner account), ValidationFailed (no identity yet, already verified, no active
    binding in the project, an application already pending). Audit: identity.offline.applied.
    """
    if not getattr(actor, "is_authenticated", False) or actor.kind != AccountKind.OWNER:
        raise PermissionDenied("请使用业主账号登录后申请线下认证。")
    with transaction.atomic():
        identity = OwnerIdentity.objects.select_for_update().filter(account=actor).first()
        if identity is None:
            raise ValidationFailed("请先完成业主身份绑定，再申请线下认证。")
        if identity.verification != VerificationMethod.NONE:
            raise ValidationFailed(
                f"您已完成身份认证（{identity.get_verification_display()}），无需申请线下认证。"
            )
        if not HouseBinding.objects.filter(
            account=actor, project=project, status=BindingStatus.ACTIVE
        ).exists():
            raise ValidationFailed(
                "您在该小区没有已绑定的房屋，请选择已绑定房屋所在的小区。", field="project"
            )
        pending = (
            OfflineVerification.objects.filter(account=actor, status=OfflineVerificationStatus.PENDING)
            .select_related("project")
            .first()
        )
        if pending is not None:
            raise ValidationFailed(
                f"您已有待审核的线下认证申请（{pending.project.name}），请携带材料联系该小区业委会（筹备组）或街道办办理。"
            )
        application = OfflineVerification.objects.create(
            account=actor, identity=identity, project=project, submitted_at=clock.now()
        )
        record(actor=actor, action="identity.offline.applied", obj=application, project_id=project.pk)
    return application


# --- services: verifying staff ------------------------------------------------------------------------------


def _locked_pending(actor, application_id: int) -> OfflineVerification:
    q = verifier_project_q(actor, prefix="project__")
    if q is None:
        raise NotFound("未找到该线下认证申请，或不在您的管辖范围内。")
    application = (
        OfflineVerification.objects.select_for_update(of=("self",))
        .select_related("project", "identity")
        .filter(q, pk=application_id)
        .first()
    )
    if application is None:
        raise NotFound("未找到该线下认证申请，或不在您的管辖范围内。")
    if application.status != OfflineVerificationStatus.PENDING:
        raise ValidationFailed(f"该申请已处理（{application.get_status_display()}），不能再修改。")
    return application


def add_evidence(
    *, actor: Account, application_id: int, files: Mapping[str, UploadedFile | None]
) -> list[OfflineEvidence]:
    """Upload evidence files {kind: file} for a pending application in the actor's scope. All files are checked
    before any is stored; either all are kept or none.

    Raises NotFound (not in scope), ValidationFailed (decided already, no file, bad type or size).
    Audit: identity.offline.evidence_added (kinds, sizes and hashes; no file names).
    """
    given = {kind: upload for kind, upload in files.items() if upload is not None}
    if not given:
        raise ValidationFailed("请选择要上传的材料文件。")
    written: list[str] = []
    try:
        with transaction.atomic():
            application = _locked_pending(actor, application_id)
            checked = [check_evidence_file(kind=kind, upload=upload) for kind, upload in given.items()]
            now = clock.now()
            rows = []
            for item in checked:
                stored = store_evidence_file(item.data, extension=item.extension, at=now)
                written.append(stored)
                rows.append(
                    OfflineEvidence.objects.create(
                        application=application,
                        kind=item.kind,
                        stored_name=stored,
                        original_name=item.original_name,
                        content_type=item.content_type,
                        size=len(item.data),
                        sha256=item.sha256,
                        uploaded_by=actor,
                        uploaded_at=now,
                    )
                )
            record(
                actor=actor,
                action="identity.offline.evidence_added",
                obj=application,
                data={
                    "files": [
                        {
                            "id": r.pk,
                            "kind": r.kind,
                            "size": r.size,
                            "sha256": r.sha256,
                            "type": r.content_type,
                        }
                        for r in rows
                    ]
                },
            )
    except BaseException:
        for name in written:
            delete_evidence_file(name)
        raise
    return rows


def approve_offline_verification(*, actor: Account, application_id: int) -> OfflineVerification:
    """通过: the officer has checked the papers in person. Needs all three kinds of evidence.

    The owner's identity becomes `offline` (verified_at now) unless it is already verified (then it stays as is).
    Raises NotFound (not in scope), ValidationFailed (decided already, evidence missing).
    Audit: identity.offline.approved; notifies the owner (identity.offline.approved).
    """
    with transaction.atomic():
        application = _locked_pending(actor, application_id)
        missing = missing_evidence_kinds(application=application)
        if missing:
            labels = "、".join(OfflineEvidence.Kind(k).label for k in missing)
            raise ValidationFailed(f"请先上传全部线下认证材料，还缺少：{labels}。")
        now = clock.now()
        identity = OwnerIdentity.objects.select_for_update().get(pk=application.identity_id)
        changed = identity.verification == VerificationMethod.NONE
        if changed:
            identity.verification = VerificationMethod.OFFLINE
            identity.verified_at = now
            identity.updated_at = now
            identity.save(update_fields=["verification", "verified_at", "updated_at"])
        application.status = OfflineVerificationStatus.APPROVED
        application.decided_by = actor
        application.decided_at = now
        application.reason = ""
        application.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        record(
            actor=actor,
            action="identity.offline.approved",
            obj=application,
            data={"identity_id": identity.pk, "verification": identity.verification, "changed": changed},
        )
        notify(
            recipient=application.account,
            kind="identity.offline.approved",
            title="线下认证已通过",
            body=f"您在{application.project.name}申请的线下认证已通过，身份状态为“已人脸认证（线下）”，可参与电子投票。",
            link=OWNER_OFFLINE_LINK,
            data={"project": application.project.name},
        )
    return application


def reject_offline_verification(*, actor: Account, application_id: int, reason: str) -> OfflineVerification:
    """不通过, with a reason the owner will read (1–200 characters).

    Raises NotFound (not in scope), ValidationFailed (decided already, no reason).
    Audit: identity.offline.rejected; notifies the owner (identity.offline.rejected).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写不通过的原因。", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"原因不能超过{REASON_MAX}个字。", field="reason")
    with transaction.atomic():
        application = _locked_pending(actor, application_id)
        application.status = OfflineVerificationStatus.REJECTED
        application.decided_by = actor
        application.decided_at = clock.now()
        application.reason = reason
        application.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        record(actor=actor, action="identity.offline.rejected", obj=application, data={"reason": reason})
        notify(
            recipient=application.account,
            kind="identity.offline.rejected",
            title="线下认证未通过",
            body=f"您在{application.project.name}申请的线下认证未通过。原因：{reason}",
            link=OWNER_OFFLINE_LINK,
            data={"project": application.project.name},
        )
    return application


def open_evidence(*, actor, evidence_id: int) -> tuple[OfflineEvidence, bytes]:
    """One evidence file (its decrypted contents) for its owner or for verifying staff in scope; NotFound for everyone
    else. Gone (410) when the file was deleted under the retention rule or cannot be decrypted (`read_evidence`).

    Audit: identity.offline.evidence_viewed (who looked at which file), only when the file was shown.
    """
    if not getattr(actor, "is_authenticated", False):
        raise NotFound("未找到该文件。")
    allowed = Q(application__account=actor)
    staff_q = verifier_project_q(actor, prefix="application__project__")
    if staff_q is not None:
        allowed |= staff_q
    evidence = OfflineEvidence.objects.select_related("application").filter(allowed, pk=evidence_id).first()
    if evidence is None:
        raise NotFound("未找到该文件。")
    data = read_evidence(evidence)
    with transaction.atomic():
        record(
            actor=actor,
            action="identity.offline.evidence_viewed",
            obj=evidence,
            project_id=evidence.application.project_id,
            data={"application_id": evidence.application_id, "kind": evidence.kind},
        )
    return evidence, data
