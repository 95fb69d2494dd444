"""项目信息: 基础信息 fields exact, the sub-menu, the read-only registry sections, Chinese 404 for unknown codes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pmip.portal.menus import PROJECT_SECTIONS
from pmip.registry.choices import (
    CommitteeKind,
    CommitteeRole,
    FacilityKind,
    InspectionResult,
    PractitionerRole,
)
from pmip.registry.models import (
    Committee,
    CommitteeMember,
    Facility,
    PartyBranch,
    Practitioner,
    Project,
    SafetyInspection,
)
from tests.portal.helpers import fields, hrefs, text


def detail(client, code):
    return client.get(reverse("portal:project_detail", args=[code]))


def section(client, code, slug):
    return client.get(reverse("portal:project_section", args=[code, slug]))


def test_basic_information_fields_exact(client, city):
    response = detail(client, "440304001")
    assert response.status_code == 200
    body = response.content.decode()
    assert fields(body) == {
        "code": "440304001",
        "district": "福田区",
        "subdistrict": "莲花街道",
        "community": "莲花社区",
        "address": "深圳市福田区莲花街道莲花山庄",
        "service_phone": "0755-88881234",
        "company": "深圳市万家物业服务有限公司",
    }
    assert 'href="tel:0755-88881234"' in body
    assert "<title>莲花山庄</title>" in body


def test_missing_optional_fields_say_not_registered(client, city):
    Project.objects.filter(code="440305001").update(service_phone="", company=None, community=None)
    got = fields(detail(client, "440305001").content.decode())
    assert (got["service_phone"], got["company"], got["community"]) == ("未登记", "未登记", "未登记")


def test_unknown_code_is_404_in_chinese(client, city):
    response = detail(client, "999999999")
    assert response.status_code == 404
    body = response.content.decode()
    assert "未找到该物业项目。" in body
    assert reverse("portal:project_search") in hrefs(body)


def test_detail_has_the_project_info_submenu(client, city):
    body = detail(client, "440304001").content.decode()
    titles = ["基础信息", "物业公司", "业主委员会", "党支部", "业主情况", "安全检查", "电子投票", "设施设备"]
    assert [s.title for s in PROJECT_SECTIONS] == titles
    for title in titles:
        assert f'<p class="weui-grid__label">{title}</p>' in body
    for slug in ["company", "committee", "party-branch", "owners", "inspections", "voting", "facilities"]:
        url = reverse("portal:project_section", args=["440304001", slug])
        assert url in hrefs(body)
        assert section(client, "440304001", slug).status_code == 200, slug


def test_detail_query_count(client, city, django_assert_max_num_queries):
    # 1 read of the project; the other 6 are the shared cache's round trips (the database cache in tests and in
    # the embedded default: read item + generation, create the generation, store the item)
    with django_assert_max_num_queries(7):
        assert detail(client, "440304001").status_code == 200


@pytest.mark.parametrize("slug", ["owners", "voting"])
def test_every_section_is_built(client, city, slug):
    body = section(client, "440304001", slug).content.decode()
    assert "功能建设中" not in body
    assert reverse("portal:project_detail", args=["440304001"]) in hrefs(body)


def test_unknown_section_and_unknown_project_section_are_404(client, city):
    assert section(client, "440304001", "nothing").status_code == 404
    assert section(client, "440304001", "basic").status_code == 404
    response = section(client, "000", "company")
    assert response.status_code == 404
    assert "未找到该物业项目。" in response.content.decode()


def test_company_section_masks_people(client, city):
    project = city.projects["lianhua"]
    Practitioner.objects.create(
        company=city.companies["wanjia"],
        project=project,
        name="李四海",
        role=PractitionerRole.PROJECT_MANAGER,
    )
    # someone of another company on the same project is not shown as this company's staff
    Practitioner.objects.create(company=city.companies["anju"], project=project, name="王五", role="engineer")
    body = section(client, "440304001", "company").content.decode()
    got = fields(body)
    assert got["company_name"] == "深圳市万家物业服务有限公司"
    assert got["credit_code"] == "91440300MA5F000001"
    assert got["company_phone"] == "0755-80000001"
    assert got["company_address"] == "未登记"
    assert "李**" in body and "项目负责人" in body
    assert "李四海" not in body
    assert "王*" not in body and "王五" not in body


def test_company_section_without_company(client, city):
    Project.objects.filter(code="440304002").update(company=None)
    assert "本项目暂未登记物业服务企业" in section(client, "440304002", "company").content.decode()


def test_committee_section_empty(client, city):
    assert "本小区尚未成立业主委员会" in section(client, "440304001", "committee").content.decode()


def test_committee_section_shows_latest_term_with_masked_members(client, city):
    project = city.projects["lianhua"]
    Committee.objects.create(project=project, term_start=dt.date(2015, 1, 1), term_end=dt.date(2020, 1, 1))
    current = Committee.objects.create(
        project=project,
        kind=CommitteeKind.COMMITTEE,
        term_start=dt.date(2021, 3, 1),
        term_end=dt.date(2099, 2, 28),
        filing_no="福莲备字2021-01",
    )
    CommitteeMember.objects.create(
        committee=current, name="欧阳小明", role=CommitteeRole.CHAIR, phone="+8613800000000"
    )
    CommitteeMember.objects.create(committee=current, name="陈红", role=CommitteeRole.MEMBER)
    body = section(client, "440304001", "committee").content.decode()
    got = fields(body)
    assert got["committee_term"] == "2021年3月1日 至 2099年2月28日"
    assert got["committee_filing"] == "福莲备字2021-01"
    assert "欧阳**" in body and "陈*" in body
    assert "欧阳小明" not in body and "陈红" not in body and "13800000000" not in body
    assert "任期已届满" not in body


def test_committee_term_ended_is_marked(client, city):
    Committee.objects.create(
        project=city.projects["lianhua"], term_start=dt.date(2015, 1, 1), term_end=dt.date(2020, 1, 1)
    )
    assert "任期已届满" in section(client, "440304001", "committee").content.decode()


def test_party_branch_section(client, city):
    PartyBranch.objects.create(
        project=city.projects["lianhua"],
        name="莲花山庄小区党支部",
        secretary="赵六",
        members_count=23,
        established_on=dt.date(2019, 7, 1),
    )
    body = section(client, "440304001", "party-branch").content.decode()
    assert fields(body) == {
        "branch_name": "莲花山庄小区党支部",
        "branch_secretary": "赵*",
        "branch_members": "23",
        "branch_established": "2019年7月1日",
    }
    assert "本小区暂未登记党支部" in section(client, "440304002", "party-branch").content.decode()


def test_inspections_section_newest_first(client, city):
    project = city.projects["lianhua"]
    SafetyInspection.objects.create(
        project=project, inspected_on=dt.date(2024, 3, 1), result=InspectionResult.PASSED
    )
    SafetyInspection.objects.create(
        project=project,
        inspected_on=dt.date(2025, 5, 6),
        result=InspectionResult.RECTIFY,
        findings="消防通道堆放杂物",
    )
    body = text(section(client, "440304001", "inspections").content.decode())
    assert "安全检查记录（共 2 条）" in body
    assert body.index("2025年5月6日") < body.index("2024年3月1日")
    assert "2025年5月6日 检查发现：消防通道堆放杂物 整改状态：整改中 限期整改" in body
    assert "本小区暂无安全检查记录" in section(client, "440304002", "inspections").content.decode()


def test_facilities_section(client, city):
    project = city.projects["lianhua"]
    building = project.buildings.get(number="1")
    Facility.objects.create(
        project=project, building=building, kind=FacilityKind.LIFT, name="1号客梯", location="1栋大堂东侧"
    )
    body = text(section(client, "440304001", "facilities").content.decode())
    assert "设施设备（共 1 项）" in body
    assert "1号客梯 安装位置：1栋大堂东侧 电梯" in body  # the building is not repeated


def test_facilities_paginated_without_n_plus_one(client, city, django_assert_max_num_queries):
    project = city.projects["lianhua"]
    building = project.buildings.get(number="1")
    Facility.objects.bulk_create(
        Facility(
            project=project,
            building=building,
            kind=FacilityKind.FIRE,
            name=f"灭火器{n:02d}",
            location="地下车库",
        )
        for n in range(1, 26)
    )
    # 3 reads + the shared cache's 6 round trips (the database cache in tests)
    with django_assert_max_num_queries(9):
        first = section(client, "440304001", "facilities").content.decode()
    assert text(first).count("灭火器") == 20
    second = client.get(reverse("portal:project_section", args=["440304001", "facilities"]), {"page": 2})
    assert text(second.content.decode()).count("灭火器") == 5
