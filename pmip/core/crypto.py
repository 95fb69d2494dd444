"""Encryption of sensitive personal data at rest (PIPL Art. 28).

- AES-256-GCM with a random 96-bit nonce; the stored token is `kid$base64(nonce+ciphertext)`, so keys can rotate:
  the first key of PMIP_FIELD_KEY encrypts, every key in the ring decrypts.
- A keyed hash (HMAC-SHA256) gives exact look-up without decrypting (a "blind index"). Its key is PMIP_INDEX_KEY,
  or derived from the last key of the ring; it must stay stable for the life of the data.
- Files (offline-verification evidence) are sealed with AES-256-GCM under a per-purpose key derived from the same
  ring (HMAC-SHA256(field key, "pmip-file-v1")), a random 96-bit nonce per file and the file's identity (its stored
  name) as associated data. A sealed file is `FILE_MAGIC`, one byte giving the length of the key id, the key id,
  the nonce, then ciphertext and tag; the magic and key id are authenticated too. `seal_file`/`open_file`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from pmip.core.conf import secret

FILE_MAGIC = b"PMIPSEAL1\n"  # marks a sealed file; plaintext JPEG/PNG/PDF never start with it


class SealedFileError(ValueError):
    """A sealed file cannot be opened: not sealed, unknown key id, damaged or tampered, or another file's."""


def is_sealed(blob: bytes) -> bool:
    return blob.startswith(FILE_MAGIC)


class KeyRing:
    def __init__(self, spec: str, index_key: str | None = None):
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for part in (spec or "").split(","):
            part = part.strip()
            if not part:
                continue
            kid, _, b64 = part.partition(":")
            raw = base64.b64decode(b64)
            if len(raw) != 32 or not kid or "$" in kid:
                raise ValueError("PMIP_FIELD_KEY must be 'kid:base64(32 bytes)[,...]'")
            keys[kid] = raw
            order.append(kid)
        if not order:
            raise ValueError("PMIP_FIELD_KEY is empty")
        self.keys = keys
        self.active = order[0]
        if index_key:
            self.index_key = hashlib.sha256(b"pmip-index:" + index_key.encode()).digest()
        else:
            self.index_key = hmac.new(keys[order[-1]], b"pmip-blind-index-v1", hashlib.sha256).digest()

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[self.active]).encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self.active}${base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, context: str = "") -> str:
        """Raises ValueError (never returns garbage) for an unknown key id, a malformed or tampered token, or the
        wrong context."""
        kid, _, b64 = (token or "").partition("$")
        if kid not in self.keys:
            raise ValueError(f"unknown key id {kid!r}")
        try:
            blob = base64.b64decode(b64, validate=True)
            if len(blob) < 12 + 16:
                raise ValueError("token too short")
            return AESGCM(self.keys[kid]).decrypt(blob[:12], blob[12:], context.encode()).decode()
        except (InvalidTag, ValueError) as exc:
            raise ValueError("cannot decrypt: the token is damaged or belongs to another context") from exc

    def _file_key(self, kid: str) -> bytes:
        return hmac.new(self.keys[kid], b"pmip-file-v1", hashlib.sha256).digest()

    def seal_file(self, data: bytes, *, identity: str) -> bytes:
        """Encrypt file contents under the active key; `identity` (e.g. the stored name) is bound as associated data,
        so a sealed file moved to another name, or another file's bytes put under this name, do not open."""
        kid = self.active.encode()
        if len(kid) > 255:
            raise ValueError("key id too long for a sealed file")
        header = FILE_MAGIC + bytes([len(kid)]) + kid
        nonce = os.urandom(12)
        sealed = AESGCM(self._file_key(self.active)).encrypt(nonce, data, header + identity.encode())
        return header + nonce + sealed

    def sealed_key_id(self, blob: bytes) -> str:
        """The key id a sealed file was written with. Raises SealedFileError for a file that is not sealed."""
        if not is_sealed(blob) or len(blob) < len(FILE_MAGIC) + 1:
            raise SealedFileError("the file is not sealed (no PMIPSEAL1 header)")
        size = blob[len(FILE_MAGIC)]
        kid = blob[len(FILE_MAGIC) + 1 : len(FILE_MAGIC) + 1 + size]
        try:
            return kid.decode("ascii")
        except UnicodeDecodeError as exc:
            raise SealedFileError("damaged header") from exc

    def open_file(self, blob: bytes, *, identity: str) -> bytes:
        """Decrypt a sealed file. Raises SealedFileError (never returns garbage) for a file that is not sealed, an
        unknown key id, a damaged or tampered file, or a file sealed under another identity."""
        kid = self.sealed_key_id(blob)
        if kid not in self.keys:
            raise SealedFileError(f"unknown key id {kid!r}")
        start = len(FILE_MAGIC) + 1 + len(kid.encode())
        header, nonce, sealed = blob[:start], blob[start : start + 12], blob[start + 12 :]
        if len(nonce) < 12 or len(sealed) < 16:
            raise SealedFileError("the sealed file is truncated")
        try:
            return AESGCM(self._file_key(kid)).decrypt(nonce, sealed, header + identity.encode())
        except InvalidTag as exc:
            raise SealedFileError(
                "cannot decrypt: the file is damaged, tampered or belongs to another name"
            ) from exc

    def blind_index(self, value: str, *, purpose: str) -> str:
        return hmac.new(self.index_key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=4)
def _ring(spec: str, index_key: str | None) -> KeyRing:
    return KeyRing(spec, index_key)


def keyring() -> KeyRing:
    return _ring(settings.PMIP_FIELD_KEY, secret("index_key") or None)


def encrypt(plaintext: str, *, context: str = "") -> str:
    return keyring().encrypt(plaintext, context=context)


def decrypt(token: str, *, context: str = "") -> str:
    return keyring().decrypt(token, context=context)


def seal_file(data: bytes, *, identity: str) -> bytes:
    return keyring().seal_file(data, identity=identity)


def open_file(blob: bytes, *, identity: str) -> bytes:
    return keyring().open_file(blob, identity=identity)


def id_number_hash(id_type: str, number: str) -> str:
    """Exact-match look-up key for an (ID type, normalised number) pair."""
    return keyring().blind_index(number, purpose=f"id:{id_type}")
