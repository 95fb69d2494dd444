"""PMIP settings. Everything that differs between machines comes from the environment (see `.env.example`)."""

from __future__ import annotations

import os
from pathlib import Path

from django.utils.csp import CSP

from config.env import (
    database_from_url,
    env_bool,
    env_float,
    env_int,
    env_list,
    load_dotenv,
    new_field_key,
    new_secret_key,
    secret_from_env_or_file,
    use_connection_pool,
)

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")
VAR_DIR = Path(os.environ.get("PMIP_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# "production" refuses to start while any outside system still uses its embedded stand-in (pmip.E001).
PMIP_ENVIRONMENT = os.environ.get("PMIP_ENVIRONMENT", "development")
TESTING = env_bool("PMIP_TESTING")  # set by config/test_settings.py (the suite's settings module)
SECRET_KEY = secret_from_env_or_file("SECRET_KEY", VAR_DIR, generator=new_secret_key)
PMIP_FIELD_KEY = secret_from_env_or_file("PMIP_FIELD_KEY", VAR_DIR, generator=new_field_key)
# Ballot token key ring (pmip.decisions.tokens); derived from PMIP_FIELD_KEY when unset.
PMIP_BALLOT_KEY = os.environ.get("PMIP_BALLOT_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "pmip.identity.apps.OpsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "captcha",
    "pmip.core",
    "pmip.audit",
    "pmip.identity",
    "pmip.registry",
    "pmip.delegation",
    "pmip.decisions",
    "pmip.funds",
    "pmip.tendering",
    "pmip.weather",
    "pmip.enquiries",
    "pmip.evaluation",
    "pmip.credit",
    "pmip.integrations",
    "pmip.notifications",
    "pmip.demo",
    "pmip.jobs",
    "pmip.ops",
    "pmip.portal",
    "pmip.office",
    "pmip.api",
]

MIDDLEWARE = [
    "pmip.ops.metrics.MetricsMiddleware",
    "pmip.core.admission.AdmissionMiddleware",  # overload is refused before any other work (after being counted)
    "pmip.identity.flood.LookupFloodMiddleware",  # a look-up the registry cannot take now: refused before sessions
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pmip.core.middleware.RequestIdMiddleware",
    "pmip.core.middleware.InputGuardMiddleware",
    "pmip.ops.routing.ReplicaRoutingMiddleware",
    "pmip.ops.sessions.SessionMiddleware",  # Django's, with 503 (not 400) when the database is away
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx: which htmx request this is (partial swaps)
    "django.middleware.csrf.CsrfViewMiddleware",
    "pmip.identity.middleware.AuthenticationMiddleware",  # Django's, with the account read with the session
    "pmip.identity.middleware.SessionTimeoutMiddleware",
    "pmip.ops.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# SQLite under var/ is the embedded default; PostgreSQL in production and CI via DATABASE_URL.
# libpq multi-host URLs work too: postgres://u@host1:5432,host2:5432/pmip?target_session_attrs=read-write finds
# whichever host is the primary now (after a fail-over, without a redeploy).
DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'pmip.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
# A hot-standby replica for public, cache-friendly reads (pmip.ops.routing); unset = everything on the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database_from_url(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=env_int("DB_CONN_MAX_AGE", 60)
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# PostgreSQL: a connection pool in each process (DB_POOL, on by default), one per alias, instead of a persistent
# connection per thread checked with a `SELECT 1` on every request. DB_POOL_MAX_SIZE bounds the connections one
# process opens (a request waits up to DB_POOL_TIMEOUT seconds for one, then fails); only admitted requests use the
# database (PMIP_ADMISSION_CONCURRENCY per worker), so a few more than that is enough. A connection idle in the pool
# for DB_POOL_CHECK_IDLE_SECONDS or more is checked before use (config.env.CheckWhenIdle). DB_POOL=false: persistent
# connections (DB_CONN_MAX_AGE seconds) with a health check per request, as before.
DB_POOL = env_bool("DB_POOL", True)
for _database in DATABASES.values():
    if DB_POOL and _database["ENGINE"] == "django.db.backends.postgresql":
        use_connection_pool(
            _database,
            min_size=env_int("DB_POOL_MIN_SIZE", 2),
            # The test suite runs 16 threads at once on one row (tests/decisions/test_postgres.py) and a live server.
            max_size=max(env_int("DB_POOL_MAX_SIZE", 8), 32 if TESTING else 0),
            timeout=env_float("DB_POOL_TIMEOUT", 10),
            check_idle=env_float("DB_POOL_CHECK_IDLE_SECONDS", 5),
        )
DATABASE_ROUTERS = ["pmip.ops.routing.PrimaryReplicaRouter"]
PMIP_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("PMIP_REPLICA_MAX_LAG_SECONDS", 10))
PMIP_READ_YOUR_WRITES_SECONDS = int(os.environ.get("PMIP_READ_YOUR_WRITES_SECONDS", 30))
# GET/HEAD paths whose reads of these apps may come from the replica (public, cache-friendly pages and API).
PMIP_REPLICA_READ_PATHS = [
    r"^/property/projects/",  # project search and detail (owner pages)
    r"^/api/v1/projects(/|$)",
    r"^/api/v1/funds/open-data/",  # open data
    r"^/funds/overview/$",
    r"^/rankings/",
    r"^/api/v1/rankings(/|$)",
    r"^/decisions/meetings/\d+/bulletin/",  # public bulletins after the close
    r"^/api/v1/decisions/meetings/\d+/bulletin",
]
PMIP_REPLICA_APPS = {"registry", "funds", "decisions", "evaluation", "credit"}
PMIP_IDEMPOTENCY_TTL_SECONDS = int(os.environ.get("PMIP_IDEMPOTENCY_TTL_SECONDS", 24 * 3600))
PMIP_METRICS_TOKEN = os.environ.get("PMIP_METRICS_TOKEN", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "identity.Account"

# Cache: every limit, lockout and lock lives here, so it must be shared by every process (docs/security-limits.md).
# Redis through django-redis when REDIS_URL is set (required in production: pmip.E010); otherwise the database cache
# (table pmip_cache, created by migrate), which every process using the same database shares.
# The `public` alias holds public, rebuildable content only (pmip.core.public_cache: project pages, search results,
# rankings), apart from the limit counters so that filling or evicting it never touches them: in production a Redis
# (PMIP_PUBLIC_CACHE_URL, REDIS_URL by default) under its own key prefix — give that Redis an eviction policy
# (allkeys-lru) when it is not the limits' one; embedded, its own database cache table (pmip_public_cache, created by
# migrate), culled (live entries too) past PMIP_PUBLIC_CACHE_MAX_ENTRIES.
REDIS_URL = os.environ.get("REDIS_URL", "")
PMIP_PUBLIC_CACHE_URL = os.environ.get("PMIP_PUBLIC_CACHE_URL", "") or REDIS_URL
PMIP_PUBLIC_CACHE_MAX_ENTRIES = env_int("PMIP_PUBLIC_CACHE_MAX_ENTRIES", 20_000)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
            "KEY_PREFIX": os.environ.get("PMIP_CACHE_KEY_PREFIX", "pmip"),
        },
        "public": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": PMIP_PUBLIC_CACHE_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
            "KEY_PREFIX": os.environ.get("PMIP_CACHE_KEY_PREFIX", "pmip") + "-public",
        },
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "pmip.core.cache.SharedDatabaseCache",
            "LOCATION": "pmip_cache",
            "OPTIONS": {"MAX_ENTRIES": 50_000},  # over this, expired entries are deleted (never live ones)
        },
        "public": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "pmip_public_cache",
            # over this, expired entries and then a third of the rest are deleted (all of it rebuildable)
            "OPTIONS": {"MAX_ENTRIES": PMIP_PUBLIC_CACHE_MAX_ENTRIES, "CULL_FREQUENCY": 3},
        },
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/office/login/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    ("vendor/weui", BASE_DIR / "node_modules" / "weui" / "dist" / "style"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
    ("vendor/swagger-ui", BASE_DIR / "node_modules" / "swagger-ui-dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Offline-verification evidence (sealed files, pmip.identity.offline): under PRIVATE_MEDIA_ROOT, never given a URL.
    # For object storage put another Storage backend here under the same name (docs/security.md).
    "offline_evidence": {"BACKEND": "pmip.core.private_storage.PrivateFileSystemStorage"},
    # Meetings' publicity files (pmip.decisions.storage): under PRIVATE_MEDIA_ROOT, never given a URL. For object
    # storage put another Storage backend here under the same name.
    "publicity": {"BACKEND": "pmip.core.private_storage.PrivateFileSystemStorage"},
    # Tender documents, enquiry images, credit dispute attachments (pmip.core.stored_files): the same, one name each.
    "tender_documents": {"BACKEND": "pmip.core.private_storage.PrivateFileSystemStorage"},
    "enquiry_images": {"BACKEND": "pmip.core.private_storage.PrivateFileSystemStorage"},
    "credit_attachments": {"BACKEND": "pmip.core.private_storage.PrivateFileSystemStorage"},
    # Files uploaded for an office job (pmip.jobs: imports run by the worker), deleted when the job ends.
    "job_uploads": {"BACKEND": "pmip.core.private_storage.PrivateFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not TESTING
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded evidence is private: stored outside STATIC/MEDIA URLs and served only through permission-checked views.
# Several app nodes and workers must all see the same files: PMIP_PRIVATE_MEDIA_ROOT names a volume they share
# (deploy/k8s/base/files-pvc.yaml), or the STORAGES above name an object-storage backend (docs/operations.md).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PMIP_PRIVATE_MEDIA_ROOT") or VAR_DIR / "private")

# Sessions: new id on log-in (Django default), idle and absolute timeouts enforced by SessionTimeoutMiddleware.
# In the database (revocable), each with its account, read in one statement with it (pmip.ops.sessions).
SESSION_ENGINE = "pmip.ops.sessions"
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# HTTPS (docs/security.md): on by default when PMIP_ENVIRONMENT=production, each part overridable (.env.example).
PMIP_HTTPS = env_bool("PMIP_HTTPS", PMIP_ENVIRONMENT == "production")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PMIP_HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PMIP_HTTPS)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PMIP_HTTPS)
# Health probes of a load balancer may come over plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = env_list("SECURE_REDIRECT_EXEMPT", r"^healthz$,^readyz$,^metrics$")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS") or (31536000 if PMIP_HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PMIP_HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PMIP_HTTPS)
# Behind a TLS-terminating proxy: "HTTP_X_FORWARDED_PROTO,https" — only if the proxy overwrites that header on
# every request (otherwise a client could claim HTTPS). Unset = the proxy is not trusted for it.
_proxy_header = env_list("SECURE_PROXY_SSL_HEADER", "")
SECURE_PROXY_SSL_HEADER = (_proxy_header[0], _proxy_header[1]) if len(_proxy_header) == 2 else None
# Content Security Policy (Django's built-in middleware): no inline script or style anywhere; every asset from this
# site (tests/security/test_csp.py checks the templates). Nonces are available as {{ csp_nonce }} if ever needed.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Admission control (pmip.core.admission): requests one worker process serves at once, how many more may wait for a
# place and for how long (counted from the proxy's X-Request-Start when present), and the Retry-After of the 503 past
# that.
# 0 turns it off. scripts/serve.sh runs four times as many blocking threads as admissions, so spare threads can refuse.
PMIP_ADMISSION_CONCURRENCY = int(os.environ.get("PMIP_ADMISSION_CONCURRENCY", 4))
PMIP_ADMISSION_QUEUE_SECONDS = float(os.environ.get("PMIP_ADMISSION_QUEUE_SECONDS", 0.5))
PMIP_ADMISSION_QUEUE_LENGTH = int(os.environ.get("PMIP_ADMISSION_QUEUE_LENGTH", 8))
PMIP_ADMISSION_RETRY_AFTER = int(os.environ.get("PMIP_ADMISSION_RETRY_AFTER", 2))

PMIP_SESSION_IDLE_SECONDS = int(os.environ.get("PMIP_SESSION_IDLE_SECONDS", 30 * 60))
PMIP_SESSION_ABSOLUTE_SECONDS = int(os.environ.get("PMIP_SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Background work: Django's tasks framework; the database backend is the embedded default.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("PMIP_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# (task path, seconds between runs), enqueued by `manage.py periodic` (any number; one active, by lease).
PMIP_SCHEDULER_LEASE_SECONDS = int(os.environ.get("PMIP_SCHEDULER_LEASE_SECONDS", 30))
PMIP_PERIODIC_TASKS = [
    ("pmip.notifications.tasks.sweep_outbox", int(os.environ.get("PMIP_OUTBOX_SWEEP_SECONDS", 60))),
    ("pmip.notifications.tasks.resume_broadcasts", 120),
    ("pmip.decisions.tasks.remind_voters", 600),
    ("pmip.weather.tasks.refresh_weather", 1800),
    ("pmip.enquiries.tasks.escalate_enquiries", 3600),
    ("pmip.decisions.tasks.advance_meetings", 60),
    ("pmip.funds.tasks.reconcile_funds", 24 * 3600),
    (
        "pmip.audit.tasks.seal_audit_chain",
        int(os.environ.get("PMIP_AUDIT_SEAL_SECONDS", 5)),
    ),  # chain new entries
    ("pmip.audit.tasks.verify_audit_chain", 24 * 3600),  # verify the audit chain, publish the day's head hash
    ("pmip.credit.tasks.refresh_risk_list", 24 * 3600),  # 风险名单: enter and leave as entries expire
    ("pmip.ops.tasks.purge_idempotency_records", 3600),
    ("pmip.ops.tasks.prune_task_results", 3600),  # finished task results: a week (failed: 30 days)
    ("pmip.identity.tasks.purge_offline_evidence", 3600),  # evidence files past their retention period
    ("pmip.jobs.tasks.fail_stalled_jobs", 300),  # office jobs whose worker died: 失败, with what to do
]

# Outside systems: "embedded" stand-ins by default, real adapters when configured.
PMIP_SMS_BACKEND = os.environ.get("PMIP_SMS_BACKEND", "embedded")  # embedded | tencent
PMIP_SMS_OUTBOX_FILE = VAR_DIR / "sms-outbox.log"
PMIP_SMS_DAILY_LIMIT = int(os.environ.get("PMIP_SMS_DAILY_LIMIT", 10))
PMIP_SMS_INTERVAL_SECONDS = int(os.environ.get("PMIP_SMS_INTERVAL_SECONDS", 60))
PMIP_SMS_IP_HOURLY_LIMIT = int(os.environ.get("PMIP_SMS_IP_HOURLY_LIMIT", 30))

# Real adapters (docs/integrations.md). Secrets come only from the environment.
PMIP_TENCENTCLOUD_SECRET_ID = os.environ.get("PMIP_TENCENTCLOUD_SECRET_ID", "")
PMIP_TENCENTCLOUD_SECRET_KEY = os.environ.get("PMIP_TENCENTCLOUD_SECRET_KEY", "")
PMIP_TENCENTCLOUD_TIMEOUT = float(os.environ.get("PMIP_TENCENTCLOUD_TIMEOUT", 5))
PMIP_TENCENT_SMS_URL = os.environ.get("PMIP_TENCENT_SMS_URL", "https://sms.tencentcloudapi.com")
PMIP_TENCENT_SMS_REGION = os.environ.get("PMIP_TENCENT_SMS_REGION", "ap-guangzhou")
PMIP_TENCENT_SMS_SDK_APP_ID = os.environ.get("PMIP_TENCENT_SMS_SDK_APP_ID", "")
PMIP_TENCENT_SMS_SIGN_NAME = os.environ.get("PMIP_TENCENT_SMS_SIGN_NAME", "")
PMIP_TENCENT_SMS_TEMPLATE_IDS = os.environ.get(
    "PMIP_TENCENT_SMS_TEMPLATE_IDS", ""
)  # verification_code:1234567,...
PMIP_WECHAT_OAUTH_BACKEND = os.environ.get("PMIP_WECHAT_OAUTH_BACKEND", "embedded")  # embedded | wechat
PMIP_WECHAT_MESSAGE_BACKEND = os.environ.get("PMIP_WECHAT_MESSAGE_BACKEND", "embedded")  # embedded | wechat
PMIP_WECHAT_APP_ID = os.environ.get("PMIP_WECHAT_APP_ID", "")
PMIP_WECHAT_APP_SECRET = os.environ.get("PMIP_WECHAT_APP_SECRET", "")
PMIP_WECHAT_OAUTH_URL = os.environ.get("PMIP_WECHAT_OAUTH_URL", "https://open.weixin.qq.com")
PMIP_WECHAT_API_URL = os.environ.get("PMIP_WECHAT_API_URL", "https://api.weixin.qq.com")
PMIP_WECHAT_TIMEOUT = float(os.environ.get("PMIP_WECHAT_TIMEOUT", 5))
PMIP_WECHAT_TOKEN_ENDPOINT = os.environ.get("PMIP_WECHAT_TOKEN_ENDPOINT", "stable")  # stable | classic
PMIP_WECHAT_TOKEN_MARGIN = int(os.environ.get("PMIP_WECHAT_TOKEN_MARGIN", 300))
PMIP_FACEID_BACKEND = os.environ.get("PMIP_FACEID_BACKEND", "embedded")  # embedded | tencent
PMIP_FACEID_URL = os.environ.get("PMIP_FACEID_URL", "https://faceid.tencentcloudapi.com")
PMIP_FACEID_RULE_ID = os.environ.get("PMIP_FACEID_RULE_ID", "")
PMIP_FACEID_MIN_SCORE = os.environ.get("PMIP_FACEID_MIN_SCORE", "70")
PMIP_TITLE_REGISTRY_BACKEND = os.environ.get("PMIP_TITLE_REGISTRY_BACKEND", "embedded")  # embedded | http
PMIP_TITLE_REGISTRY_URL = os.environ.get("PMIP_TITLE_REGISTRY_URL", "")
PMIP_TITLE_REGISTRY_TOKEN = os.environ.get("PMIP_TITLE_REGISTRY_TOKEN", "")
PMIP_TITLE_REGISTRY_TIMEOUT = float(os.environ.get("PMIP_TITLE_REGISTRY_TIMEOUT", 3))
PMIP_TITLE_REGISTRY_MAX_CONCURRENCY = int(os.environ.get("PMIP_TITLE_REGISTRY_MAX_CONCURRENCY", 8))
PMIP_TITLE_REGISTRY_ACQUIRE_TIMEOUT = float(os.environ.get("PMIP_TITLE_REGISTRY_ACQUIRE_TIMEOUT", 0))
PMIP_WEATHER_BACKEND = os.environ.get("PMIP_WEATHER_BACKEND", "embedded")  # embedded | qweather
PMIP_WEATHER_HOST = os.environ.get("PMIP_WEATHER_HOST", "")
PMIP_WEATHER_KEY = os.environ.get("PMIP_WEATHER_KEY", "")
PMIP_WEATHER_TIMEOUT = float(os.environ.get("PMIP_WEATHER_TIMEOUT", 8))
# The embedded stand-in issues one demo warning (暴雨橙色) for this location: 福田区.
PMIP_WEATHER_DEMO_WARNING_LOCATION = os.environ.get("PMIP_WEATHER_DEMO_WARNING_LOCATION", "114.05,22.52")

# Notifications (outbox delivery; WeChat template ids are configured per deployment)
PMIP_WECHAT_TEMPLATE_BINDING_RESULT = os.environ.get(
    "PMIP_WECHAT_TEMPLATE_BINDING_RESULT", "pmip-binding-result"
)
PMIP_WECHAT_TEMPLATE_OFFLINE_RESULT = os.environ.get(
    "PMIP_WECHAT_TEMPLATE_OFFLINE_RESULT", "pmip-offline-result"
)
PMIP_WECHAT_TEMPLATE_DELEGATION = os.environ.get("PMIP_WECHAT_TEMPLATE_DELEGATION", "pmip-delegation")
# The WeChat stand-in's delivery log (one JSON line per send() call, from every process); the cluster test reads it.
PMIP_EMBEDDED_WECHAT_LOG = os.environ.get("PMIP_EMBEDDED_WECHAT_LOG", "")
PMIP_PUBLIC_BASE_URL = os.environ.get("PMIP_PUBLIC_BASE_URL", "")  # absolute prefix for WeChat message links
PMIP_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("PMIP_NOTIFY_MAX_ATTEMPTS", 6))
PMIP_NOTIFY_LEASE_SECONDS = int(os.environ.get("PMIP_NOTIFY_LEASE_SECONDS", 120))
PMIP_NOTIFY_REDISPATCH_SECONDS = int(os.environ.get("PMIP_NOTIFY_REDISPATCH_SECONDS", 120))
PMIP_NOTIFY_RETRY_BASE_SECONDS = int(os.environ.get("PMIP_NOTIFY_RETRY_BASE_SECONDS", 60))
PMIP_NOTIFY_RETRY_MAX_SECONDS = int(os.environ.get("PMIP_NOTIFY_RETRY_MAX_SECONDS", 3600))

PMIP_LOGIN_FAIL_LIMIT = int(os.environ.get("PMIP_LOGIN_FAIL_LIMIT", 5))
PMIP_LOGIN_FAIL_WINDOW_SECONDS = int(os.environ.get("PMIP_LOGIN_FAIL_WINDOW_SECONDS", 900))
PMIP_LOGIN_IP_FAIL_LIMIT = int(os.environ.get("PMIP_LOGIN_IP_FAIL_LIMIT", 20))  # per client IP per window
PMIP_SMS_ACCOUNT_DAILY_LIMIT = int(
    os.environ.get("PMIP_SMS_ACCOUNT_DAILY_LIMIT", 20)
)  # codes asked per account

PMIP_BINDING_LOOKUP_LIMIT = int(os.environ.get("PMIP_BINDING_LOOKUP_LIMIT", 10))  # per account per hour
PMIP_FACE_DAILY_LIMIT = int(
    os.environ.get("PMIP_FACE_DAILY_LIMIT", 10)
)  # face verifications per account per day
PMIP_DELEGATION_MAX_PRINCIPALS = int(os.environ.get("PMIP_DELEGATION_MAX_PRINCIPALS", 3))
PMIP_OFFLINE_EVIDENCE_MAX_BYTES = int(os.environ.get("PMIP_OFFLINE_EVIDENCE_MAX_BYTES", 5 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# A multipart body (file uploads) larger than this is refused with 413 before it is parsed (pmip.core.middleware).
PMIP_MAX_UPLOAD_BYTES = 20 * 1024 * 1024

CAPTCHA_IMAGE_SIZE = (120, 40)
CAPTCHA_LENGTH = 4
CAPTCHA_TIMEOUT = 5
CAPTCHA_TEST_MODE = env_bool("PMIP_CAPTCHA_TEST_MODE", False)

NINJA_PAGINATION_PER_PAGE = 20

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "pmip.core.middleware.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "httpx": {"level": "WARNING"}},
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    CAPTCHA_TEST_MODE = True  # the captcha answer "PASSED" is accepted in tests only
    # The live server of the browser walks is one process serving a browser's parallel requests on a busy CI
    # machine: no admission limit there (tests/core/test_admission.py tests the middleware itself).
    PMIP_ADMISSION_CONCURRENCY = 0
