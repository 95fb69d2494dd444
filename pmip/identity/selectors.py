"""Reads for an owner: only ever the caller's own identity, bindings and submissions (masked)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from pmip.core import display
from pmip.core.errors import NotFound
from pmip.core.idnumbers import ID_TYPES, is_mainland
from pmip.core.masking import mask_name, mask_phone
from pmip.identity.models import (
    BindingStatus,
    HouseBinding,
    HouseInfoSubmission,
    OfflineVerification,
    OfflineVerificationStatus,
    OwnerIdentity,
    VerificationMethod,
)
from pmip.registry.models import Subdistrict

# What the owner is told to bring for offline verification (manual ch. 1 (二) 5 / (三) 3).
OFFLINE_MATERIALS = "产权证明、身份证件证明、个人手持身份证件的照片"


@dataclass(frozen=True)
class VerificationStatus:
    """How the owner's identity stands: `code` for machines, `label` as the manual shows it.

    code: none (未认证, mainland ID: may do +身份认证), face (已人脸认证), offline (已人脸认证（线下）),
    offline_pending (待线下认证: a non-mainland ID, or an offline application waiting).
    """

    code: str
    label: str
    can_vote: bool
    can_supplement: bool
    needs_offline: bool


def verification_status(
    *, identity: OwnerIdentity | None, offline_pending: bool = False
) -> VerificationStatus:
    if identity is None:
        return VerificationStatus("none", "未认证", False, False, False)
    if identity.verification == VerificationMethod.FACE:
        return VerificationStatus("face", "已人脸认证", True, False, False)
    if identity.verification == VerificationMethod.OFFLINE:
        return VerificationStatus("offline", "已人脸认证（线下）", True, False, False)
    mainland = is_mainland(identity.id_type)
    if offline_pending or not mainland:
        return VerificationStatus("offline_pending", "待线下认证", False, mainland, not mainland)
    return VerificationStatus("none", "未认证", False, True, False)


@dataclass(frozen=True)
class OwnerProfile:
    """The owner's own information, masked (业主信息 on the bound page)."""

    holder_masked: str
    id_type: str
    id_type_label: str
    id_masked: str
    mobile_masked: str
    status: VerificationStatus
    offline_applied: bool = False  # an offline-verification application is waiting for the committee


def owner_identity_of(*, actor) -> OwnerIdentity | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    return OwnerIdentity.objects.filter(account=actor).first()


def verification_status_of(*, actor) -> VerificationStatus:
    """The actor's verification state, as every page shows it (one label and one colour per state). 2 queries."""
    identity = owner_identity_of(actor=actor)
    pending = (
        identity is not None
        and OfflineVerification.objects.filter(
            identity=identity, status=OfflineVerificationStatus.PENDING
        ).exists()
    )
    return verification_status(identity=identity, offline_pending=pending)


def owner_profile(*, actor) -> OwnerProfile | None:
    """None when the account has no identity on file yet. 2 queries."""
    identity = owner_identity_of(actor=actor)
    if identity is None:
        return None
    pending = OfflineVerification.objects.filter(
        identity=identity, status=OfflineVerificationStatus.PENDING
    ).exists()
    return OwnerProfile(
        holder_masked=mask_name(identity.holder_name),
        id_type=identity.id_type,
        id_type_label=ID_TYPES.get(identity.id_type, identity.id_type),
        id_masked=identity.id_number_masked,
        mobile_masked=mask_phone(identity.mobile),
        status=verification_status(identity=identity, offline_pending=pending),
        offline_applied=pending,
    )


def active_bindings_of(*, actor) -> QuerySet[HouseBinding]:
    """The caller's active bindings with unit, building and project (one query), by project then room."""
    if not getattr(actor, "is_authenticated", False):
        return HouseBinding.objects.none()
    return (
        HouseBinding.objects.filter(account=actor, status=BindingStatus.ACTIVE)
        .select_related("unit__building", "project", "title_record")
        .order_by("project__code", *display.unit_ordering("unit__"), "pk")
    )


def get_binding_of(*, actor, binding_id: int) -> HouseBinding:
    """One of the caller's own active bindings; any other id does not exist (NotFound)."""
    try:
        return active_bindings_of(actor=actor).get(pk=binding_id)
    except (HouseBinding.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("未找到该房屋绑定。") from exc


def has_active_bindings(*, actor) -> bool:
    return active_bindings_of(actor=actor).exists()


def house_submissions_of(*, actor) -> QuerySet[HouseInfoSubmission]:
    if not getattr(actor, "is_authenticated", False):
        return HouseInfoSubmission.objects.none()
    return (
        HouseInfoSubmission.objects.filter(account=actor)
        .select_related("subdistrict")
        .order_by("-submitted_at")
    )


def subdistrict_choices() -> list[tuple[int, str]]:
    """Every subdistrict as (id, "福田区 莲花街道"), for the owner to choose where the house is."""
    return [
        (s.pk, f"{s.district.name} {s.name}")
        for s in Subdistrict.objects.select_related("district").order_by("district__code", "name")
    ]
