"""项目信息 (manual ch. 6) for the owner's own project: the tile, 切换小区, 业主情况, 电子投票, 物业公司, 设施设备."""

from __future__ import annotations

import pytest
from django.test import Client

from pmip.registry.models import Facility, Practitioner, SafetyInspection
from tests.identity.factories_offline import mainland_owner

pytestmark = pytest.mark.django_db


def logged_in(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


def test_tile_opens_own_project_with_switch(city, owners):
    client = logged_in(owners[0])
    r = client.get("/property/my-project/")
    assert r.status_code == 302 and r["Location"].endswith("/property/projects/440304001/")
    page = client.get(r["Location"])
    assert "切换小区" not in page.text  # only one project
    mainland_owner(city, "two", 77, project_key="haian", unit=("1", "102"))
    # the same person bound in a second project
    from pmip.identity.models import HouseBinding

    other = HouseBinding.objects.filter(project=city.projects["haian"]).first()
    other.account = owners[0]
    other.save()
    page = client.get("/property/projects/440304001/")
    assert "切换小区" in page.text
    switch = client.get("/property/my-project/switch/")
    assert "海岸城小区" in switch.text
    r = client.get(f"/property/my-project/?project={city.projects['haian'].pk}")
    assert r["Location"].endswith("/property/projects/440305001/")
    r = client.get("/property/my-project/?project=999999")  # not theirs: keeps the chosen one
    assert r["Location"].endswith("/property/projects/440305001/")
    assert Client().get("/property/my-project/").status_code == 302


def test_owner_situation_counts_without_names(city, owners):
    page = Client().get("/property/projects/440304001/owners/")
    assert page.status_code == 200
    assert "房屋 3 套，已绑定 2 套" in page.text  # 1栋: 101, 102, 201; owners bound 102 and 201
    assert "李四" not in page.text and "张三" not in page.text


def test_voting_figures_page(city):
    page = Client().get("/property/projects/440304001/voting/")
    assert page.status_code == 200 and 'data-field="meetings_held">0 次' in page.text


def test_company_section_and_facility_location(city, owners):
    project = city.projects["lianhua"]
    Practitioner.objects.create(
        company=project.company, project=project, name="周经理", role="project_manager"
    )
    page = logged_in(owners[0]).get("/property/projects/440304001/company/")
    assert "周*" in page.text and "信用等级" in page.text and "我要评价" in page.text
    assert "A（80分）" in page.text
    b = project.buildings.get(number="1")
    Facility.objects.create(project=project, building=b, kind="lift", name="1号电梯", location="1栋 1单元")
    page = Client().get("/property/projects/440304001/facilities/")
    assert "安装位置：1栋 1单元" in page.text and "1栋 1栋" not in page.text


def test_inspection_rectification_status(city):
    import datetime as dt

    project = city.projects["lianhua"]
    SafetyInspection.objects.create(
        project=project,
        inspected_on=dt.date(2026, 1, 5),
        result="rectify",
        findings="消防通道堵塞",
        rectified_on=dt.date(2026, 1, 20),
    )
    page = Client().get("/property/projects/440304001/inspections/")
    assert "消防通道堵塞" in page.text and "已整改（2026-01-20）" in page.text
