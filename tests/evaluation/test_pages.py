"""评价小区 owner pages: evaluate, records, details, stats, ranking and its method page."""

from __future__ import annotations

import pytest
from django.test import Client

from pmip.evaluation import services
from pmip.evaluation.choices import Target
from pmip.evaluation.models import Evaluation, EvaluationItem

pytestmark = pytest.mark.django_db


def logged_in(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


def form(stars=4, comment=""):
    data = {"stars": str(stars), "comment": comment}
    for item in EvaluationItem.objects.filter(target=Target.OFFICE, active=True):
        data[f"item_{item.pk}"] = str(stars)
    return data


def test_evaluate_flow_and_records(city, owners):
    project = city.projects["lianhua"]
    client = logged_in(owners[0])
    page = client.get("/evaluation/choose/")
    assert page.status_code == 200 and "莲花山庄" in page.text
    page = client.get(f"/evaluation/projects/{project.pk}/")
    assert "物业管理处" in page.text and "本小区尚未成立业主委员会" in page.text
    page = client.get(f"/evaluation/projects/{project.pk}/office/rate/")
    assert page.status_code == 200 and "服务态度" in page.text
    response = client.post(f"/evaluation/projects/{project.pk}/office/rate/", form(5, "很满意"))
    assert response.status_code == 302
    assert Evaluation.objects.get().stars == 5
    records = client.get("/evaluation/records/")
    assert "很满意" in records.text and "莲花山庄" in records.text
    details = client.get(f"/evaluation/projects/{project.pk}/office/details/")
    assert "李* · 1栋" in details.text and "李四" not in details.text
    stats = client.get(f"/evaluation/projects/{project.pk}/office/stats/")
    assert stats.status_code == 200 and "1 人评价" in stats.text


def test_bad_form_is_422_and_keeps_input(city, owners):
    project = city.projects["lianhua"]
    client = logged_in(owners[0])
    data = form(5, "保留我的意见")
    data["stars"] = "9"
    response = client.post(f"/evaluation/projects/{project.pk}/office/rate/", data)
    assert response.status_code == 422 and "保留我的意见" in response.text
    assert not Evaluation.objects.exists()


def test_other_project_is_404_and_anonymous_redirected(city, owners):
    client = logged_in(owners[0])
    other = city.projects["haian"]
    assert client.get(f"/evaluation/projects/{other.pk}/").status_code == 404
    assert client.get(f"/evaluation/projects/{other.pk}/office/details/").status_code == 404
    assert Client().get("/evaluation/records/").status_code == 302
    assert client.get(f"/evaluation/projects/{other.pk}/nonsense/rate/").status_code == 404


def test_ranking_public_and_method(city, owners, staff):
    services.update_policy(
        actor=staff["city"], prior_weight=10, min_count=1, period_months=3, reply_edit_hours=24
    )
    project = city.projects["lianhua"]
    logged_in(owners[0]).post(f"/evaluation/projects/{project.pk}/office/rate/", form(4))
    page = Client().get("/evaluation/ranking/?kind=project")
    assert page.status_code == 200 and "莲花山庄" in page.text and 'data-rank="1"' in page.text
    assert "4.00" in page.text
    assert Client().get("/evaluation/ranking/?kind=company").status_code == 200
    assert Client().get("/evaluation/ranking/?kind=bogus&period=xx&page=zz").status_code == 200
    method = Client().get("/evaluation/ranking/method/")
    assert 'data-setting="min_count">1<' in method.text


def test_menus_have_no_pending_evaluation_entries(client):
    page = client.get("/property/mine/")
    assert "/evaluation/" in page.text
    assert "/evaluation/" in client.get("/property/service/").text


def test_ranking_page_is_one_cache_read_and_every_change_is_seen_at_once(city, owners, staff):
    """A ranking page view reads no tally, period or policy row once cached (its cost does not grow with the
    number of subjects or evaluations), and an evaluation or a policy change shows on the next view."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.update_policy(
        actor=staff["city"], prior_weight=10, min_count=1, period_months=3, reply_edit_hours=24
    )
    project = city.projects["lianhua"]
    logged_in(owners[0]).post(f"/evaluation/projects/{project.pk}/office/rate/", form(4))
    url = "/evaluation/ranking/?kind=project"
    assert "（1 条评价）" in Client().get(url).text
    with CaptureQueriesContext(connection) as queries:
        again = Client().get(url)
    assert again.status_code == 200 and "莲花山庄" in again.text
    assert not [q["sql"] for q in queries.captured_queries if "evaluation_" in q["sql"]]
    assert len(queries.captured_queries) <= 1  # the cache (none with an in-memory cache)

    logged_in(owners[1]).post(f"/evaluation/projects/{project.pk}/office/rate/", form(2))
    page = Client().get(url).text
    assert "（2 条评价）" in page and "3.00" in page  # the new evaluation counts at once
    api = Client().get(f"/api/v1/evaluation/rankings/{services.current_period()}/project").json()
    assert api["count"] == 1 and api["items"][0]["count"] == 2

    services.update_policy(
        actor=staff["city"], prior_weight=10, min_count=3, period_months=3, reply_edit_hours=24
    )
    page = Client().get(url).text
    assert "评价少于 3 条的不参与排名" in page and "参与排名（0）" in page
    assert (
        Client().get(f"/api/v1/evaluation/rankings/{services.current_period()}/project").json()["count"] == 0
    )


def test_ranking_pages_beyond_the_last(city, owners, staff):
    services.update_policy(
        actor=staff["city"], prior_weight=10, min_count=1, period_months=3, reply_edit_hours=24
    )
    logged_in(owners[0]).post(f"/evaluation/projects/{city.projects['lianhua'].pk}/office/rate/", form(4))
    page = Client().get("/evaluation/ranking/?kind=project&page=99")
    assert page.status_code == 200 and 'data-rank="1"' in page.text  # the last page
    api = Client().get(f"/api/v1/evaluation/rankings/{services.current_period()}/project?page=99").json()
    assert api["page"] == 99 and api["items"] == [] and api["num_pages"] == 1


def test_ranking_highlights_the_asked_row_without_caching_it(city, owners, staff):
    services.update_policy(
        actor=staff["city"], prior_weight=10, min_count=1, period_months=3, reply_edit_hours=24
    )
    project = city.projects["lianhua"]
    logged_in(owners[0]).post(f"/evaluation/projects/{project.pk}/office/rate/", form(4))
    url = "/evaluation/ranking/?kind=project"
    assert "pe-table__mine" not in Client().get(url).text
    assert "pe-table__mine" in Client().get(f"{url}&code={project.code}").text
    assert "pe-table__mine" not in Client().get(url).text  # the highlighted rows were not cached


def test_the_star_groups_are_tied_to_the_error(city, owners):
    """Each star rating is a radio group (fieldset, legend, role radiogroup); the one in error says aria-invalid and
    points at the error text (issue 12)."""
    from tests.ux.aria_errors import assert_errors_tied, invalid_controls

    project = city.projects["lianhua"]
    client = logged_in(owners[0])
    clean = client.get(f"/evaluation/projects/{project.pk}/office/rate/").text
    assert (
        clean.count('role="radiogroup"')
        == 1 + EvaluationItem.objects.filter(target=Target.OFFICE, active=True).count()
    )
    assert invalid_controls(clean) == []
    data = form(5)
    data["stars"] = ""
    response = client.post(f"/evaluation/projects/{project.pk}/office/rate/", data)
    assert response.status_code == 422
    found = assert_errors_tied(response.text, "总体评价请选择1到5星。")
    assert [c.what for c in found] == ["fieldset[name=]"]  # the 总体评价 group only
    item = EvaluationItem.objects.filter(target=Target.OFFICE, active=True).first()
    data = form(5)
    data[f"item_{item.pk}"] = "9"
    response = client.post(f"/evaluation/projects/{project.pk}/office/rate/", data)
    assert f'data-field="item_{item.pk}" role="radiogroup" aria-invalid="true"' in response.text
    assert_errors_tied(response.text, f"“{item.name}”请选择1到5星。")
