"""Encryption of sensitive personal data at rest (PIPL Art. 28).

- AES-256-GCM with a random 96-bit nonce; the stored token is `kid$base64(nonce+ciphertext)`, so keys can rotate:
  the first key of PMIP_FIELD_KEY encrypts, every key in the ring decrypts.
- A keyed hash (HMAC-SHA256) gives exact look-up without decrypting (a "blind index"). Its key is PMIP_INDEX_KEY,
  or derived from the last key of the ring; it must stay stable for the life of the data.
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


def id_number_hash(id_type: str, number: str) -> str:
    """Exact-match look-up key for an (ID type, normalised number) pair."""
    return keyring().blind_index(number, purpose=f"id:{id_type}")
