"""Files kept through Django's Storage API, each kind under its own name in settings' STORAGES (publicity files,
tender documents, enquiry images, credit dispute attachments, offline evidence). Code names the kind, never a path,
so moving a kind to object storage is a settings change: another Storage backend under the same name.
"""

from __future__ import annotations

from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages


def storage(kind: str) -> Storage:
    return storages[kind]


def save(kind: str, name: str, content: bytes | File) -> str:
    """Store `content` under `name` (callers choose fresh random names); returns the name the storage used."""
    return storage(kind).save(name, ContentFile(content) if isinstance(content, bytes) else content)


def open_stored(kind: str, name: str) -> File | None:
    """The stored file opened for reading (the caller closes it, e.g. FileResponse); None when it is missing or
    its name would leave the storage."""
    try:
        return storage(kind).open(name, "rb")
    except (FileNotFoundError, SuspiciousFileOperation):
        return None


def delete(kind: str, name: str) -> None:
    storage(kind).delete(name)
