"""业主评价 API: submit, records, public ranking and open data (equal to pmip-verify), office replies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from pmip.evaluation import services
from pmip.evaluation.choices import Target
from pmip.evaluation.models import EvaluationItem
from tests.factories import login_staff

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def logged_in(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


def staff_client(account) -> Client:
    client = Client()
    login_staff(client, account)
    return client


def payload(code, stars, target=Target.OFFICE):
    return {
        "project_code": code,
        "target": target,
        "stars": stars,
        "items": {str(i.pk): stars for i in EvaluationItem.objects.filter(target=target, active=True)},
        "comment": "API评价",
    }


def test_submit_and_records(city, owners):
    client = logged_in(owners[0])
    r = client.post(
        "/api/v1/me/evaluation/evaluations", payload("440304001", 4), content_type="application/json"
    )
    assert r.status_code == 201, r.content
    assert r.json()["evaluator"] == "李* · 1栋"
    assert client.get("/api/v1/me/evaluation/evaluations").json()["count"] == 1
    bad = client.post(
        "/api/v1/me/evaluation/evaluations", payload("440304001", 7), content_type="application/json"
    )
    assert bad.status_code == 422
    other = client.post(
        "/api/v1/me/evaluation/evaluations", payload("440305001", 4), content_type="application/json"
    )
    assert other.status_code == 404
    assert Client().get("/api/v1/me/evaluation/evaluations").status_code == 401


def test_open_data_verifies_with_the_cli(city, owners, staff, tmp_path):
    services.update_policy(
        actor=staff["city"], prior_weight=3, min_count=2, period_months=3, reply_edit_hours=24
    )
    for owner, stars in zip(owners, [5, 3, 4, 4], strict=True):
        logged_in(owner).post(
            "/api/v1/me/evaluation/evaluations", payload("440304001", stars), content_type="application/json"
        )
    period = services.current_period()
    for kind in ("project", "company", "committee"):
        scores = Client().get(f"/api/v1/evaluation/open-data/{period}/{kind}/scores")
        assert scores.status_code == 200
        path = tmp_path / f"{kind}.json"
        path.write_bytes(scores.content)
        proc = subprocess.run(
            [sys.executable, "-m", "pmip_verify", "ranking", str(path)],
            capture_output=True,
            cwd=ROOT,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr.decode()
        published = Client().get(f"/api/v1/evaluation/open-data/{period}/{kind}/ranking").json()
        assert json.loads(proc.stdout) == published
    assert published == {"global_mean": None, "ranked": [], "unranked": []}  # committee: none
    project = Client().get(f"/api/v1/evaluation/open-data/{period}/project/ranking").json()
    assert project["ranked"][0]["id"] == "440304001" and project["ranked"][0]["count"] == 4
    csv_text = Client().get(f"/api/v1/evaluation/open-data/{period}/project/scores.csv").content.decode()
    assert csv_text.count("440304001") == 4
    page = Client().get(f"/api/v1/evaluation/rankings/{period}/project").json()
    assert page["items"][0]["name"] == "莲花山庄"
    assert Client().get(f"/api/v1/evaluation/rankings/{period}/nope").status_code == 404
    assert Client().get("/api/v1/evaluation/rankings/20x6/project").status_code == 404


def test_office_reply_in_scope(city, owners, staff):
    logged_in(owners[0]).post(
        "/api/v1/me/evaluation/evaluations", payload("440304001", 2), content_type="application/json"
    )
    company = staff_client(staff["company"])
    listing = company.get("/api/v1/office/evaluation/evaluations?unreplied=true").json()
    assert listing["count"] == 1
    eid = listing["items"][0]["id"]
    outside = staff_client(staff["yuehai"])
    assert (
        outside.post(
            f"/api/v1/office/evaluation/evaluations/{eid}/reply",
            {"body": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    r = company.post(
        f"/api/v1/office/evaluation/evaluations/{eid}/reply",
        {"body": "马上处理"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["author_role"] == "项目经理"
    again = company.post(
        f"/api/v1/office/evaluation/evaluations/{eid}/reply",
        {"body": "again"},
        content_type="application/json",
    )
    assert again.status_code == 422
    edited = company.put(
        f"/api/v1/office/evaluation/evaluations/{eid}/reply",
        {"body": "已处理"},
        content_type="application/json",
    )
    assert edited.status_code == 200 and edited.json()["body"] == "已处理"
    mine = logged_in(owners[0]).get("/api/v1/me/evaluation/evaluations").json()
    assert mine["items"][0]["reply"]["body"] == "已处理"
