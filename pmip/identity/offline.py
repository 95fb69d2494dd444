"""线下认证 (offline verification) and the house-information queue (房屋信息补录): services and selectors.

Offline verification (owner manual ch. 1 (二)(三)): an owner who cannot use online face verification (a non-mainland
document, or a face check that keeps failing) applies for one project where they have an active binding. The
project's committee (业委会/筹备组, StaffRole level `committee`) or its subdistrict office (level `subdistrict`)
enters the owner's ID number, opens the application, checks the title records against the papers, uploads the
evidence (产权证明, 身份证件证明, 本人手持证件照片) and approves or rejects it. Approval marks the person's identity
`offline` (shown to the owner as 已人脸认证（线下）).

Rules:
- Only committee and subdistrict roles verify, and only applications of projects in their scope. Any other
  application "does not exist" for them (NotFound): by id, by ID-number search, by decision and by evidence file.
- The ID number is entered in a form and looked up by its blind index only; it is never stored in clear, logged, put
  in a URL or in audit data.
- Evidence: JPEG, PNG or PDF, sniffed from the content (the browser's type and the file name are not trusted), at most
  `PMIP_OFFLINE_EVIDENCE_MAX_BYTES` (default 5 MB) each, with its SHA-256. Stored through the Storage API
  (`STORAGES["offline_evidence"]`: files under `PRIVATE_MEDIA_ROOT` by default, object storage by settings) with a
  random name, sealed with AES-256-GCM under the field key ring (`pmip.core.crypto.seal_file`, the stored name as
  associated data); nothing in clear is written. Files are served only by `open_evidence`, which lets in the
  verifying staff in scope and the owner, and refuses (410) a file that was deleted, does not decrypt, or whose
  content does not match its SHA-256. Files written before sealing existed are sealed by
  `manage.py seal_offline_evidence` (which also re-seals files under older keys after a key rotation).
- Retention: `PMIP_OFFLINE_EVIDENCE_RETENTION_DAYS` (default 180) days after the decision, the periodic task
  `pmip.identity.tasks.purge_offline_evidence` deletes the files; the rows stay (kind, size, SHA-256, who uploaded
  when) with `deleted_at`, and the pages say 材料已按规定于…删除. Audited: identity.offline.evidence_deleted.
- Approval needs at least one file of each of the three kinds. Decisions are final (pending → approved/rejected).
- Every write is audited in its transaction (identity.offline.applied / evidence_added / approved / rejected /
  evidence_viewed / evidence_deleted); decisions notify the owner in the same transaction.

House-information queue ("未能找到您的房屋"): subdistrict roles see the submissions of their own subdistricts and mark
them resolved (已补录) or rejected with a reply (identity.house_submission.resolved / rejected).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from pmip.audit.services import record
from pmip.core import clock, crypto
from pmip.core.conf import pmip_settings
from pmip.core.crypto import id_number_hash
from pmip.core.errors import Gone, NotFound, PermissionDenied, ValidationFailed
from pmip.core.idnumbers import ID_TYPES
from pmip.core.idnumbers import validate as validate_id_number
from pmip.identity.models import (
    Account,
    AccountKind,
    BindingStatus,
    HouseBinding,
    HouseInfoSubmission,
    OfflineEvidence,
    OfflineVerification,
    OfflineVerificationStatus,
    OwnerIdentity,
    ScopeLevel,
    VerificationMethod,
)
from pmip.identity.scopes import roles_of
from pmip.notifications.services import notify
from pmip.registry.models import Project, TitleRecord

OWNER_OFFLINE_LINK = "/delegation/offline/"
REASON_MAX = 200
REPLY_MAX = 200
EVIDENCE_KINDS = tuple(OfflineEvidence.Kind.values)
_SNIFF_BYTES = 16


def evidence_max_bytes() -> int:
    return int(pmip_settings().offline_evidence_max_bytes)


def private_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT)


EVIDENCE_STORAGE = "offline_evidence"  # the STORAGES alias (config/settings.py)
log = logging.getLogger(__name__)


def evidence_storage() -> Storage:
    return storages[EVIDENCE_STORAGE]


def evidence_retention_days() -> int:
    """Days after the decision that evidence files are kept (at least one)."""
    return max(1, int(pmip_settings().offline_evidence_retention_days))


# --- who verifies what --------------------------------------------------------------------------------------


VERIFIER_LEVELS = (ScopeLevel.COMMITTEE, ScopeLevel.SUBDISTRICT)


def _staff(actor) -> bool:
    return (
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.kind in (AccountKind.STAFF, AccountKind.OPERATOR)
    )


def verifier_project_q(actor, *, prefix: str = "") -> Q | None:
    """A Q over Project (or a model reaching it by `prefix`) for the projects whose offline verifications the actor
    may handle: their committee's project, or every project of their subdistrict. None when they handle none."""
    if not _staff(actor):
        return None
    q: Q | None = None
    for role in roles_of(actor):
        if role.level == ScopeLevel.COMMITTEE:
            part = Q(**{f"{prefix}id": role.project_id})
        elif role.level == ScopeLevel.SUBDISTRICT:
            part = Q(**{f"{prefix}subdistrict_id": role.subdistrict_id})
        else:
            continue
        q = part if q is None else q | part
    return q


