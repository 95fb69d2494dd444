"""Staff API: session auth (password + SMS), scoped reads, PATCH through update_project, problem bodies."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from pmip.audit.models import AuditEntry
from pmip.registry.models import Community, Project
from tests import factories
from tests.factories import login_staff
from tests.office.helpers import staff_login


def patch(client, code: str, payload: dict, **extra):
    return client.patch(
        f"/api/v1/office/projects/{code}", data=json.dumps(payload), content_type="application/json", **extra
    )


def snapshot(code: str) -> tuple:
    p = Project.objects.get(code=code)
    return (p.name, p.address, p.service_phone, p.company_id, p.community_id, p.updated_at)


def test_anonymous_gets_a_401_problem(client, city):
    for response in (client.get("/api/v1/office/projects"), patch(client, "440304001", {"name": "X"})):
        assert response.status_code == 401
        assert response.json() == {"code": "unauthenticated", "message": "请先登录管理后台。", "status": 401}
    assert Project.objects.get(code="440304001").name == "莲花山庄"


def test_owner_session_is_not_staff(client, city):
    owner = factories.account("owner3", mobile="+8613700003333")
    client.force_login(owner)
    assert client.get("/api/v1/office/projects").status_code == 401


def test_password_step_alone_does_not_authenticate(client, staff):
    client.post("/office/login/", {"username": "staff_city", "password": factories.STAFF_PASSWORD})
    assert client.get("/api/v1/office/projects").status_code == 401


def test_full_log_in_opens_the_api(client, staff):
    staff_login(client, staff["yuehai"])
    body = client.get("/api/v1/office/projects").json()
    assert (body["count"], [i["code"] for i in body["items"]]) == (1, ["440305001"])


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("city", ["440304001", "440304002", "440304101", "440305001"]),
        ("futian", ["440304001", "440304002", "440304101"]),
        ("lianhua", ["440304001", "440304002"]),
        ("yuehai", ["440305001"]),
        ("committee", ["440304001"]),
        ("company", ["440304001", "440304101"]),
    ],
)
def test_scoped_list(client, staff, role, visible):
    login_staff(client, staff[role])
    body = client.get("/api/v1/office/projects").json()
    assert body["count"] == len(visible)
    assert [i["code"] for i in body["items"]] == visible


def test_scoped_detail_exact_values(client, city, staff):
    login_staff(client, staff["futian"])
    response = client.get("/api/v1/office/projects/440304101")
    assert response.status_code == 200
    body = response.json()
    project = city.projects["xiangmi"]
    assert body == {
        "code": "440304101",
        "name": "香蜜花园",
        "district": "福田区",
        "district_code": "440304",
        "subdistrict": "香蜜湖街道",
        "community": "香蜜湖社区",
        "community_id": project.community_id,
        "address": "深圳市福田区香蜜湖街道香蜜花园",
        "service_phone": "0755-88881234",
        "company": "深圳市万家物业服务有限公司",
        "company_credit_code": "91440300MA5F000001",
        "updated_at": body["updated_at"],
        "can_edit": False,
    }
    assert body["updated_at"].startswith(project.updated_at.isoformat()[:19])


def test_out_of_scope_read_and_patch_are_404_and_change_nothing(client, city, staff):
    before = snapshot("440304001")
    login_staff(client, staff["yuehai"])
    expected = {"code": "not_found", "message": "未找到该物业项目，或不在您的管辖范围内。", "status": 404}
    read = client.get("/api/v1/office/projects/440304001")
    assert (read.status_code, read.json()) == (404, expected)
    missing = client.get("/api/v1/office/projects/999999999")
    assert (missing.status_code, missing.json()) == (404, expected)
    write = patch(client, "440304001", {"name": "被篡改的名称"})
    assert (write.status_code, write.json()) == (404, expected)
    assert snapshot("440304001") == before
    assert AuditEntry.objects.filter(action="registry.project.updated").count() == 0


def test_view_only_role_cannot_patch(client, city, staff):
    before = snapshot("440304001")
    login_staff(client, staff["company"])
    response = patch(client, "440304001", {"name": "X"})
    assert response.status_code == 404
    assert snapshot("440304001") == before
    assert AuditEntry.objects.count() == 0


def test_patch_changes_only_given_fields_and_writes_one_audit_entry(client, city, staff):
    second = Community.objects.create(subdistrict=city.subdistricts["yuehai"], name="科技园社区")
    login_staff(client, staff["yuehai"])
    response = patch(
        client,
        "440305001",
        {"service_phone": "0755-26660000", "company_credit_code": None, "community_id": second.pk},
    )
    assert response.status_code == 200
    body = response.json()
    assert {
        k: body[k]
        for k in ("name", "service_phone", "company", "company_credit_code", "community", "community_id")
    } == {
        "name": "海岸城小区",
        "service_phone": "0755-26660000",
        "company": None,
        "company_credit_code": None,
        "community": "科技园社区",
        "community_id": second.pk,
    }
    saved = Project.objects.get(code="440305001")
    assert (saved.name, saved.service_phone, saved.company_id, saved.community_id) == (
        "海岸城小区",
        "0755-26660000",
        None,
        second.pk,
    )
    entry = AuditEntry.objects.get(action="registry.project.updated")
    assert entry.actor_id == staff["yuehai"].pk
    assert entry.data["fields"] == ["service_phone", "company", "community"]
    assert entry.data["changes"]["company"] == {
        "old": {"id": city.companies["anju"].pk, "name": "深圳市安居物业管理有限公司"},
        "new": None,
    }


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"name": ""}, "name", "请填写项目名称。"),
        (
            {"service_phone": "call us"},
            "service_phone",
            "客服电话格式不正确，请填写数字，可含区号和“-”，例如 0755-88881234。",
        ),
        (
            {"company_credit_code": "91440300MA5F999999"},
            "company_credit_code",
            "未找到该统一社会信用代码对应的物业服务企业。",
        ),
        ({"community_id": "lianhua"}, None, None),
        ({"unknown_field": 1}, None, None),
        ({"name": "长" * 101}, None, None),
    ],
)
def test_invalid_patch_is_a_422_problem_and_changes_nothing(client, city, staff, payload, field, message):
    before = snapshot("440304001")
    login_staff(client, staff["lianhua"])
    response = patch(client, "440304001", payload)
    assert response.status_code == 422
    body = response.json()
    assert (body["status"], body["code"] in ("invalid",)) == (422, True)
    if field:
        assert body == {"code": "invalid", "message": message, "status": 422, "field": field}
    else:
        assert body["message"].startswith("请求参数不正确，请检查后重试。")
    assert snapshot("440304001") == before
    assert AuditEntry.objects.count() == 0


def test_community_of_another_subdistrict_is_refused(client, city, staff):
    foreign = Community.objects.get(subdistrict=city.subdistricts["yuehai"])
    login_staff(client, staff["lianhua"])
    response = patch(client, "440304001", {"community_id": foreign.pk})
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": "所选社区不属于该项目所在的街道。",
        "status": 422,
        "field": "community",
    }


def test_patch_needs_the_csrf_token(city, staff):
    client = Client(enforce_csrf_checks=True)
    login_staff(client, staff["lianhua"])
    response = patch(client, "440304001", {"name": "新名称"})
    assert response.status_code == 403
    assert response.json() == {
        "code": "csrf_failed",
        "message": "安全校验失败，请刷新页面后重试。",
        "status": 403,
    }
    assert Project.objects.get(code="440304001").name == "莲花山庄"
    client.get("/office/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    ok = patch(client, "440304001", {"name": "新名称"}, HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 200
    assert Project.objects.get(code="440304001").name == "新名称"
