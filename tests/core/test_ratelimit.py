"""THE rate limiter (pmip.core.ratelimit) over the shared cache, and the production cache check."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import checks
from django.core.cache import cache

from pmip.core import clock, ratelimit
from pmip.core.checks import shared_cache_in_production

T0 = dt.datetime(2026, 3, 2, 15, 59, 0, tzinfo=dt.UTC)  # 23:59 in Shanghai


def test_default_cache_is_the_shared_database_cache(db):
    from django.core.cache import caches

    from pmip.core.cache import SharedDatabaseCache

    assert isinstance(caches["default"], SharedDatabaseCache)


def test_hit_refuses_beyond_the_limit_and_does_not_count_refusals(db):
    answers = [ratelimit.hit("t.a", "x", limit=3, window=60).allowed for _ in range(5)]
    assert answers == [True, True, True, False, False]
    assert ratelimit.count("t.a", "x", window=60) == 3
    assert ratelimit.hit("t.a", "other", limit=3, window=60).allowed  # keyed per identity


def test_undo_gives_a_slot_back(db):
    for _ in range(2):
        ratelimit.hit("t.b", "x", limit=2, window=60)
    assert not ratelimit.hit("t.b", "x", limit=2, window=60).allowed
    ratelimit.undo("t.b", "x", window=60)
    assert ratelimit.hit("t.b", "x", limit=2, window=60).allowed


def test_windows_are_fixed_and_a_local_day_ends_at_shanghai_midnight(db):
    with clock.frozen(T0) as frozen:
        assert ratelimit.hit("t.c", "x", limit=1, window=86400, local=True).allowed
        refused = ratelimit.hit("t.c", "x", limit=1, window=86400, local=True)
        assert not refused.allowed and refused.retry_after == 60
        frozen.advance(seconds=60)  # 00:00 in Shanghai: a new day
        assert ratelimit.hit("t.c", "x", limit=1, window=86400, local=True).allowed


def test_cooldown(db):
    with clock.frozen(T0) as frozen:
        assert ratelimit.cooldown("t.d", "x", 60) == 0
        frozen.advance(seconds=20)
        assert ratelimit.cooldown("t.d", "x", 60) == 40
        frozen.advance(seconds=40)
        assert ratelimit.cooldown("t.d", "x", 60) == 0


def test_keys_carry_no_identity_in_clear(db):
    ratelimit.hit("t.e", "+8613912345678", limit=3, window=60)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM pmip_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert keys and not any("13912345678" in k for k in keys)


def test_incr_of_the_database_cache_is_atomic_read_modify_write(db):
    cache.add("n", 0, 60)
    for _ in range(7):
        cache.incr("n")
    cache.decr("n", 2)
    assert cache.get("n") == 5
    with pytest.raises(ValueError):
        cache.incr("missing")


def test_production_refuses_to_start_without_redis(settings):
    settings.PMIP_ENVIRONMENT = "production"
    settings.REDIS_URL = ""
    errors = shared_cache_in_production(None)
    assert [e.id for e in errors] == ["pmip.E010"]
    assert all(e.level == checks.ERROR for e in errors)
    settings.REDIS_URL = "redis://127.0.0.1:6379/1"
    settings.CACHES = {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": settings.REDIS_URL}
    }
    assert shared_cache_in_production(None) == []
    settings.PMIP_ENVIRONMENT = "development"
    settings.REDIS_URL = ""
    assert shared_cache_in_production(None) == []


def test_the_limiter_on_redis(settings):
    """The production backend: django-redis against the local Redis (db 1), when one runs."""
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/1").ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/1",
            "KEY_PREFIX": "pmip-test-auth",
        }
    }
    from django.core.cache import caches

    caches["default"].clear()
    answers = [ratelimit.hit("t.r", "x", limit=3, window=60).allowed for _ in range(5)]
    assert answers == [True, True, True, False, False]
    assert ratelimit.cooldown("t.r", "x", 60) == 0
    assert ratelimit.cooldown("t.r", "x", 60) > 0
    caches["default"].clear()


def test_the_production_server_refuses_to_start_without_redis(tmp_path):
    """The WSGI application (what granian serves) runs the security checks in production and stops on E010."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        PMIP_ENVIRONMENT="production",
        PMIP_VAR_DIR=str(tmp_path),
        PMIP_SMS_BACKEND="tencent",
        PMIP_WECHAT_OAUTH_BACKEND="wechat",
        PMIP_WECHAT_MESSAGE_BACKEND="wechat",
        PMIP_FACEID_BACKEND="tencent",
        PMIP_TITLE_REGISTRY_BACKEND="http",
        PMIP_WEATHER_BACKEND="qweather",
    )
    started = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode != 0
    assert "pmip.E010" in started.stderr and "pmip.E001" not in started.stderr
