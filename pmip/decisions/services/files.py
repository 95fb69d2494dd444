"""Publicity files (公示文件) of a meeting: `upload_publicity_file` and where the files are kept."""

from __future__ import annotations

import hashlib
import os
import secrets

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from pmip.core import clock
from pmip.core.errors import ValidationFailed
from pmip.decisions.choices import (
    MeetingState,
    PublicityKind,
)
from pmip.decisions.models import (
    PublicityFile,
)
from pmip.decisions.services.common import (
    _SNIFF_BYTES,
    TITLE_MAX,
    _clean_text,
    _convener_meeting,
    _record,
    _require_state,
)
from pmip.decisions.storage import file_max_bytes, save_publicity_file
from pmip.identity.models import Account

# --- publicity files -------------------------------------------------------------------------------------------


def _sniff(head: bytes) -> tuple[str, str] | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    return None


def upload_publicity_file(
    *, actor: Account, meeting_id: int, kind: str, title: str, upload: UploadedFile
) -> PublicityFile:
    """Add a publicity file (PDF, JPG or PNG, sniffed from the content, at most PMIP_DECISIONS_FILE_MAX_BYTES).

    The meeting notice only while the meeting is a draft (it is published with the notice); other files until the
    meeting is closed or cancelled. Raises ValidationFailed, MeetingStateError."""
    if kind not in PublicityKind.values:
        raise ValidationFailed("文件类型不正确。", field="kind")
    title = _clean_text(title, label="文件名称", field="title", max_length=TITLE_MAX)
    limit = file_max_bytes()
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise ValidationFailed(f"文件过大：不能超过{limit // (1024 * 1024)}MB。", field="upload")
    if not data:
        raise ValidationFailed("文件是空的，请重新选择。", field="upload")
    sniffed = _sniff(data[:_SNIFF_BYTES])
    if sniffed is None:
        raise ValidationFailed("只能上传PDF文件或JPG、PNG图片。", field="upload")
    content_type, extension = sniffed
    original = os.path.basename((upload.name or "").replace("\\", "/")).strip() or f"file.{extension}"
    with transaction.atomic():
        meeting = _convener_meeting(actor, meeting_id)
        if kind == PublicityKind.MEETING_NOTICE:
            _require_state(meeting, MeetingState.DRAFT, message="会议通知已公告，不能更换。")
        else:
            _require_state(
                meeting,
                MeetingState.DRAFT,
                MeetingState.NOTICED,
                MeetingState.OPEN,
                message="会议已结束，不能再上传公示文件。",
            )
        now = clock.now()
        local = clock.local(now)
        relative = f"decisions/{local:%Y}/{local:%m}/{secrets.token_hex(16)}.{extension}"
        relative = save_publicity_file(relative, data)
        f = PublicityFile.objects.create(
            meeting=meeting,
            kind=kind,
            title=title,
            stored_name=relative,
            original_name=original[-200:],
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=actor,
            uploaded_at=now,
        )
        _record(
            actor,
            "decisions.file.uploaded",
            meeting,
            obj=f,
            data={"kind": kind, "title": title, "sha256": f.sha256},
        )
    return f
