"""招标投标 write API (/api/v1/office/tendering): create a tender, add bidders, record and correct steps, upload a
step's document — the services of the office pages, their scope (other scopes 404, read-only roles 403), their audit
entries and their pushes, with problem bodies for refused input."""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.notifications import fanout
from pmip.notifications.models import Broadcast, Notification
from pmip.registry.models import PropertyCompany
from pmip.tendering.models import Bidder, Tender, TenderDocument, TenderStep
from tests.decisions import factories as f
from tests.factories import login_staff

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 12, 20, 2, 0, tzinfo=dt.UTC)
BASE = "/api/v1/office/tendering/tenders"


@pytest.fixture(autouse=True)
def frozen_today(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    with clock.frozen(NOW):
        yield


@pytest.fixture
def companies(city):
    extra = [
        PropertyCompany.objects.create(name=f"深圳市第{i}物业有限公司", credit_code=f"91440300MA5TEST{i:03d}")
        for i in range(2)
    ]
    return [city.companies["wanjia"], city.companies["anju"], *extra]


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _create(client, **over):
    body = {
        "project_code": "440304001",
        "title": "莲花山庄物业服务招标",
        "tenderer_kind": "developer",
        "method": "public",
        "agent": "深圳某招标代理有限公司",
        **over,
    }
    return _post(client, BASE, body)


def test_create_add_bidders_record_correct_and_upload(client, city, staff, companies):
    owner = f.person("甲")
    f.own(f.unit(city.projects["lianhua"], "9-101", "80.00"), owner)
    login_staff(client, staff["lianhua"])
    created = _create(client)
    assert created.status_code == 201, created.content
    tender = created.json()
    assert tender["project_code"] == "440304001" and tender["announcement_days"] == 5
    assert [s["recorded"] for s in tender["steps"]] == [False] * 11
    url = f"{BASE}/{tender['id']}"
    assert AuditEntry.objects.filter(action="tendering.tender.created").count() == 1

    for c in companies[:3]:
        added = _post(client, f"{url}/bidders", {"credit_code": c.credit_code.lower()})
        assert added.status_code == 201, added.content
    assert [b["company_name"] for b in added.json()["bidders"]] == [c.name for c in companies[:3]]
    again = _post(client, f"{url}/bidders", {"credit_code": companies[0].credit_code})
    assert again.status_code == 422 and again.json()["field"] == "credit_code"
    unknown = _post(client, f"{url}/bidders", {"credit_code": "91440300MA5NOBODY1"})
    assert unknown.status_code == 422 and "未登记" in unknown.json()["message"]

    step = _post(client, f"{url}/steps", {"step": "tender", "date": "2025-11-03"})
    assert step.status_code == 201
    for broadcast in Broadcast.objects.all():
        fanout.expand(broadcast.pk)
    assert Notification.objects.filter(recipient=owner.account, kind="tendering.step.stage").count() == 1

    corrected = _post(
        client, f"{url}/corrections", {"step": "tender", "date": "2025-11-04", "reason": "公告日期登记有误"}
    )
    assert corrected.status_code == 201, corrected.content
    first = corrected.json()["steps"][0]
    assert (
        first["version"] == 2
        and first["date"] == "2025-11-04"
        and first["correction_reason"] == "公告日期登记有误"
    )
    assert TenderStep.objects.filter(step="tender").count() == 2
    assert AuditEntry.objects.filter(action="tendering.step.corrected").count() == 1
    no_reason = _post(client, f"{url}/corrections", {"step": "tender", "date": "2025-11-04", "reason": " "})
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    not_yet = _post(client, f"{url}/corrections", {"step": "opening", "date": "2025-11-04", "reason": "x"})
    assert not_yet.status_code == 422

    uploaded = client.post(
        f"{url}/documents",
        {"step": "tender", "title": "招标公告", "file": _file("notice.pdf", b"%PDF-1.4 test")},
    )
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["content_type"] == "application/pdf"
    assert TenderDocument.objects.get().step == TenderStep.objects.get(step="tender", version=2)
    assert AuditEntry.objects.filter(action="tendering.document.added").count() == 1
    detail = client.get(url).json()
    assert detail["steps"][0]["documents"][0]["title"] == "招标公告"
    assert detail["steps"][0]["id"] == TenderStep.objects.get(step="tender", version=2).pk


def test_upload_is_bounded_in_size_and_type(client, city, staff, settings):
    login_staff(client, staff["lianhua"])
    url = f"{BASE}/{_create(client).json()['id']}"
    _post(client, f"{url}/steps", {"step": "tender", "date": "2025-11-03"})
    exe = client.post(
        f"{url}/documents", {"step": "tender", "title": "x", "file": _file("a.pdf", b"MZ\x90\x00")}
    )
    assert exe.status_code == 422 and exe.json()["field"] == "upload"
    settings.PMIP_TENDERING_FILE_MAX_BYTES = 1024
    big = client.post(
        f"{url}/documents", {"step": "tender", "title": "x", "file": _file("a.pdf", b"%PDF-" + b"0" * 2000)}
    )
    assert big.status_code == 422 and "不能超过" in big.json()["message"]
    missing = client.post(f"{url}/documents", {"step": "tender", "title": "x"})
    assert missing.status_code == 422 and missing.json()["code"] == "invalid"
    not_recorded = client.post(
        f"{url}/documents", {"step": "opening", "title": "x", "file": _file("a.pdf", b"%PDF-1.4")}
    )
    assert not_recorded.status_code == 422 and not_recorded.json()["field"] == "step"
    assert not TenderDocument.objects.exists()


def test_refused_input_is_a_problem_body(client, city, staff):
    login_staff(client, staff["lianhua"])
    for body in (
        {"tenderer_kind": "nobody"},
        {"method": "auction"},
        {"announcement_days": 0},
        {"title": "x" * 500},
        {"project_code": ""},
    ):
        answer = _create(client, **body)
        assert answer.status_code == 422 and answer.json()["code"] == "invalid", body
    assembly = _create(client, tenderer_kind="assembly")
    assert assembly.status_code == 422 and assembly.json()["field"] == "meeting_id"
    assert _create(client, project_code="999999999").status_code == 404
    assert not Tender.objects.exists()


def test_cross_scope_and_read_only_roles_are_refused(client, city, staff, companies):
    login_staff(client, staff["lianhua"])
    url = f"{BASE}/{_create(client).json()['id']}"
    _post(client, f"{url}/steps", {"step": "tender", "date": "2025-11-03"})
    writes = [
        (f"{url}/bidders", {"credit_code": companies[0].credit_code}),
        (f"{url}/steps", {"step": "announcement", "date": "2025-11-03"}),
        (f"{url}/corrections", {"step": "tender", "date": "2025-11-04", "reason": "改"}),
    ]
    # another subdistrict (it may edit, but not this project): the tender does not exist for it
    login_staff(client, staff["yuehai"])
    assert _create(client).status_code == 404  # 莲花山庄 is outside 粤海街道
    for path, body in writes:
        assert _post(client, path, body).status_code == 404, path
    upload = client.post(
        f"{url}/documents", {"step": "tender", "title": "x", "file": _file("a.pdf", b"%PDF-1")}
    )
    assert upload.status_code == 404
    # the project's property company reads its project's tenders but never records them (it bids)
    login_staff(client, staff["company"])
    assert client.get(url).status_code == 200
    assert _create(client).status_code == 403
    for path, body in writes:
        assert _post(client, path, body).status_code == 403, path
    upload = client.post(
        f"{url}/documents", {"step": "tender", "title": "x", "file": _file("a.pdf", b"%PDF-1")}
    )
    assert upload.status_code == 403
    # owners and anonymous visitors never reach the office API
    client.logout()
    assert _post(client, f"{url}/bidders", {"credit_code": "x"}).status_code == 401
    assert not Bidder.objects.exists()
    assert TenderStep.objects.count() == 1 and not TenderDocument.objects.exists()


def test_openapi_documents_the_writes(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path in ("", "/{tender_id}/bidders", "/{tender_id}/corrections", "/{tender_id}/documents"):
        operation = spec["paths"][f"{BASE}{path}"]["post"]
        assert {"201", "401", "403", "404", "422"} <= set(operation["responses"]), path
    upload = spec["paths"][f"{BASE}/{{tender_id}}/documents"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