def is_verifier(actor) -> bool:
    return verifier_project_q(actor) is not None


def _subdistrict_ids(actor) -> list[int]:
    if not _staff(actor):
        return []
    return [r.subdistrict_id for r in roles_of(actor) if r.level == ScopeLevel.SUBDISTRICT]


def handles_house_queue(actor) -> bool:
    return bool(_subdistrict_ids(actor))


# --- selectors: staff ---------------------------------------------------------------------------------------


def _applications() -> QuerySet[OfflineVerification]:
    return OfflineVerification.objects.select_related(
        "identity", "project", "project__subdistrict", "project__district", "decided_by"
    )


def applications_for_verifier(*, actor) -> QuerySet[OfflineVerification]:
    """Applications of the projects the actor verifies for; nothing for anyone else."""
    q = verifier_project_q(actor, prefix="project__")
    if q is None:
        return OfflineVerification.objects.none()
    return _applications().filter(q)


def pending_count_for_verifier(*, actor) -> int:
    return applications_for_verifier(actor=actor).filter(status=OfflineVerificationStatus.PENDING).count()


def id_number_hashes(number: str) -> list[tuple[str, str]]:
    """(id_type, blind index) for every document type the entered number is valid for.

    Raises ValidationFailed when it is valid for none. The number itself is not kept.
    """
    pairs = []
    for id_type in ID_TYPES:
        try:
            normalised = validate_id_number(id_type, number)
        except ValueError:
            continue
        pairs.append((id_type, id_number_hash(id_type, normalised)))
    if not pairs:
        raise ValidationFailed("证件号码格式不正确，请核对后重新输入。", field="id_number")
    return pairs


def find_applications(*, actor, id_number: str) -> list[OfflineVerification]:
    """线下认证 → 输入证件号码: the applications (newest first) of the person with that document number, limited to
    the projects the actor verifies for. Out-of-scope applications are simply not there.

    Raises PermissionDenied for accounts that verify for no project, ValidationFailed for a malformed number.
    """
    q = verifier_project_q(actor, prefix="project__")
    if q is None:
        raise PermissionDenied("只有业委会（筹备组）和街道办的工作人员可以办理线下认证。")
    match = Q(pk__in=[])
    for id_type, digest in id_number_hashes(id_number):
        match |= Q(identity__id_type=id_type, identity__id_number_hash=digest)
    return list(_applications().filter(q).filter(match).order_by("-submitted_at", "-id")[:50])


def get_application_for_verifier(*, actor, application_id: int) -> OfflineVerification:
    try:
        return applications_for_verifier(actor=actor).get(pk=application_id)
    except OfflineVerification.DoesNotExist as exc:
        raise NotFound("未找到该线下认证申请，或不在您的管辖范围内。") from exc


@dataclass(frozen=True)
class TitleToCheck:
    """One title record the officer compares with the owner's papers (masked as shown on screen)."""

    unit_label: str
    holder_masked: str
    id_type_label: str
    id_masked: str
    share: object
    certificate_no: str
    matches_identity: bool


