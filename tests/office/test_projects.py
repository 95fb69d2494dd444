"""Registry browsing and editing in the back office: scopes, 404 outside them, audit of edits, no N+1."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmip.audit.models import AuditEntry
from pmip.registry.models import Building, Community, Project
from tests import factories
from tests.factories import login_staff

ALL = ["440304001", "440304002", "440304101", "440305001"]
NOT_FOUND = "未找到该物业项目，或不在您的管辖范围内。"


def codes(response) -> list[str]:
    return [p.code for p in response.context["page"].object_list]


def edit_data(project: Project, **changes) -> dict:
    data = {
        "name": project.name,
        "address": project.address,
        "service_phone": project.service_phone,
        "company_credit_code": project.company.credit_code if project.company else "",
        "community": project.community_id or "",
    }
    data.update(changes)
    return data


def snapshot(code: str) -> tuple:
    p = Project.objects.get(code=code)
    return (p.name, p.address, p.service_phone, p.company_id, p.community_id, p.updated_at)


@pytest.mark.parametrize(
    ("role", "visible", "editable"),
    [
        ("city", ALL, ALL),
        ("futian", ["440304001", "440304002", "440304101"], []),
        ("lianhua", ["440304001", "440304002"], ["440304001", "440304002"]),
        ("yuehai", ["440305001"], ["440305001"]),
        ("committee", ["440304001"], ["440304001"]),
        ("company", ["440304001", "440304101"], []),
    ],
)
def test_each_scope_sees_exactly_its_projects(client, staff, role, visible, editable):
    login_staff(client, staff[role])
    response = client.get("/office/projects/")
    assert response.status_code == 200
    assert codes(response) == visible
    assert sorted(response.context["editable_ids"]) == sorted(
        Project.objects.filter(code__in=editable).values_list("pk", flat=True)
    )
    dashboard = client.get("/office/")
    assert dashboard.context["project_count"] == len(visible)
    assert dashboard.context["editable_count"] == len(editable)
    for code in ALL:
        detail = client.get(f"/office/projects/{code}/")
        assert detail.status_code == (200 if code in visible else 404), code
        edit = client.get(f"/office/projects/{code}/edit/")
        assert edit.status_code == (200 if code in editable else 404), code


def test_search_and_district_filter(client, staff):
    login_staff(client, staff["city"])
    assert codes(client.get("/office/projects/?q=lhsz")) == ["440304001"]
    assert codes(client.get("/office/projects/?q=景华")) == ["440304002"]
    assert codes(client.get("/office/projects/?district=440305")) == ["440305001"]
    empty = client.get("/office/projects/?q=不存在的小区")
    assert codes(empty) == []
    assert "没有符合条件的物业项目" in empty.content.decode()
    login_staff(client, staff["lianhua"])
    assert codes(client.get("/office/projects/?district=440305")) == []


def test_project_list_is_paginated(client, city, staff):
    for n in range(21):
        factories.project(
            code=f"440304{500 + n}", name=f"测试花园{n:02d}", subdistrict=city.subdistricts["lianhua"]
        )
    login_staff(client, staff["lianhua"])
    first = client.get("/office/projects/")
    assert first.context["page"].paginator.count == 23
    assert len(codes(first)) == 20
    second = client.get("/office/projects/?page=2")
    assert codes(second) == ["440304518", "440304519", "440304520"]
    assert "第 2 / 2 页" in second.content.decode()


def test_out_of_scope_project_is_not_found_by_url(client, city, staff):
    login_staff(client, staff["yuehai"])
    building = city.projects["lianhua"].buildings.get(number="1")
    for url in (
        "/office/projects/440304001/",
        "/office/projects/440304001/edit/",
        f"/office/projects/440304001/buildings/{building.pk}/",
        "/office/projects/999999999/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert NOT_FOUND in response.content.decode()


def test_building_of_another_project_is_not_found(client, city, staff):
    login_staff(client, staff["lianhua"])
    foreign = city.projects["haian"].buildings.get(number="1")
    response = client.get(f"/office/projects/440304001/buildings/{foreign.pk}/")
    assert response.status_code == 404
    assert "未找到该楼栋。" in response.content.decode()


def test_out_of_scope_edit_by_form_post_changes_nothing(client, city, staff):
    before = snapshot("440304001")
    login_staff(client, staff["yuehai"])
    response = client.post(
        "/office/projects/440304001/edit/", edit_data(city.projects["lianhua"], name="被篡改的名称")
    )
    assert response.status_code == 404
    assert snapshot("440304001") == before
    assert AuditEntry.objects.filter(action="registry.project.updated").count() == 0


def test_view_only_roles_cannot_edit_their_projects(client, city, staff):
    before = snapshot("440304001")
    for role in ("futian", "company"):
        login_staff(client, staff[role])
        response = client.post(
            "/office/projects/440304001/edit/", edit_data(city.projects["lianhua"], name="X")
        )
        assert response.status_code == 404, role
    assert snapshot("440304001") == before
    assert AuditEntry.objects.filter(action="registry.project.updated").count() == 0


def test_committee_edits_its_own_project_only(client, city, staff):
    login_staff(client, staff["committee"])
    ok = client.post(
        "/office/projects/440304001/edit/",
        edit_data(city.projects["lianhua"], address="深圳市福田区红荔路1号"),
    )
    assert ok.status_code == 302
    assert Project.objects.get(code="440304001").address == "深圳市福田区红荔路1号"
    before = snapshot("440304002")
    refused = client.post("/office/projects/440304002/edit/", edit_data(city.projects["jinghua"], name="X"))
    assert refused.status_code == 404
    assert snapshot("440304002") == before
    assert AuditEntry.objects.filter(action="registry.project.updated").count() == 1


def test_edit_writes_exactly_one_audit_entry_with_old_and_new_values(client, city, staff):
    project = city.projects["jinghua"]
    anju, wanjia = city.companies["anju"], city.companies["wanjia"]
    login_staff(client, staff["lianhua"])
    response = client.post(
        "/office/projects/440304002/edit/",
        edit_data(
            project,
            name="景华苑（一期）",
            service_phone="0755-83330000",
            company_credit_code="91440300ma5f000001",
        ),
    )
    assert response.status_code == 302 and response["Location"] == "/office/projects/440304002/"
    saved = Project.objects.get(code="440304002")
    assert (saved.name, saved.name_initials, saved.service_phone, saved.company_id) == (
        "景华苑（一期）",
        "jhyyq",
        "0755-83330000",
        wanjia.pk,
    )
    assert saved.address == "深圳市福田区莲花街道景华苑"
    entry = AuditEntry.objects.get(action="registry.project.updated")
    assert (entry.actor_id, entry.project_id, entry.object_type, entry.object_id) == (
        staff["lianhua"].pk,
        project.pk,
        "registry.project",
        str(project.pk),
    )
    assert entry.data == {
        "fields": ["name", "service_phone", "company"],
        "changes": {
            "name": {"old": "景华苑", "new": "景华苑（一期）"},
            "service_phone": {"old": "0755-88881234", "new": "0755-83330000"},
            "company": {
                "old": {"id": anju.pk, "name": "深圳市安居物业管理有限公司"},
                "new": {"id": wanjia.pk, "name": "深圳市万家物业服务有限公司"},
            },
        },
    }
    detail = client.get("/office/projects/440304002/").content.decode()
    assert "基础信息已保存。" in detail
    assert "修改基础信息" in detail
    assert "景华苑 → 景华苑（一期）" in detail
    assert "深圳市安居物业管理有限公司 → 深圳市万家物业服务有限公司" in detail


def test_community_can_be_changed_within_the_subdistrict_only(client, city, staff):
    project = city.projects["jinghua"]
    second = Community.objects.create(subdistrict=city.subdistricts["lianhua"], name="景田社区")
    foreign = Community.objects.get(subdistrict=city.subdistricts["yuehai"])
    login_staff(client, staff["lianhua"])
    refused = client.post("/office/projects/440304002/edit/", edit_data(project, community=foreign.pk))
    assert refused.status_code == 200
    assert refused.context["form"].errors["community"] == ["所选社区不属于该项目所在的街道。"]
    assert Project.objects.get(code="440304002").community_id == project.community_id
    ok = client.post("/office/projects/440304002/edit/", edit_data(project, community=second.pk))
    assert ok.status_code == 302
    assert Project.objects.get(code="440304002").community_id == second.pk
    entry = AuditEntry.objects.get(action="registry.project.updated")
    assert entry.data["changes"] == {
        "community": {
            "old": {"id": project.community_id, "name": "莲花社区"},
            "new": {"id": second.pk, "name": "景田社区"},
        }
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("service_phone", "客服热线", "客服电话格式不正确，请填写数字，可含区号和“-”，例如 0755-88881234。"),
        ("company_credit_code", "91440300MA5F999999", "未找到该统一社会信用代码对应的物业服务企业。"),
        ("name", "   ", "请填写项目名称。"),
    ],
)
def test_invalid_edit_shows_the_error_and_writes_nothing(client, city, staff, field, value, message):
    before = snapshot("440304002")
    login_staff(client, staff["lianhua"])
    response = client.post(
        "/office/projects/440304002/edit/", edit_data(city.projects["jinghua"], **{field: value})
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert snapshot("440304002") == before
    assert AuditEntry.objects.filter(action="registry.project.updated").count() == 0


def test_saving_without_changes_writes_nothing(client, city, staff):
    before = snapshot("440304002")
    login_staff(client, staff["lianhua"])
    response = client.post(
        "/office/projects/440304002/edit/", edit_data(city.projects["jinghua"]), follow=True
    )
    assert "未作任何修改。" in response.content.decode()
    assert snapshot("440304002") == before
    assert AuditEntry.objects.filter(action="registry.project.updated").count() == 0


def test_detail_shows_building_counts_and_areas(client, staff):
    login_staff(client, staff["city"])
    response = client.get("/office/projects/440304001/")
    buildings = response.context["buildings"]
    assert [(b.number, b.unit_count, b.total_area) for b in buildings] == [
        ("1", 3, Decimal("298.75")),
        ("2", 2, Decimal("135.10")),
    ]
    assert response.context["unit_total"] == 5
    assert response.context["area_total"] == Decimal("433.85")
    assert "共 2 栋，5 套房屋，专有部分面积合计 433.85 ㎡" in response.content.decode()


def test_detail_query_count_does_not_grow_with_buildings(client, city, staff):
    login_staff(client, staff["city"])
    client.get("/office/projects/440304001/")  # warm up (session, content types)
    with CaptureQueriesContext(connection) as small:
        client.get("/office/projects/440304001/")
    for n in range(3, 11):
        factories.building(city.projects["lianhua"], str(n), units=[("101", "50.00"), ("102", "60.00")])
    with CaptureQueriesContext(connection) as large:
        response = client.get("/office/projects/440304001/")
    assert len(response.context["buildings"]) == 10
    assert len(large) == len(small)


def test_units_of_a_building_are_paginated(client, city, staff, django_assert_max_num_queries):
    project = city.projects["lianhua"]
    rooms = [(f"{floor}{n:02d}", "80.00") for floor in range(1, 13) for n in range(1, 6)]
    building = factories.building(project, "3", units=rooms, floors=12)
    login_staff(client, staff["lianhua"])
    url = f"/office/projects/440304001/buildings/{building.pk}/"
    client.get(url)
    with django_assert_max_num_queries(12):
        first = client.get(url)
    page = first.context["page"]
    assert page.paginator.count == 60 and len(page.object_list) == 50
    assert first.context["area_total"] == Decimal("4800.00")
    second = client.get(url + "?page=2")
    assert [u.number for u in second.context["page"].object_list] == [
        "1101", "1102", "1103", "1104", "1105", "1201", "1202", "1203", "1204", "1205",
    ]  # fmt: skip
    assert Building.objects.get(pk=building.pk).units.count() == 60
