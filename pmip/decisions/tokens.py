"""Ballot tokens: the owner column of `Ballot` without a join to the registry (docs/security.md, vote privacy).

A ballot stores `owner_token = "<kid>:" + HMAC-SHA256(key[kid], "<meeting id>:<roll owner key>")` instead of the roll's
owner key (which is the owner's ID type and blind-index hash, and so joins to the roll, the unit and the title
record). The key is not in the database: it is PMIP_BALLOT_KEY ("kid:base64(32 bytes)[,kid:...]", the first key
is used for new meetings), or, when unset, derived from the *last* key of PMIP_FIELD_KEY (kid "f-<field kid>").
Each meeting records the key id its tokens use (`Meeting.ballot_key_id`, set when it is created), so a new key can
be put at the front of the ring without touching meetings already under way; an old key stays in the ring for as
long as its meetings are kept.

The platform finds an owner's ballot by computing the token again from the roll (one HMAC). A reader holding the
database alone sees, per matter, tokens that differ per meeting and match nothing else in the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings

from pmip.core.conf import secret


class BallotKeyError(RuntimeError):
    """The key a meeting's ballots were tokenised with is no longer configured."""


@lru_cache(maxsize=4)
def _ring(ballot_spec: str, field_spec: str) -> tuple[str, dict[str, bytes]]:
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for part in (ballot_spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        kid, _, b64 = part.partition(":")
        raw = base64.b64decode(b64)
        if len(raw) != 32 or not kid or ":" in kid or len(kid) > 20:
            raise ValueError(
                "PMIP_BALLOT_KEY must be 'kid:base64(32 bytes)[,...]' (kid at most 20 characters)"
            )
        keys[kid] = raw
        order.append(kid)
    # The key derived from the field key ring stays in the ring (for meetings tokenised before PMIP_BALLOT_KEY
    # was set), but is used for new meetings only when no ballot key is configured.
    field_parts = [p.strip() for p in (field_spec or "").split(",") if p.strip()]
    if field_parts:
        fkid, _, fb64 = field_parts[-1].partition(":")
        derived_kid = f"f-{fkid}"[:20]
        keys.setdefault(
            derived_kid, hmac.new(base64.b64decode(fb64), b"pmip-ballot-token-v1", hashlib.sha256).digest()
        )
        order.append(derived_kid)
    if not order:
        raise ValueError("no ballot token key: set PMIP_BALLOT_KEY or PMIP_FIELD_KEY")
    return order[0], keys


def _keys() -> tuple[str, dict[str, bytes]]:
    return _ring(
        secret("ballot_key"),
        settings.PMIP_FIELD_KEY,
    )


def active_key_id() -> str:
    """The key id new meetings use (the model default of `Meeting.ballot_key_id`)."""
    return _keys()[0]


def _key(kid: str) -> bytes:
    keys = _keys()[1]
    if kid not in keys:
        raise BallotKeyError(f"ballot token key {kid!r} is not configured (PMIP_BALLOT_KEY)")
    return keys[kid]


def ballot_token(*, meeting_id: int, key_id: str, owner_key: str) -> str:
    digest = hmac.new(_key(key_id), f"{meeting_id}:{owner_key}".encode(), hashlib.sha256).hexdigest()
    return f"{key_id}:{digest}"


def token_of(meeting, owner_key: str) -> str:
    """The token of one roll owner key in `meeting` (a Meeting with `pk` and `ballot_key_id`)."""
    return ballot_token(meeting_id=meeting.pk, key_id=meeting.ballot_key_id, owner_key=owner_key)


def tokens_of(meeting, owner_keys: Iterable[str]) -> dict[str, str]:
    """roll owner key → token, for many keys of one meeting (one HMAC each: microseconds)."""
    key = _key(meeting.ballot_key_id)
    prefix = f"{meeting.ballot_key_id}:"
    pk = meeting.pk
    return {
        k: prefix + hmac.new(key, f"{pk}:{k}".encode(), hashlib.sha256).hexdigest() for k in set(owner_keys)
    }


def keys_by_token(meeting, owner_keys: Iterable[str]) -> dict[str, str]:
    """token → roll owner key (the inverse of `tokens_of`), to read ballots against the roll."""
    return {t: k for k, t in tokens_of(meeting, owner_keys).items()}
