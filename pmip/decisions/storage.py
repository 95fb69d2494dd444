"""Where the publicity files (公示文件) of meetings are kept: under PRIVATE_MEDIA_ROOT, never served as static files.
Shared by the services (upload) and the selectors (download) of `pmip.decisions`."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from pmip.core.conf import pmip_settings
from pmip.core.errors import NotFound
from pmip.decisions.models import PublicityFile


def file_max_bytes() -> int:
    return pmip_settings().decisions_file_max_bytes


def private_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT)


def publicity_file_path(f: PublicityFile) -> Path:
    """Absolute path of a stored file; refuses names that would leave PRIVATE_MEDIA_ROOT."""
    root = private_root().resolve()
    path = (root / f.stored_name).resolve()
    if root not in path.parents:
        raise NotFound("未找到该文件。")
    return path
