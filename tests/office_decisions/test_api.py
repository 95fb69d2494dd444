"""Staff API of 业主决策: session auth (both log-in steps), CSRF on writes, scopes, the whole life of a meeting with
the services' error codes, turnout without choices, tally and export after the close."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db.models import F
from django.test import Client

from pmip.audit.models import AuditEntry
from pmip.decisions.models import Matter, MatterCount, Meeting, PublicityFile
from pmip_verify import tally as verify_tally
from tests.decisions import factories as f
from tests.factories import login_staff
from tests.office.helpers import staff_login
from tests.office_decisions.support import at, owners

API = "/api/v1/office/decisions"


def post(client, path: str, payload: dict | None = None, **extra):
    return client.post(API + path, data=json.dumps(payload or {}), content_type="application/json", **extra)


def meeting_payload(project, **changes) -> dict:
    data = {
        "project_code": project.code,
        "convener_kind": "committee",
        "title": "2026年第一次临时业主大会",
        "voting_starts_at": "2026-05-17T10:00:00+08:00",
        "voting_ends_at": "2026-05-24T10:00:00+08:00",
    }
    data.update(changes)
    return data


def test_anonymous_and_owners_get_401(client, project, convener):
    meeting = f.draft_meeting(convener, project, [f.question()])
    for response in (client.get(API + "/meetings"), post(client, f"/meetings/{meeting.pk}/notice")):
        assert response.status_code == 401
        assert response.json() == {"code": "unauthenticated", "message": "请先登录管理后台。", "status": 401}
    owner = f.person("张三")
    client.force_login(owner.account)
    assert client.get(API + "/meetings").status_code == 401
    assert Meeting.objects.get().state == "draft"


def test_routing_does_not_fall_through_to_other_routers(client, convener):
    login_staff(client, convener)
    unknown = client.get(API + "/nothing-here")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert client.get("/api/v1/office/projects").status_code == 200  # the /office router still answers


def test_full_log_in_and_csrf_on_writes(project, convener):
    login = Client()
    staff_login(login, convener)  # password, then the SMS code
    client = Client(enforce_csrf_checks=True)
    client.cookies = login.cookies
    assert client.get(API + "/meetings").json()["count"] == 0
    refused = post(client, "/meetings", meeting_payload(project))
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert Meeting.objects.count() == 0
    client.get("/office/")
    token = client.cookies["csrftoken"].value
    with at(f.T0):
        created = post(client, "/meetings", meeting_payload(project), HTTP_X_CSRFTOKEN=token)
    assert created.status_code == 201
    assert Meeting.objects.get().convened_by == convener


@pytest.mark.parametrize(
    ("role", "visible", "may_run"),
    [
        ("convener", True, True),
        ("other_committee", False, False),
        ("subdistrict_staff", True, True),
        ("far_subdistrict_staff", False, False),
        ("district_staff", True, False),
        ("city_staff", True, True),
        ("company_staff", False, False),
    ],
)
def test_scopes(client, request, project, convener, role, visible, may_run):
    owners(project)
    meeting = f.draft_meeting(convener, project, [f.question()])
    login_staff(client, request.getfixturevalue(role))
    body = client.get(API + "/meetings").json()
    assert [i["id"] for i in body["items"]] == ([meeting.pk] if visible else [])
    detail = client.get(f"{API}/meetings/{meeting.pk}")
    assert detail.status_code == (200 if visible else 404)
    if visible:
        assert detail.json()["may_run"] is may_run
    else:
        assert detail.json() == {
            "code": "not_found",
            "message": "未找到该会议，或不在您的管辖范围内。",
            "status": 404,
        }
    with at(f.T0):
        notice = post(client, f"/meetings/{meeting.pk}/notice")
    assert notice.status_code == (200 if may_run else 404)
    assert Meeting.objects.get().state == ("noticed" if may_run else "draft")


def test_a_meeting_through_the_api_with_the_services_error_codes(client, project, convener, clerk2):
    people = owners(project)
    login_staff(client, convener)
    with at(f.T0 - dt.timedelta(hours=1)):
        created = post(
            client, "/meetings", meeting_payload(project, notice_days=15, allow_ballot_change=False)
        )
        assert created.status_code == 201
        meeting_id = created.json()["id"]
        assert created.json()["notice_deadline"] == "2026-05-02T02:00:00Z"
        assert created.json()["state"] == "draft"
        bad = post(client, "/meetings", meeting_payload(project, voting_ends_at="2026-05-17T09:00:00+08:00"))
        assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (
            422,
            "invalid",
            "voting_ends_at",
        )
        subdistrict = post(client, "/meetings", meeting_payload(project, convener_kind="subdistrict"))
        assert (subdistrict.status_code, subdistrict.json()["code"]) == (403, "forbidden")
        matter = post(client, f"/meetings/{meeting_id}/matters", {"title": "筹集维修资金", "item": 6})
        assert matter.status_code == 201
        assert {k: matter.json()[k] for k in ("order", "item", "matter_class", "kind", "scope")} == {
            "order": 1,
            "item": 6,
            "matter_class": "major",
            "kind": "question",
            "scope": "project",
        }
        no_file = post(client, f"/meetings/{meeting_id}/notice")
        assert (no_file.status_code, no_file.json()["message"]) == (422, "请先上传会议通知文件。")
        upload = client.post(
            f"{API}/meetings/{meeting_id}/files",
            {"kind": "meeting_notice", "title": "会议通知", "file": f.notice_file()},
        )
        assert upload.status_code == 201
        assert upload.json()["sha256"] == PublicityFile.objects.get().sha256
    with at(f.T0 + dt.timedelta(days=2)):
        late = post(client, f"/meetings/{meeting_id}/notice")
    assert (late.status_code, late.json()["code"], late.json()["field"]) == (
        422,
        "invalid",
        "voting_starts_at",
    )
    assert late.json()["message"].startswith("会议通知须在投票开始前至少15日公告")
    with at(f.T0):
        noticed = post(client, f"/meetings/{meeting_id}/notice")
        assert (noticed.status_code, noticed.json()["state"]) == (200, "noticed")
        locked = post(client, f"/meetings/{meeting_id}/matters", {"title": "新议题", "item": 4})
    assert (locked.status_code, locked.json()["code"]) == (422, "meeting_state")
    assert Matter.objects.count() == 1
    with at(f.T_START - dt.timedelta(seconds=1)):
        early = post(client, f"/meetings/{meeting_id}/open")
    assert (early.status_code, early.json()["code"]) == (422, "meeting_state")
    with at(f.T_START):
        opened = post(client, f"/meetings/{meeting_id}/open")
    assert (opened.status_code, opened.json()["state"], len(opened.json()["roll_hash"])) == (200, "open", 64)
    matter = Matter.objects.get()
    f.vote(people.zhang, matter, people.units["1-101"], "yes")
    f.vote(people.li, matter, people.units["1-102"], "no")
    with at(f.T_VOTE):
        turnout = client.get(f"{API}/meetings/{meeting_id}/turnout").json()
        assert client.get(f"{API}/meetings/{meeting_id}/tally").json() == {
            "code": "not_found",
            "message": "投票截止后才能查看计票结果。",
            "status": 404,
        }
        assert client.get(f"{API}/meetings/{meeting_id}/export").status_code == 404
    (row,) = turnout["matters"]
    assert {
        k: row[k] for k in ("participating_owners", "participating_area", "owners_needed", "area_needed")
    } == {
        "participating_owners": 2,
        "participating_area": "220.00",
        "owners_needed": 1,
        "area_needed": "13.34",
    }
    text = json.dumps(turnout, ensure_ascii=False)
    for word in ("yes", "no_", "abstain", "同意", "反对"):
        assert word not in text
    with at(f.T_END):
        closed = post(client, f"/meetings/{meeting_id}/close")
        assert (closed.status_code, closed.json()["state"], closed.json()["count_mismatch"]) == (
            200,
            "closed",
            False,
        )
        tally = client.get(f"{API}/meetings/{meeting_id}/tally").json()
        export = client.get(f"{API}/meetings/{meeting_id}/export").json()
    (sheet,) = tally["matters"]
    (result,) = sheet["results"]
    assert result["result"]["outcome"] == "no_decision"
    assert [t["key"] for t in result["tests"]] == [
        "quorum_area",
        "quorum_owners",
        "approval_area",
        "approval_owners",
    ]
    (entry,) = export["matters"]
    assert verify_tally(entry["tally_input"]) == result["result"] == entry["platform_result"]
    # a counter row corrupted: publication refused with 409 count_mismatch
    MatterCount.objects.filter(matter=matter).update(yes_owners=F("yes_owners") + 1)
    with at(f.T_END):
        refused = post(client, f"/meetings/{meeting_id}/publish-results")
    assert refused.status_code == 409
    assert refused.json() == {
        "code": "count_mismatch",
        "message": "复核计票结果与实时计数不一致，不能公布结果。请联系平台运维核查。",
        "status": 409,
    }
    assert Meeting.objects.get().state == "closed"
    MatterCount.objects.filter(matter=matter).update(yes_owners=F("yes_owners") - 1)
    with at(f.T_END):
        published = post(client, f"/meetings/{meeting_id}/publish-results")
    assert (published.status_code, published.json()["state"]) == (200, "published")
    assert AuditEntry.objects.filter(action="decisions.meeting.results_published").count() == 1


def test_cancel_and_list_filter(client, project, convener):
    meeting = f.draft_meeting(convener, project, [f.question()])
    login_staff(client, convener)
    empty = post(client, f"/meetings/{meeting.pk}/cancel", {"reason": " "})
    assert (empty.status_code, empty.json()["message"]) == (422, "请填写取消原因。")
    done = post(client, f"/meetings/{meeting.pk}/cancel", {"reason": "延期"})
    assert (done.json()["state"], done.json()["cancel_reason"]) == ("cancelled", "延期")
    assert client.get(API + "/meetings?state=draft").json()["count"] == 0
    assert client.get(API + "/meetings?state=cancelled").json()["count"] == 1
    assert client.get(API + "/meetings?state=bogus").status_code == 422