def titles_to_check(*, application: OfflineVerification) -> list[TitleToCheck]:
    """The title records behind the owner's active bindings in the application's project, plus any other current
    title in that project registered to the same document (e.g. a unit not bound yet)."""
    identity = application.identity
    bound_titles = HouseBinding.objects.filter(
        account_id=application.account_id, project_id=application.project_id, status=BindingStatus.ACTIVE
    ).values("title_record_id")
    titles = (
        TitleRecord.objects.select_related("unit", "unit__building")
        .filter(unit__project_id=application.project_id)
        .filter(
            Q(pk__in=bound_titles)
            | Q(ended_on__isnull=True, id_type=identity.id_type, id_number_hash=identity.id_number_hash)
        )
        .order_by("unit__building__number", "unit__number", "id")
    )
    return [
        TitleToCheck(
            unit_label=f"{t.unit.building.number}栋{t.unit.number}",
            holder_masked=t.holder_masked,
            id_type_label=ID_TYPES.get(t.id_type, t.id_type),
            id_masked=t.id_number_masked,
            share=t.share,
            certificate_no=t.certificate_no,
            matches_identity=(t.id_type == identity.id_type and t.id_number_hash == identity.id_number_hash),
        )
        for t in titles
    ]


def evidence_of(*, application: OfflineVerification) -> list[OfflineEvidence]:
    """The application's files in the manual's order (产权证明, 身份证件证明, 本人手持证件照片), then by upload."""
    rows = application.evidence.select_related("uploaded_by").order_by("uploaded_at", "id")
    return sorted(rows, key=lambda e: EVIDENCE_KINDS.index(e.kind))


def missing_evidence_kinds(*, application: OfflineVerification) -> list[str]:
    present = set(application.evidence.values_list("kind", flat=True))
    return [kind for kind in EVIDENCE_KINDS if kind not in present]


# --- selectors: owner ---------------------------------------------------------------------------------------


def owner_identity_of(*, account) -> OwnerIdentity | None:
    if not getattr(account, "is_authenticated", False):
        return None
    return OwnerIdentity.objects.filter(account=account).first()


def bound_projects(*, account) -> QuerySet[Project]:
    """Projects where the account has at least one active binding."""
    if not getattr(account, "is_authenticated", False):
        return Project.objects.none()
    active = HouseBinding.objects.filter(account=account, project=OuterRef("pk"), status=BindingStatus.ACTIVE)
    return Project.objects.filter(Exists(active)).order_by("name", "code")


def my_applications(*, account) -> list[OfflineVerification]:
    """The owner's own applications, newest first, with their evidence (for the owner's page)."""
    if not getattr(account, "is_authenticated", False):
        return []
    return list(
        OfflineVerification.objects.filter(account=account)
        .select_related("project")
        .prefetch_related("evidence")
        .order_by("-submitted_at", "-id")
    )


# --- evidence files -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sniffed:
    content_type: str
    extension: str


