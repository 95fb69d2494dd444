"""Where the publicity files (公示文件) of meetings are kept: Django's storage `STORAGES["publicity"]` (by default
files under PRIVATE_MEDIA_ROOT, never served as static files and never given a URL). Object storage is a settings
change: another Storage backend under the same name. Shared by the services (upload) and the selectors (download)
of `pmip.decisions`; nothing here knows a file system path."""

from __future__ import annotations

from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

from pmip.core.conf import pmip_settings
from pmip.core.errors import NotFound
from pmip.decisions.models import PublicityFile

STORAGE = "publicity"


def file_max_bytes() -> int:
    return pmip_settings().decisions_file_max_bytes


def publicity_storage() -> Storage:
    return storages[STORAGE]


def save_publicity_file(name: str, data: bytes) -> str:
    """Store `data` under `name` (a fresh random name: never overwrites); returns the name the storage used."""
    return publicity_storage().save(name, ContentFile(data))


def open_stored_file(f: PublicityFile) -> File | None:
    """The stored file of `f`, opened for reading (the caller closes it, e.g. FileResponse); None when it is missing.
    A stored name that would leave the storage is NotFound."""
    storage = publicity_storage()
    try:
        if not storage.exists(f.stored_name):
            return None
        return storage.open(f.stored_name, "rb")
    except SuspiciousFileOperation as exc:
        raise NotFound("未找到该文件。") from exc
    except FileNotFoundError:  # deleted between the two calls
        return None
