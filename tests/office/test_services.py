"""The services check permission themselves, whatever the caller passes."""

from __future__ import annotations

import pytest

from pmip.audit.models import AuditEntry
from pmip.core.errors import NotFound, ValidationFailed
from pmip.identity.models import AccountKind
from pmip.identity.services import may_enter_office
from pmip.registry.models import Community, Project
from pmip.registry.services import update_project
from tests import factories


def snapshot(code: str) -> tuple:
    p = Project.objects.get(code=code)
    return (p.name, p.address, p.service_phone, p.company_id, p.community_id, p.updated_at)


@pytest.mark.parametrize("role", ["yuehai", "futian", "company"])
def test_update_project_refuses_actors_without_edit_scope(city, staff, role):
    before = snapshot("440304001")
    with pytest.raises(NotFound) as exc:
        update_project(actor=staff[role], project=city.projects["lianhua"], name="被篡改的名称")
    assert exc.value.message == "未找到该物业项目，或不在您的管辖范围内。"
    assert snapshot("440304001") == before
    assert AuditEntry.objects.count() == 0


def test_update_project_refuses_accounts_without_roles(city):
    owner = factories.account("owner5", mobile="+8613700005555")
    with pytest.raises(NotFound):
        update_project(actor=owner, project=city.projects["lianhua"], name="X")
    assert Project.objects.get(code="440304001").name == "莲花山庄"


def test_update_project_changes_only_given_fields(city, staff):
    project = update_project(actor=staff["city"], project=city.projects["haian"], name="  海岸城   花园 ")
    assert (project.name, project.address, project.service_phone) == (
        "海岸城 花园",
        "深圳市南山区粤海街道海岸城小区",
        "0755-88881234",
    )
    assert project.company_id == city.companies["anju"].pk
    entry = AuditEntry.objects.get()
    assert entry.data == {
        "fields": ["name"],
        "changes": {"name": {"old": "海岸城小区", "new": "海岸城 花园"}},
    }


def test_update_project_checks_the_community_belongs_to_the_subdistrict(city, staff):
    foreign = Community.objects.get(subdistrict=city.subdistricts["lianhua"])
    with pytest.raises(ValidationFailed) as exc:
        update_project(actor=staff["city"], project=city.projects["haian"], community=foreign)
    assert (exc.value.field, exc.value.message) == ("community", "所选社区不属于该项目所在的街道。")
    assert AuditEntry.objects.count() == 0


def test_update_project_can_clear_company_and_community(city, staff):
    project = update_project(
        actor=staff["yuehai"], project=city.projects["haian"], company=None, community=None
    )
    assert (project.company_id, project.community_id) == (None, None)
    assert AuditEntry.objects.get().data["fields"] == ["company", "community"]


def test_who_may_enter_the_back_office(city, staff):
    assert may_enter_office(staff["company"]) is True
    roleless = factories.account("staff_x", kind=AccountKind.STAFF, mobile="+8613700001000")
    owner = factories.account("owner_x", mobile="+8613700001001")
    superuser = factories.account("root_x", kind=AccountKind.OPERATOR, mobile="+8613700001002")
    superuser.is_superuser = True
    superuser.save()
    # Being a superuser grants nothing in the back office: only StaffRole rows do (issue 8, item 1).
    assert (may_enter_office(roleless), may_enter_office(owner), may_enter_office(superuser)) == (
        False,
        False,
        False,
    )
    inactive = staff["city"]
    inactive.is_active = False
    inactive.save()
    assert may_enter_office(inactive) is False