def _sniff(head: bytes) -> _Sniffed | None:
    if head.startswith(b"\xff\xd8\xff"):
        return _Sniffed("image/jpeg", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _Sniffed("image/png", "png")
    if head.startswith(b"%PDF-"):
        return _Sniffed("application/pdf", "pdf")
    return None


def _read_all(upload: UploadedFile, limit: int) -> bytes:
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    return data


def _check_image(data: bytes, expected: str) -> None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            fmt = (image.format or "").upper()
    except Exception as exc:  # noqa: BLE001 - any decoder error (incl. decompression bombs) means "not an image"
        raise ValueError("bad image") from exc
    if {"image/jpeg": "JPEG", "image/png": "PNG"}[expected] != fmt:
        raise ValueError("format mismatch")


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    data: bytes
    content_type: str
    extension: str
    original_name: str
    sha256: str


def check_evidence_file(*, kind: str, upload: UploadedFile) -> CheckedFile:
    """Validate one upload: kind known, not empty, within the size limit, really a JPEG, PNG or PDF.

    Raises ValidationFailed (field = the kind) with a plain message.
    """
    if kind not in EVIDENCE_KINDS:
        raise ValidationFailed("材料类型不正确。", field="kind")
    label = OfflineEvidence.Kind(kind).label
    limit = evidence_max_bytes()
    if upload.size is not None and upload.size > limit:
        raise ValidationFailed(f"{label}文件过大：每个文件不能超过{_mb(limit)}。", field=kind)
    data = _read_all(upload, limit)
    if len(data) > limit:
        raise ValidationFailed(f"{label}文件过大：每个文件不能超过{_mb(limit)}。", field=kind)
    if not data:
        raise ValidationFailed(f"{label}文件是空的，请重新选择。", field=kind)
    sniffed = _sniff(data[:_SNIFF_BYTES])
    bad_type = ValidationFailed(f"{label}只能上传JPG、PNG图片或PDF文件。", field=kind)
    if sniffed is None:
        raise bad_type
    if sniffed.content_type == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            raise bad_type
    else:
        try:
            _check_image(data, sniffed.content_type)
        except ValueError:
            raise bad_type from None
    original = (
        os.path.basename((upload.name or "").replace("\\", "/")).strip() or f"{kind}.{sniffed.extension}"
    )
    return CheckedFile(
        kind=kind,
        data=data,
        content_type=sniffed.content_type,
        extension=sniffed.extension,
        original_name=original[-200:],
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _mb(limit: int) -> str:
    return f"{limit / (1024 * 1024):g}MB"


def _identity(stored_name: str) -> str:
    """The associated data a file is sealed with: a sealed file opens only under the name it was written to."""
    return f"offline-evidence:{stored_name}"


def _checked_name(stored_name: str) -> str:
    """A stored name as written by `_store` (relative, no `..`); NotFound for anything else (a tampered row)."""
    parts = stored_name.replace("\\", "/").split("/")
    if not stored_name or stored_name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise NotFound("未找到该文件。")
    return stored_name


def _store(data: bytes, *, extension: str, at: dt.datetime) -> str:
    """Seal the contents and save them through the evidence storage under a new random name; return the name."""
    storage = evidence_storage()
    local = clock.local(at)
    for _ in range(3):
        name = f"offline/{local:%Y}/{local:%m}/{secrets.token_hex(16)}.{extension}"
        if storage.exists(name):
            continue
        saved = storage.save(name, ContentFile(crypto.seal_file(data, identity=_identity(name))))
        if saved == name:
            return name
        storage.delete(saved)  # the storage renamed it: the seal is bound to the name, so try another
    raise RuntimeError("could not find a free name for an evidence file")


def _delete_file(stored_name: str) -> None:
    with contextlib.suppress(NotFound):
        evidence_storage().delete(_checked_name(stored_name))


def read_evidence(evidence: OfflineEvidence) -> bytes:
    """The decrypted contents of a stored file, checked against its SHA-256.

    Raises NotFound (no such file in the storage, or a name outside it) and Gone (deleted under the retention rule;
    cannot be decrypted — damaged, tampered, a missing key, or a file never sealed; content not matching its hash).
    """
    if evidence.deleted_at is not None:
        raise Gone(f"该材料已按规定于{clock.local(evidence.deleted_at):%Y-%m-%d}删除。")
    name = _checked_name(evidence.stored_name)
    storage = evidence_storage()
    try:
        with storage.open(name, "rb") as handle:
            blob = handle.read()
    except (FileNotFoundError, IsADirectoryError):
        raise NotFound("未找到该文件。") from None
    except Exception as exc:  # noqa: BLE001 - SuspiciousFileOperation and a backend's own errors
        log.warning("evidence %s: cannot read %r: %s", evidence.pk, name, exc)
        raise NotFound("未找到该文件。") from None
    try:
        data = crypto.open_file(blob, identity=_identity(name))
    except crypto.SealedFileError as exc:
        log.error("evidence %s: %s", evidence.pk, exc)
        raise Gone("该材料文件无法解密（文件已损坏或密钥不符），不能显示。请联系平台运维人员。") from None
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        log.error("evidence %s: content does not match its SHA-256", evidence.pk)
        raise Gone("该材料文件与上传时的校验值不符，不能显示。请联系平台运维人员。")
    return data


@dataclass(frozen=True)
class SealResult:
    sealed: int = 0  # plaintext files written before sealing existed, now sealed
    resealed: int = 0  # sealed under an older key, now under the active key
    unchanged: int = 0
    failed: tuple[str, ...] = ()


def seal_stored_evidence(*, dry_run: bool = False) -> SealResult:
    """`manage.py seal_offline_evidence`: seal every kept evidence file still in clear (written before files were
    sealed) and re-seal files sealed under a key other than the active one (after a key rotation).

    Each file is written under a new name first, the row then points to it, and the old file is deleted, so an
    interruption leaves either the old or the new file in use, never none. A plaintext file is sealed only if it
    matches the SHA-256 recorded at upload. Idempotent.
    """
    storage = evidence_storage()
    ring = crypto.keyring()
    sealed = resealed = unchanged = 0
    failed: list[str] = []
    rows = OfflineEvidence.objects.filter(deleted_at__isnull=True).order_by("pk")
    for evidence in rows.iterator():
        try:
            name = _checked_name(evidence.stored_name)
            with storage.open(name, "rb") as handle:
                blob = handle.read()
            if crypto.is_sealed(blob):
                if ring.sealed_key_id(blob) == ring.active:
                    unchanged += 1
                    continue
                data = ring.open_file(blob, identity=_identity(name))
                counter = "resealed"
            else:
                data = blob
                counter = "sealed"
            if hashlib.sha256(data).hexdigest() != evidence.sha256:
                raise ValueError("content does not match its SHA-256")
        except (NotFound, OSError, ValueError) as exc:
            failed.append(f"{evidence.pk}: {exc or type(exc).__name__}")
            continue
        if dry_run:
            sealed, resealed = (sealed + 1, resealed) if counter == "sealed" else (sealed, resealed + 1)
            continue
        ext = name.rsplit(".", 1)[-1] if "." in name.rsplit("/", 1)[-1] else "bin"
        new_name = _store(data, extension=ext, at=evidence.uploaded_at)
        with transaction.atomic():
            moved = OfflineEvidence.objects.filter(
                pk=evidence.pk, stored_name=evidence.stored_name, deleted_at__isnull=True
            ).update(stored_name=new_name)
        if moved:
            storage.delete(name)
            sealed, resealed = (sealed + 1, resealed) if counter == "sealed" else (sealed, resealed + 1)
        else:  # changed meanwhile (deleted under the retention rule): drop the copy
            storage.delete(new_name)
    return SealResult(sealed=sealed, resealed=resealed, unchanged=unchanged, failed=tuple(failed))


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
                stored = _store(item.data, extension=item.extension, at=now)
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
            _delete_file(name)
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


# The Content-Security-Policy of a served evidence file. The document is the browser's own viewer of an image (the
# type is sniffed at upload and sent with nosniff) or a PDF download: nothing may load or run (`sandbox`, no
# script-src), but Chromium's image viewer styles its page inline, so inline styles are allowed in that document only.
EVIDENCE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def evidence_filename(evidence: OfflineEvidence) -> str:
    """The download name: kind and id with the extension of the sniffed type (never the uploaded name)."""
    ext = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(
        evidence.content_type, "bin"
    )
    return f"{evidence.kind}-{evidence.pk}.{ext}"


# --- retention ------------------------------------------------------------------------------------------------


def applications_with_expired_evidence(*, now: dt.datetime | None = None) -> QuerySet[OfflineVerification]:
    """Decided applications whose decision is at least the retention period old and that still have files."""
    cutoff = (now or clock.now()) - dt.timedelta(days=evidence_retention_days())
    kept = OfflineEvidence.objects.filter(application=OuterRef("pk"), deleted_at__isnull=True)
    return OfflineVerification.objects.filter(
        status__in=(OfflineVerificationStatus.APPROVED, OfflineVerificationStatus.REJECTED),
        decided_at__lte=cutoff,
    ).filter(Exists(kept))


def purge_expired_evidence(*, limit: int = 200) -> int:
    """Delete the evidence files of applications decided `PMIP_OFFLINE_EVIDENCE_RETENTION_DAYS` days ago or more
    (at most `limit` applications per run); returns the number of files deleted.

    Per application, in one transaction: the files are deleted from the storage, the rows keep kind, size, SHA-256,
    uploader and time with `deleted_at` set (the uploaded file name is cleared), and one audit entry
    identity.offline.evidence_deleted (actor 系统) lists them. A file already missing from the storage counts as
    deleted; if the transaction fails after a file was deleted, the next run marks it.
    """
    now = clock.now()
    days = evidence_retention_days()
    ids = list(
        applications_with_expired_evidence(now=now)
        .order_by("decided_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    deleted = 0
    for application_id in ids:
        with transaction.atomic():
            application = OfflineVerification.objects.select_for_update().get(pk=application_id)
            rows = list(
                OfflineEvidence.objects.select_for_update()
                .filter(application=application, deleted_at__isnull=True)
                .order_by("pk")
            )
            if not rows:
                continue
            record(
                actor=None,
                action="identity.offline.evidence_deleted",
                obj=application,
                data={
                    "files": [{"id": r.pk, "kind": r.kind, "size": r.size, "sha256": r.sha256} for r in rows],
                    "retention_days": days,
                    "decided_at": application.decided_at.isoformat() if application.decided_at else None,
                },
            )
            OfflineEvidence.objects.filter(pk__in=[r.pk for r in rows]).update(
                deleted_at=now, original_name=""
            )
            for row in rows:
                _delete_file(row.stored_name)
            deleted += len(rows)
    return deleted


# --- house-information queue --------------------------------------------------------------------------------


def house_submissions_for_staff(*, actor, status: str = "") -> QuerySet[HouseInfoSubmission]:
    """Submissions of the actor's subdistricts (subdistrict roles only), oldest pending first."""
    ids = _subdistrict_ids(actor)
    if not ids:
        return HouseInfoSubmission.objects.none()
    qs = HouseInfoSubmission.objects.select_related("subdistrict", "account", "handled_by").filter(
        subdistrict_id__in=ids
    )
    if status:
        qs = qs.filter(status=status)
    pending_first = Case(
        When(status=HouseInfoSubmission.Status.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return qs.order_by(pending_first, "submitted_at", "id")


def get_house_submission_for_staff(*, actor, submission_id: int) -> HouseInfoSubmission:
    try:
        return house_submissions_for_staff(actor=actor).get(pk=submission_id)
    except HouseInfoSubmission.DoesNotExist as exc:
        raise NotFound("未找到该房屋信息补录申请，或不在您的管辖范围内。") from exc


def _handle_submission(*, actor, submission_id: int, status: str, reply: str) -> HouseInfoSubmission:
    reply = (reply or "").strip()
    if status == HouseInfoSubmission.Status.REJECTED and not reply:
        raise ValidationFailed("请填写不予补录的原因，业主将看到这条答复。", field="reply")
    if len(reply) > REPLY_MAX:
        raise ValidationFailed(f"答复不能超过{REPLY_MAX}个字。", field="reply")
    ids = _subdistrict_ids(actor)
    with transaction.atomic():
        submission = (
            HouseInfoSubmission.objects.select_for_update()
            .filter(pk=submission_id, subdistrict_id__in=ids)
            .first()
        )
        if submission is None:
            raise NotFound("未找到该房屋信息补录申请，或不在您的管辖范围内。")
        if submission.status != HouseInfoSubmission.Status.PENDING:
            raise ValidationFailed(f"该申请已处理（{submission.get_status_display()}），不能再修改。")
        submission.status = status
        submission.handled_by = actor
        submission.handled_at = clock.now()
        submission.reply = reply or "已补录到基础数据库，请重新进行业主身份绑定。"
        submission.save(update_fields=["status", "handled_by", "handled_at", "reply"])
        resolved = status == HouseInfoSubmission.Status.RESOLVED
        record(
            actor=actor,
            action="identity.house_submission." + ("resolved" if resolved else "rejected"),
            obj=submission,
            data={"reply": submission.reply},
        )
        house = f"{submission.project_name}{submission.building_number}栋{submission.unit_number}"
        notify(
            recipient=submission.account,
            kind="identity.house_submission." + ("resolved" if resolved else "rejected"),
            title="房屋信息已补录" if resolved else "房屋信息未予补录",
            body=f"您提交的房屋信息（{house}）{'已补录' if resolved else '未予补录'}。答复：{submission.reply}",
        )
    return submission


def resolve_house_submission(*, actor: Account, submission_id: int, reply: str = "") -> HouseInfoSubmission:
    """补录完成. Raises NotFound (not the actor's subdistrict), ValidationFailed (handled already, reply too long).
    Audit: identity.house_submission.resolved; the owner gets an inbox message."""
    return _handle_submission(
        actor=actor, submission_id=submission_id, status=HouseInfoSubmission.Status.RESOLVED, reply=reply
    )


def reject_house_submission(*, actor: Account, submission_id: int, reply: str) -> HouseInfoSubmission:
    """不予补录, with a reply. Raises NotFound, ValidationFailed (handled already, no reply).
    Audit: identity.house_submission.rejected; the owner gets an inbox message."""
    return _handle_submission(
        actor=actor, submission_id=submission_id, status=HouseInfoSubmission.Status.REJECTED, reply=reply
    )
