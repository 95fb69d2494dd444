"""PMIP's own settings, typed, with every default in this one file.

    from pmip.core.conf import pmip_settings

    limit = pmip_settings().binding_lookup_limit      # an int, never a string from the environment

Where a value comes from, first match wins:
1. the Django setting `PMIP_<NAME>` (config/settings.py, a test's `settings` fixture, `override_settings`);
2. the environment variable `PMIP_<NAME>` (documented in `.env.example`);
3. the default below.

The values are read once and kept (`pmip_settings()` is cached); a change of any `PMIP_` Django setting (tests do
this through `settings` / `override_settings`, which send `setting_changed`) drops the cache, so the next call reads
again. A value that does not parse as its type stops the process at the first read with the setting's name — a
misconfigured deployment must not run on a silent default.

Credentials (`tencentcloud_secret_id`/`_key`, `wechat_app_id`/`_secret`, `title_registry_token`, `index_key`,
`weather_key`, `ballot_key`) are not
fields: `secret("wechat_app_secret")` reads them at each use.

To add a setting: add a typed field with its default here (name = the setting without `PMIP_`, lower case) and read
it through `pmip_settings()`; do not add `getattr(settings, "PMIP_…", default)` anywhere else.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, get_type_hints

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

MIB = 1024 * 1024


@dataclasses.dataclass(frozen=True, slots=True)
class PmipSettings:
    # deployment
    environment: str = "development"  # "production" refuses embedded stand-ins (pmip.E001)
    public_base_url: str = ""  # absolute prefix for links in WeChat messages
    pdf_font: str = ""  # a CJK TrueType font for PDF exports; empty: the built-in CID font
    standin_dir: str = ""  # embedded stand-ins' state; empty: VAR_DIR/standins
    funds: dict = dataclasses.field(
        default_factory=dict
    )  # city-wide maintenance-fund defaults (funds.policy)

    # limits of owners' actions
    binding_lookup_limit: int = 10  # title look-ups per account per hour
    binding_lookup_ip_limit: int = (
        120  # title look-ups per client IP per hour (checked before the session is read)
    )
    face_daily_limit: int = 10  # face verifications started per account per day
    login_fail_limit: int = 5
    login_fail_window_seconds: int = 15 * 60
    login_ip_fail_limit: int = 20
    delegation_max_principals: int = 3
    offline_evidence_max_bytes: int = 5 * MIB
    offline_evidence_retention_days: int = 180  # evidence files are deleted this many days after the decision
    decisions_file_max_bytes: int = 20 * MIB

    # audit log: an entry left unchained this long fails verify_audit (the sealer has stopped; pmip.audit.chain)
    audit_seal_alarm_seconds: int = 600

    # admission control (pmip.core.admission): concurrent requests per process; 0 = off
    admission_concurrency: int = 0
    admission_queue_seconds: float = 1.0
    admission_queue_length: int = 8  # requests one process lets wait for a place; more are refused at once
    admission_retry_after: int = 2

    sms_account_daily_limit: int = 20  # verification codes per account per day
    tendering_file_max_bytes: int = 20 * MIB
    decisions_reminder_days: int = 2  # remind owners who have not voted this many days before the close

    # notifications fan-out (notifications.fanout)
    fanout_batch: int = 500  # recipients per batch, bounded to 1..5000 where read
    fanout_task_seconds: float = 20
    fanout_lead_seconds: float = 30
    fanout_stall_seconds: int = 120
    notify_rates: dict = dataclasses.field(default_factory=dict)  # messages per second per channel

    # weather (integrations.weather); the API key is a credential: secret("weather_key")
    weather_backend: str = "embedded"  # embedded | qweather
    weather_host: str = ""  # empty: https://devapi.qweather.com
    weather_timeout: float = 8.0
    weather_demo_warning_location: str = ""

    sms_backend: str = "embedded"  # embedded | tencent
    idempotency_ttl_seconds: int = 24 * 3600  # how long an Idempotency-Key's response is replayed
    # the public cache (pmip.core.public_cache, cache alias "public"): how long an item is kept at most (a write
    # invalidates it at once). Its location and size are cache settings (config/settings.py CACHES:
    # PMIP_PUBLIC_CACHE_URL, PMIP_PUBLIC_CACHE_MAX_ENTRIES), read before Django starts.
    public_cache_seconds: int = 300
    embedded_wechat_log: str = ""  # the embedded WeChat stand-in's message log file; empty: none
    enquiry_reply_days: int = 5  # working days to reply to an enquiry
    enquiry_image_max_bytes: int = 5 * MIB
    scheduler_lease_seconds: float = 30  # manage.py periodic's lease
    # per-import row/size overrides (core.tables)
    import_limits: dict = dataclasses.field(default_factory=dict)

    # notifications outbox
    notify_max_attempts: int = 6
    notify_lease_seconds: int = 120
    notify_redispatch_seconds: int = 120
    notify_retry_base_seconds: int = 60
    notify_retry_max_seconds: int = 3600

    # outside systems: "embedded" stand-ins by default
    tencentcloud_timeout: float = 5.0
    tencent_sms_url: str = "https://sms.tencentcloudapi.com"
    tencent_sms_region: str = "ap-guangzhou"
    tencent_sms_sdk_app_id: str = ""
    tencent_sms_sign_name: str = ""
    tencent_sms_template_ids: str = ""
    faceid_backend: str = "embedded"  # embedded | tencent
    faceid_url: str = "https://faceid.tencentcloudapi.com"
    faceid_rule_id: str = ""
    faceid_min_score: Decimal = Decimal("70")
    faceid_standin_url: str = "/me/faceid-standin/verify"
    title_registry_backend: str = "embedded"  # embedded | http
    title_registry_url: str = ""
    title_registry_timeout: float = 3.0
    title_registry_max_concurrency: int = 8
    title_registry_acquire_timeout: float = 0.0
    wechat_oauth_backend: str = "embedded"  # embedded | wechat
    wechat_message_backend: str = "embedded"  # embedded | wechat
    wechat_oauth_url: str = "https://open.weixin.qq.com"
    wechat_api_url: str = "https://api.weixin.qq.com"
    wechat_timeout: float = 5.0
    wechat_token_endpoint: str = "stable"  # stable | classic
    wechat_token_margin: int = 300
    wechat_standin_url: str = "/me/wechat-standin/authorize"


_TYPES: dict[str, Any] = get_type_hints(PmipSettings)


def _coerce(name: str, kind: Any, value: Any) -> Any:
    if value is None:
        return None
    try:
        if kind is int:
            return int(value)
        if kind is float:
            return float(value)
        if kind is Decimal:
            return Decimal(str(value))
        if kind is dict:
            return dict(value or {})
        if kind is str:
            return str(value) if not isinstance(value, Path) else str(value)
    except (TypeError, ValueError, InvalidOperation) as exc:
        raise ImproperlyConfigured(f"PMIP_{name.upper()} must be {kind.__name__}, not {value!r}") from exc
    return value


def _read() -> PmipSettings:
    values: dict[str, Any] = {}
    for f in dataclasses.fields(PmipSettings):
        key = f"PMIP_{f.name.upper()}"
        if hasattr(settings, key):
            raw = getattr(settings, key)
        elif key in os.environ and _TYPES[f.name] is not dict:
            raw = os.environ[key]
        else:
            continue
        if raw is None or (raw == "" and _TYPES[f.name] in (int, float, Decimal)):
            continue  # unset: the default
        values[f.name] = _coerce(f.name, _TYPES[f.name], raw)
    return PmipSettings(**values)


def secret(name: str) -> str:
    """A credential: the Django setting `PMIP_<NAME>` when non-empty, else the environment variable, else "".
    Read at every call and never cached, so a rotated secret is used at once and never sits in a settings object."""
    key = f"PMIP_{name.upper()}"
    return str(getattr(settings, key, "") or os.environ.get(key, "") or "")


@functools.cache
def pmip_settings() -> PmipSettings:
    return _read()


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("PMIP_"):
        pmip_settings.cache_clear()
