"""THE rate limiter: fixed-window counters and cool-downs in the shared cache (never in process memory).

Every limit in the platform goes through here — SMS sends (per phone, per IP, per account), log-in failures (per
account, per IP), binding look-ups, face verifications. The counters live in Django's default cache, which is shared
by every process: the database cache (`pmip.core.cache.SharedDatabaseCache`, atomic increments) on a single machine,
Redis (django-redis) in production. Both give an atomic `add` and an atomic `incr`, so two server processes (or two
servers) that take slots at the same moment still count every slot once.

- `hit(name, ident, limit=, window=)` takes one slot of the window containing now; returns a `Hit` whose `allowed`
  is False once more than `limit` slots were taken in this window. A refused hit is not counted.
- `retry_after(window)`: seconds left in the current window.
- `undo(...)` gives a slot back (when a later check of the same request refuses), `count(...)` peeks, `reset(...)`
  clears (e.g. after a successful log-in).
- `cooldown(name, ident, seconds)` allows one action per `seconds` (atomic `add`); returns 0 or the seconds to wait.

Windows are aligned to the epoch, or with `local=True` to Shanghai local time (a "day" is a calendar day).
Identities are hashed with a key derived from SECRET_KEY before they reach the cache: no phone or user name in keys.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.crypto import salted_hmac

from pmip.core import clock

_SALT = "pmip.core.ratelimit.v1"


@dataclass(frozen=True)
class Hit:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends (meaningful when refused)


def _ident(ident: object) -> str:
    return salted_hmac(_SALT, str(ident), algorithm="sha256").hexdigest()[:32]


def _window(window: int, *, local: bool) -> tuple[int, int]:
    """(index of the window containing now, seconds left in it)."""
    now = clock.now()
    ts = now.timestamp()
    if local:
        offset = clock.local(now).utcoffset()
        ts += offset.total_seconds() if offset else 0
    index = int(ts // window)
    left = max(1, math.ceil((index + 1) * window - ts))
    return index, left


def _key(name: str, ident: object, window: int, index: int) -> str:
    return f"pmip:rl:{name}:{window}:{index}:{_ident(ident)}"


def _incr(key: str, ttl: int) -> int:
    """Atomic increment; the counter is created (with its time to live) only when missing, so an existing counter
    costs one round trip, not two."""
    try:
        return cache.incr(key)
    except ValueError:  # missing (first slot of the window, or expired): create it, then count
        cache.add(key, 0, ttl)
        return cache.incr(key)


def hit(name: str, ident: object, *, limit: int, window: int, local: bool = False) -> Hit:
    """Take one slot; refuse (and give it back) when this window already holds `limit`."""
    index, left = _window(window, local=local)
    key = _key(name, ident, window, index)
    count = _incr(key, window + 60)
    if count > limit:
        with contextlib.suppress(ValueError):
            cache.decr(key)
        return Hit(allowed=False, count=count - 1, limit=limit, retry_after=left)
    return Hit(allowed=True, count=count, limit=limit, retry_after=0)


def retry_after(window: int, *, local: bool = False) -> int:
    """Seconds until the current window of this length ends (what a refusal's Retry-After says)."""
    return _window(window, local=local)[1]


def undo(name: str, ident: object, *, window: int, local: bool = False) -> None:
    index, _ = _window(window, local=local)
    with contextlib.suppress(ValueError):
        cache.decr(_key(name, ident, window, index))


def count(name: str, ident: object, *, window: int, local: bool = False) -> int:
    index, _ = _window(window, local=local)
    return int(cache.get(_key(name, ident, window, index)) or 0)


def exceeded(name: str, ident: object, *, limit: int, window: int, local: bool = False) -> bool:
    return count(name, ident, window=window, local=local) >= limit


def reset(name: str, ident: object, *, window: int, local: bool = False) -> None:
    index, _ = _window(window, local=local)
    cache.delete(_key(name, ident, window, index))


def cooldown(name: str, ident: object, seconds: int) -> int:
    """Allow one action per `seconds`: 0 when allowed now (and the cool-down starts), else the seconds to wait."""
    if seconds <= 0:
        return 0
    key = f"pmip:rl:cd:{name}:{_ident(ident)}"
    now_ts = clock.now().timestamp()
    if cache.add(key, now_ts, seconds):
        return 0
    last = cache.get(key)
    if (
        last is None or now_ts - float(last) >= seconds
    ):  # expired but not yet evicted, or a frozen clock moved
        cache.set(key, now_ts, seconds)
        return 0
    return max(1, math.ceil(seconds - (now_ts - float(last))))


def clear_cooldown(name: str, ident: object) -> None:
    cache.delete(f"pmip:rl:cd:{name}:{_ident(ident)}")
