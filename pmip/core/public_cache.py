"""A cache for public, slow-changing reads (project detail, …) with explicit invalidation on write.

It lives in the cache alias `public` (config/settings.py CACHES), apart from the limit counters of the default
alias: a Redis (or key prefix) of its own in production, the table pmip_public_cache when embedded, where culling
may evict any entry — everything here can be rebuilt.

Each namespace has a generation token in that cache; an item is stored with the generation it was built
under, and both are fetched in one round trip (`get_many`). A write calls `invalidate(namespace)`, which replaces
the token at once and again when the transaction commits (so a reader that rebuilt the item from not-yet-committed
state between the two cannot keep it). A missing token (cache flushed or evicted) is recreated, and every item
built under the old one is ignored. Items also expire after `timeout` seconds (PMIP_PUBLIC_CACHE_SECONDS by
default).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.core.cache import BaseCache, caches
from django.db import transaction

from pmip.core.conf import pmip_settings

PREFIX = "pmip:public:"
ALIAS = "public"


def store() -> BaseCache:
    """The public cache (Django keeps one instance per alias and thread)."""
    return caches[ALIAS]


def _gen_key(namespace: str) -> str:
    return f"{PREFIX}{namespace}:gen"


def cached[T](
    namespace: str,
    key: str,
    build: Callable[[], T],
    *,
    timeout: int | None = None,
    keep: Callable[[T], bool] | None = None,
) -> T:
    """The value of `build()` for (namespace, key), from the cache while no write invalidated the namespace.
    Exceptions from `build` (e.g. NotFound) are not cached, nor a value for which `keep` says False. `key` must be
    short and plain (a hash for anything a client chooses)."""
    cache = store()
    gen_key, item_key = _gen_key(namespace), f"{PREFIX}{namespace}:{key}"
    got = cache.get_many([gen_key, item_key])
    gen = got.get(gen_key)
    item = got.get(item_key)
    if gen is not None and item is not None and item[0] == gen:
        return item[1]
    if gen is None:
        cache.add(gen_key, secrets.token_hex(8), None)
        gen = cache.get(gen_key)
    value = build()
    if keep is not None and not keep(value):
        return value
    cache.set(item_key, (gen, value), pmip_settings().public_cache_seconds if timeout is None else timeout)
    return value


def invalidate(namespace: str) -> None:
    """Every cached item of the namespace is stale from now (and again from the commit of the current
    transaction)."""

    def bump():
        store().set(_gen_key(namespace), secrets.token_hex(8), None)

    bump()
    transaction.on_commit(bump)
