"""互动交流 / 政民互动 API: the asker's list, detail, open, withdraw, rate and reopen; the office queue with filters and
counts, accept and answer; another owner and staff outside the handling office get 404 and change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.enquiries.models import Enquiry, State
from tests.decisions import factories as f
from tests.factories import login_staff

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 9, 26, 2, 0, tzinfo=dt.UTC)
ME = "/api/v1/me/enquiries"
OFFICE = "/api/v1/office/enquiries"


@pytest.fixture(autouse=True)
def setup(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    with clock.frozen(NOW):
        yield


@pytest.fixture
def owner(city):
    alice = f.person("甲")
    f.own(f.unit(city.projects["lianhua"], "9-101", "80.00"), alice)
    return alice.account


def _open(client, city, **kw):
    body = {
        "channel": "community",
        "category": "consult",
        "title": "电梯异响",
        "text": "3栋电梯运行时有异响。",
        "project_id": city.projects["lianhua"].pk,
        **kw,
    }
    return client.post(ME, body, content_type="application/json")


def test_owner_opens_lists_and_reads_own_enquiry(owner, city, client):
    client.force_login(owner)
    response = _open(client, city)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "pending" and data["level"] == "company"
    assert data["due_date"] == "2025-10-10"  # 5 working days over 国庆
    assert data["messages"][0]["text"] == "3栋电梯运行时有异响。" and data["image_ids"] == []
    assert AuditEntry.objects.filter(action="enquiries.enquiry.opened").count() == 1
    listing = client.get(ME).json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == data["id"]
    assert client.get(ME, {"channel": "government"}).json()["count"] == 0
    assert client.get(f"{ME}/{data['id']}").json()["title"] == "电梯异响"


def test_open_refuses_bad_input_and_foreign_projects(owner, city, client):
    client.force_login(owner)
    assert _open(client, city, category="nonsense").status_code == 422
    assert _open(client, city, title="").status_code == 422
    assert _open(client, city, text="x" * 2001).status_code == 422
    refused = _open(client, city, project_id=city.projects["haian"].pk)
    assert refused.status_code == 422
    assert not Enquiry.objects.exists()
    client.logout()
    assert _open(client, city).status_code == 401


def test_withdraw_rate_reopen_through_the_office(owner, city, staff, client):
    client.force_login(owner)
    eid = _open(client, city).json()["id"]
    office = type(client)()
    login_staff(office, staff["company"])
    queue = office.get(OFFICE).json()
    assert queue["counts"]["pending"] == 1 and queue["items"][0]["id"] == eid
    assert office.get(OFFICE, {"state": "processing"}).json()["count"] == 0
    assert office.get(OFFICE, {"category": "complain"}).json()["count"] == 0
    assert office.get(OFFICE, {"overdue": "true"}).json()["count"] == 0
    assert office.get(OFFICE, {"state": "bogus"}).status_code == 422
    assert (
        client.post(
            f"{ME}/{eid}/rating", {"rating": "satisfied"}, content_type="application/json"
        ).status_code
        == 422
    )
    accepted = office.post(f"{OFFICE}/{eid}/accept")
    assert accepted.status_code == 200 and accepted.json()["state"] == "processing"
    assert office.post(f"{OFFICE}/{eid}/accept").status_code == 422  # already accepted
    answered = office.post(
        f"{OFFICE}/{eid}/answer", {"text": "已安排检修。"}, content_type="application/json"
    )
    assert answered.status_code == 200 and answered.json()["state"] == "answered"
    reply = answered.json()["messages"][-1]
    assert reply["role"] == "office" and reply["office_label"] and reply["text"] == "已安排检修。"
    rated = client.post(f"{ME}/{eid}/rating", {"rating": "unsatisfied"}, content_type="application/json")
    assert rated.status_code == 200 and rated.json()["rating"] == "unsatisfied"
    reopened = client.post(f"{ME}/{eid}/reopen", {"reason": "仍有异响。"}, content_type="application/json")
    assert (
        reopened.status_code == 200
        and reopened.json()["reopened"]
        and reopened.json()["state"] == "processing"
    )
    again = client.post(f"{ME}/{eid}/reopen", {"reason": "还是响。"}, content_type="application/json")
    assert again.status_code == 422
    assert client.post(f"{ME}/{eid}/withdraw").json()["state"] == "withdrawn"
    assert client.post(f"{ME}/{eid}/withdraw").status_code == 422


def test_another_owner_and_out_of_scope_staff_get_404(owner, city, staff, client):
    client.force_login(owner)
    eid = _open(client, city).json()["id"]
    stranger = type(client)()
    stranger.force_login(f.person("己").account)
    assert stranger.get(f"{ME}/{eid}").status_code == 404
    assert stranger.get(ME).json()["count"] == 0
    for path, body in (("withdraw", None), ("rating", {"rating": "satisfied"}), ("reopen", {"reason": "x"})):
        assert stranger.post(f"{ME}/{eid}/{path}", body, content_type="application/json").status_code == 404
    outsider = type(client)()
    login_staff(outsider, staff["yuehai"])
    assert outsider.get(OFFICE).json()["count"] == 0
    assert outsider.get(f"{OFFICE}/{eid}").status_code == 404
    assert outsider.post(f"{OFFICE}/{eid}/accept").status_code == 404
    answer = outsider.post(f"{OFFICE}/{eid}/answer", {"text": "x"}, content_type="application/json")
    assert answer.status_code == 404
    assert Enquiry.objects.get(pk=eid).state == State.PENDING
    assert client.get(OFFICE).status_code == 401  # an owner is not staff
