"""Production settings (issue 8, item 9): `manage.py check --deploy` is clean under PMIP_ENVIRONMENT=production, the
HTTPS settings follow from it, and pmip.E001 still refuses the embedded stand-ins."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL_ADAPTERS = {
    "PMIP_SMS_BACKEND": "tencent",
    "PMIP_WECHAT_OAUTH_BACKEND": "wechat",
    "PMIP_WECHAT_MESSAGE_BACKEND": "wechat",
    "PMIP_FACEID_BACKEND": "tencent",
    "PMIP_TITLE_REGISTRY_BACKEND": "http",
    "PMIP_TITLE_REGISTRY_URL": "https://registry.example.cn",
    "PMIP_WEATHER_BACKEND": "qweather",
}


def _run(tmp_path, code: list[str], **env) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PMIP_", "SECURE_", "SESSION_", "CSRF_", "DJANGO_")) and k not in {"DEBUG"}
    }
    base.update(
        {
            "PMIP_VAR_DIR": str(tmp_path),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "pmip.example.cn",
            "DEBUG": "false",
            "REDIS_URL": "redis://127.0.0.1:6379/15",
            "PYTEST_CURRENT_TEST": "",
        }
    )
    base.pop("DATABASE_URL", None)
    base.update(env)
    return subprocess.run(
        [sys.executable, *code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = _run(
        tmp_path,
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        PMIP_ENVIRONMENT="production",
        **REAL_ADAPTERS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_real_adapters_still_fails_e001(tmp_path):
    result = _run(tmp_path, ["manage.py", "check", "--deploy"], PMIP_ENVIRONMENT="production")
    assert result.returncode != 0
    assert "pmip.E001" in result.stderr + result.stdout


SHOW = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup(); "
    "from django.conf import settings as s; "
    "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
    "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_PROXY_SSL_HEADER, "
    "'django.middleware.csp.ContentSecurityPolicyMiddleware' in s.MIDDLEWARE)"
)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PMIP_ENVIRONMENT": "production"}, "True True True 31536000 True None True"),
        ({"PMIP_ENVIRONMENT": "development"}, "False False False 0 False None True"),
        (
            {"PMIP_ENVIRONMENT": "production", "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https"},
            "True True True 31536000 True ('HTTP_X_FORWARDED_PROTO', 'https') True",
        ),
        ({"PMIP_ENVIRONMENT": "production", "PMIP_HTTPS": "false"}, "False False False 0 False None True"),
        (
            {"PMIP_ENVIRONMENT": "production", "SECURE_HSTS_SECONDS": "600"},
            "True True True 600 True None True",
        ),
    ],
)
def test_https_settings_follow_the_environment(tmp_path, env, expected):
    result = _run(tmp_path, ["-c", SHOW], **env)
    assert result.stdout.strip().splitlines()[-1] == expected, result.stderr
