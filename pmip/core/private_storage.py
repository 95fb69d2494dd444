"""Private file storage: files kept outside every web root and never given a URL (served only by views that check
permission). Configured in settings' STORAGES (e.g. `STORAGES["offline_evidence"]`), so moving the files to object
storage is a settings change (another Storage backend with the same name), not a code change.

`PrivateFileSystemStorage` defaults its location to `settings.PRIVATE_MEDIA_ROOT`, read at each use (a test that
points PRIVATE_MEDIA_ROOT at a temporary directory moves the storage too), writes files 0600 and directories 0700,
refuses to overwrite, and has no URL.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    def __init__(self, location=None, **kwargs):
        self._private_location = location
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        kwargs["base_url"] = None
        kwargs["allow_overwrite"] = False
        super().__init__(location=location, **kwargs)

    @property
    def base_location(self):
        loc = self._private_location
        return loc if loc is not None else settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private files have no URL; serve them through a permission-checked view")
