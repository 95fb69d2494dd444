"""Offline verification reads: the verifying staff's applications (scoped; out of scope means not there), the
title records to check against the papers, and the owner's own applications."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from pmip.core.crypto import id_number_hash
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.core.idnumbers import ID_TYPES
from pmip.core.idnumbers import validate as validate_id_number
from pmip.identity.models import (
    BindingStatus,
    HouseBinding,
    OfflineEvidence,
    OfflineVerification,
    OfflineVerificationStatus,
    OwnerIdentity,
)
from pmip.identity.offline.common import EVIDENCE_KINDS, verifier_project_q
from pmip.registry.models import Project, TitleRecord

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
