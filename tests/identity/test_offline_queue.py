"""The house-information queue (房屋信息补录): subdistrict offices see their own submissions and answer them."""

from __future__ import annotations

import pytest

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.errors import NotFound, ValidationFailed
from pmip.identity import offline
from pmip.identity.models import HouseInfoSubmission
from pmip.notifications.models import Notification
from tests.factories import login_staff
from tests.identity.factories_offline import (
    T0,
    offline_env,  # noqa: F401 - fixture
    owner_account,
    submission,
)

pytestmark = pytest.mark.usefixtures("offline_env")

QUEUE = "/office/verification/houses/"


@pytest.fixture
def submitter(db):
    return owner_account("submitter", mobile="+8613912340000", name="林小红")


def test_subdistrict_sees_only_its_own_submissions(city, staff, submitter):
    mine = [submission(submitter, city.subdistricts["lianhua"], n) for n in (1, 2)]
    submission(submitter, city.subdistricts["yuehai"], 3)
    assert list(offline.house_submissions_for_staff(actor=staff["lianhua"])) == mine
    assert [s.project_name for s in offline.house_submissions_for_staff(actor=staff["yuehai"])] == [
        "未录入小区3"
    ]
    for role in ("city", "futian", "committee", "company"):
        assert list(offline.house_submissions_for_staff(actor=staff[role])) == []
    assert list(offline.house_submissions_for_staff(actor=submitter)) == []


def test_queue_page_is_paginated_and_filtered(client, city, staff, submitter):
    for n in range(25):
        submission(submitter, city.subdistricts["lianhua"], n)
    offline.resolve_house_submission(
        actor=staff["lianhua"], submission_id=HouseInfoSubmission.objects.first().pk
    )
    login_staff(client, staff["lianhua"])
    first = client.get(QUEUE)
    assert first.status_code == 200
    assert first.context["page"].paginator.count == 25
    assert len(first.context["page"].object_list) == 20
    assert all(s.status == "pending" for s in first.context["page"].object_list)  # pending first
    second = client.get(QUEUE, {"page": 2})
    assert [s.status for s in second.context["page"].object_list] == ["pending"] * 4 + ["resolved"]
    resolved = client.get(QUEUE, {"status": "resolved"})
    assert [s.project_name for s in resolved.context["page"].object_list] == ["未录入小区0"]
    pending = client.get(QUEUE, {"status": "pending"})
    assert pending.context["page"].paginator.count == 24


def test_queue_page_for_other_roles_explains(client, staff):
    login_staff(client, staff["committee"])
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert "您的账户没有街道办角色" in response.content.decode()


def test_resolve_with_default_reply(city, staff, submitter):
    row = submission(submitter, city.subdistricts["lianhua"])
    with clock.frozen(T0):
        offline.resolve_house_submission(actor=staff["lianhua"], submission_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.handled_by, row.handled_at, row.reply) == (
        "resolved",
        staff["lianhua"],
        T0,
        "已补录到基础数据库，请重新进行业主身份绑定。",
    )
    entry = AuditEntry.objects.get(action="identity.house_submission.resolved")
    assert (entry.actor, entry.object_id, entry.data) == (
        staff["lianhua"],
        str(row.pk),
        {"reply": "已补录到基础数据库，请重新进行业主身份绑定。"},
    )
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.title) == (
        submitter,
        "identity.house_submission.resolved",
        "房屋信息已补录",
    )


def test_reject_through_the_page(client, city, staff, submitter):
    row = submission(submitter, city.subdistricts["lianhua"])
    login_staff(client, staff["lianhua"])
    url = f"{QUEUE}{row.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"decision": "reject", "reply": ""})
    assert response.status_code == 422
    assert "请填写不予补录的原因，业主将看到这条答复。" in response.content.decode()
    row.refresh_from_db()
    assert row.status == "pending"
    assert AuditEntry.objects.count() == 0
    response = client.post(url, {"decision": "reject", "reply": "该房屋不在本街道辖区"})
    assert response.status_code == 302 and response["Location"] == QUEUE
    row.refresh_from_db()
    assert (row.status, row.reply, row.handled_by) == ("rejected", "该房屋不在本街道辖区", staff["lianhua"])
    assert AuditEntry.objects.filter(action="identity.house_submission.rejected").count() == 1


def test_a_handled_submission_cannot_be_handled_again(city, staff, submitter):
    row = submission(submitter, city.subdistricts["lianhua"])
    offline.reject_house_submission(actor=staff["lianhua"], submission_id=row.pk, reply="信息不全")
    with pytest.raises(ValidationFailed, match="该申请已处理（不予补录），不能再修改。"):
        offline.resolve_house_submission(actor=staff["lianhua"], submission_id=row.pk)


@pytest.mark.parametrize("role", ["yuehai", "city", "committee", "company"])
def test_out_of_scope_is_404_and_writes_nothing(client, city, staff, submitter, role):
    row = submission(submitter, city.subdistricts["lianhua"])
    with pytest.raises(NotFound):
        offline.resolve_house_submission(actor=staff[role], submission_id=row.pk)
    login_staff(client, staff[role])
    url = f"{QUEUE}{row.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "resolve", "reply": "好"}).status_code == 404
    row.refresh_from_db()
    assert (row.status, row.handled_by, row.reply) == ("pending", None, "")
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


def test_queue_has_no_n_plus_one(client, city, staff, submitter, django_assert_max_num_queries):
    for n in range(20):
        submission(submitter, city.subdistricts["lianhua"], n)
    login_staff(client, staff["lianhua"])
    with django_assert_max_num_queries(10):
        assert client.get(QUEUE).status_code == 200
