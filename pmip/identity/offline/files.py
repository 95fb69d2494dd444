"""Offline-verification evidence files: checked on upload (type sniffed from the content, size limit), sealed with
AES-256-GCM under a random name in `STORAGES["offline_evidence"]`, read back checked against their SHA-256, and
re-sealed by `manage.py seal_offline_evidence`."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import secrets
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from pmip.core import clock, crypto
from pmip.core.errors import Gone, NotFound, ValidationFailed
from pmip.identity.models import (
    OfflineEvidence,
)
from pmip.identity.offline.common import EVIDENCE_KINDS, evidence_max_bytes, evidence_storage, log

_SNIFF_BYTES = 16


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
    """A stored name as written by `store_evidence_file` (relative, no `..`); NotFound for anything else (a tampered row)."""
    parts = stored_name.replace("\\", "/").split("/")
    if not stored_name or stored_name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise NotFound("未找到该文件。")
    return stored_name


def store_evidence_file(data: bytes, *, extension: str, at: dt.datetime) -> str:
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


def delete_evidence_file(stored_name: str) -> None:
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
        new_name = store_evidence_file(data, extension=ext, at=evidence.uploaded_at)
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
