"""/ops/ (Django admin) under the one staff log-in policy (issue 8, item 1).

Before: demo_ops + password opened /ops/ without the SMS code and without lock-out; that session entered /office/
and /api/v1/office/ (superuser); the admin's role inline granted roles without an audit entry.
"""

from __future__ import annotations

import pytest

from pmip.audit.models import AuditEntry
from pmip.identity.models import AccountKind, ScopeLevel, StaffRole
from pmip.integrations.sms import EmbeddedSmsBackend
from tests import factories
from tests.office.helpers import LOGIN_URL, VERIFY_URL, last_code, submit_password


@pytest.fixture(autouse=True)
def _sms(settings, tmp_path):
    settings.PMIP_SMS_OUTBOX_FILE = tmp_path / "sms-outbox.log"
    settings.PMIP_SMS_BACKEND = "embedded"
    EmbeddedSmsBackend.sent.clear()
    yield
    EmbeddedSmsBackend.sent.clear()


@pytest.fixture
def operator(db):
    account = factories.account("ops_x", kind=AccountKind.OPERATOR, mobile="+8613700009999")
    account.is_staff = account.is_superuser = True
    account.save()
    return account


def ops_login(client, account):
    first = client.post(
        LOGIN_URL, {"username": account.username, "password": factories.STAFF_PASSWORD, "next": "/ops/"}
    )
    assert first.status_code == 302 and first["Location"] == VERIFY_URL
    return client.post(VERIFY_URL, {"code": last_code(account)})


def test_ops_has_no_login_form_of_its_own(client, operator):
    response = client.get("/ops/login/?next=/ops/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN_URL)
    # the admin's password form is gone: posting a password to it logs nobody in
    client.post("/ops/login/", {"username": operator.username, "password": factories.STAFF_PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get("/ops/").status_code == 302


def test_ops_needs_the_sms_code(client, operator):
    first = submit_password(client, operator)
    assert first.status_code == 302 and first["Location"] == VERIFY_URL
    assert client.get("/ops/").status_code == 302  # password alone: no way in
    done = client.post(VERIFY_URL, {"code": last_code(operator)})
    assert done.status_code == 302 and done["Location"] == "/ops/"
    assert client.get("/ops/").status_code == 200
    assert AuditEntry.objects.filter(action="identity.staff.logged_in", actor=operator).count() == 1


def test_a_session_without_the_second_factor_is_refused(client, operator):
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/ops/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_ops_login_locks_after_five_wrong_passwords(client, operator):
    for _ in range(5):
        submit_password(client, operator, password="wrong-password")
    locked = submit_password(client, operator)
    assert "登录失败次数过多" in locked.content.decode()
    assert len(EmbeddedSmsBackend.sent) == 0


def test_superuser_without_roles_gets_nothing_in_the_office(client, operator, city):
    ops_login(client, operator)
    assert client.get("/ops/").status_code == 200
    assert client.get("/office/").status_code == 403
    assert client.get("/office/projects/").status_code == 403
    assert client.get("/api/v1/office/projects").status_code in (401, 403)


def test_role_granted_in_the_admin_is_audited(client, operator, city):
    ops_login(client, operator)
    target = factories.account("staff_new", kind=AccountKind.STAFF, mobile="+8613700009998")
    url = f"/ops/identity/account/{target.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "staff_roles-TOTAL_FORMS": "1",
            "staff_roles-INITIAL_FORMS": "0",
            "staff_roles-MIN_NUM_FORMS": "0",
            "staff_roles-MAX_NUM_FORMS": "1000",
            "staff_roles-0-level": ScopeLevel.CITY,
            "staff_roles-0-can_edit": "on",
            "staff_roles-0-title": "市住建局",
            "is_active": "on",
        }
    )
    data.pop("password", None)
    data.pop("last_login", None)
    data.pop("date_joined", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    role = StaffRole.objects.get(account=target)
    entry = AuditEntry.objects.get(action="identity.role.granted")
    assert entry.actor == operator and entry.object_id == str(target.pk)
    assert entry.data == {"account": target.pk, "level": "city", "scope": None, "can_edit": True}
    assert role.can_edit

    # making the account a superuser is audited too
    data.update(
        {"staff_roles-TOTAL_FORMS": "1", "staff_roles-INITIAL_FORMS": "1", "staff_roles-0-id": str(role.pk)}
    )
    data.update({"staff_roles-0-account": str(target.pk), "is_staff": "on", "is_superuser": "on"})
    response = client.post(url, data)
    assert response.status_code == 302
    flags = AuditEntry.objects.get(action="identity.account.flags_changed")
    assert flags.data["after"]["is_superuser"] is True and flags.data["before"]["is_superuser"] is False
    target.refresh_from_db()
    assert target.is_superuser


def test_role_services_refuse_non_operators(city, staff):
    from pmip.core.errors import PermissionDenied
    from pmip.identity import roles

    with pytest.raises(PermissionDenied):
        roles.grant_role(actor=staff["city"], account=staff["company"], level=ScopeLevel.CITY)
    assert not AuditEntry.objects.filter(action="identity.role.granted").exists()
