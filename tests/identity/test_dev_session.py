"""manage.py dev_session: the session `make fuzz` uses; a working session in development, refused in production."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from pmip.identity.models import Account


def mint(*args) -> dict[str, str]:
    out = io.StringIO()
    call_command("dev_session", *args, stdout=out)
    return dict(line.split("=", 1) for line in out.getvalue().split())


def test_staff_session_opens_the_staff_api(staff, settings):
    settings.PMIP_ENVIRONMENT = "development"
    values = mint("--staff", staff["city"].username)
    client = Client()
    client.cookies["sessionid"] = values["sessionid"]
    assert client.get("/api/v1/office/funds/projects").status_code == 200
    assert Client().get("/api/v1/office/funds/projects").status_code == 401


def test_owner_session_through_the_sms_login(db, settings):
    settings.PMIP_ENVIRONMENT = "development"
    settings.PMIP_SMS_BACKEND = "embedded"
    values = mint("--owner", "+8613900000001")
    client = Client()
    client.cookies["sessionid"] = values["sessionid"]
    assert client.get("/api/v1/me/profile").status_code == 200
    assert Account.objects.get(mobile="+8613900000001").kind == "owner"


def test_refused_in_production(staff, settings):
    settings.PMIP_ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="生产环境"):
        mint("--staff", staff["city"].username)


def test_unknown_or_non_office_account_is_refused(staff, settings):
    settings.PMIP_ENVIRONMENT = "development"
    with pytest.raises(CommandError, match="不能进入管理后台"):
        mint("--staff", "nobody")
