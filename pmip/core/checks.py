"""Limits, lockouts and locks live in the cache: production must run with a cache every server shares."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from pmip.core.conf import pmip_settings

SHARED_BACKENDS = ("django_redis.cache.RedisCache", "django.core.cache.backends.redis.RedisCache")


@checks.register(checks.Tags.security, deploy=False)
def shared_cache_in_production(app_configs, **kwargs):
    if pmip_settings().environment != "production":
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if getattr(settings, "REDIS_URL", "") and backend in SHARED_BACKENDS:
        return []
    return [
        checks.Error(
            "REDIS_URL is not set in production: rate limits and log-in lockouts need a cache every server shares.",
            hint="Set REDIS_URL (e.g. redis://redis:6379/0); see docs/security-limits.md.",
            id="pmip.E010",
        )
    ]
