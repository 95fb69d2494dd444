"""业主评价 back office: list in scope, reply and edit, items and policy (city only)."""

from __future__ import annotations

import pytest
from django.test import Client

from pmip.evaluation import services
from pmip.evaluation.choices import Target
from pmip.evaluation.models import EvaluationItem, Reply
from tests.factories import login_staff

pytestmark = pytest.mark.django_db


def office(account) -> Client:
    client = Client()
    login_staff(client, account)
    return client


def evaluate(owner, project, stars=3, comment="门禁坏了"):
    return services.submit_evaluation(
        actor=owner,
        project_id=project.pk,
        target=Target.OFFICE,
        stars=stars,
        item_stars={i.pk: stars for i in EvaluationItem.objects.filter(target=Target.OFFICE, active=True)},
        comment=comment,
    )


def test_company_replies_from_the_office(city, owners, staff):
    e = evaluate(owners[0], city.projects["lianhua"])
    client = office(staff["company"])
    page = client.get("/office/evaluation/?unreplied=1")
    assert page.status_code == 200 and "门禁坏了" in page.text and "李* · 1栋" in page.text
    assert client.get(f"/office/evaluation/{e.pk}/reply/").status_code == 200
    bad = client.post(f"/office/evaluation/{e.pk}/reply/", {"body": ""})
    assert bad.status_code == 422
    done = client.post(f"/office/evaluation/{e.pk}/reply/", {"body": "已派人维修"})
    assert done.status_code == 302 and Reply.objects.get().body == "已派人维修"
    assert "修改回复" in client.get("/office/evaluation/").text
    assert office(staff["yuehai"]).get(f"/office/evaluation/{e.pk}/reply/").status_code == 404
    assert "门禁坏了" not in office(staff["yuehai"]).get("/office/evaluation/").text


def test_items_and_policy_pages(staff):
    city_client = office(staff["city"])
    assert "服务态度" in city_client.get("/office/evaluation/items/").text
    r = city_client.post(
        "/office/evaluation/items/", {"target": "office", "name": "绿化养护", "position": "6", "active": "1"}
    )
    assert r.status_code == 302 and EvaluationItem.objects.filter(name="绿化养护").exists()
    r = city_client.post(
        "/office/evaluation/policy/",
        {"prior_weight": "8", "min_count": "3", "period_months": "3", "reply_edit_hours": "24"},
    )
    assert r.status_code == 302 and services.get_policy().prior_weight == 8
    bad = city_client.post(
        "/office/evaluation/policy/",
        {"prior_weight": "x", "min_count": "3", "period_months": "3", "reply_edit_hours": "24"},
    )
    assert bad.status_code == 422
    district = office(staff["futian"])
    r = district.post(
        "/office/evaluation/policy/",
        {"prior_weight": "1", "min_count": "1", "period_months": "3", "reply_edit_hours": "24"},
    )
    assert r.status_code == 422 and services.get_policy().prior_weight == 8
