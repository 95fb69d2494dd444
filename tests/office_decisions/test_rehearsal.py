"""Rehearsal meetings (演练, issue 12) in the back office: created from the meeting form (with the explanation), the
notice period in minutes, marked 演练 on every page of the meeting, results without 决定 wording; the staff API."""

from __future__ import annotations

import datetime as dt
import re

from pmip.core import clock
from pmip.decisions import services
from pmip.decisions.models import Meeting
from tests.decisions import factories as f
from tests.factories import login_staff
from tests.office_decisions.support import at, owners
from tests.office_decisions.test_flow import create_data

BASE = "/office/decisions/"
NOW = dt.datetime(2026, 5, 17, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai


def visible(page: str) -> str:
    return re.sub(r"<head>.*?</head>", "", page, flags=re.S)


def test_a_convener_creates_a_rehearsal_from_the_meeting_form(client, project, convener):
    login_staff(client, convener)
    with at(NOW):
        form = client.get(BASE + "new/").content.decode()
        assert "这是演练会议（演练）" in form
        assert "结果不产生法律效力，不计入本小区的电子投票统计和公开数据" in form  # the explanation
        assert "演练通知提前分钟数" in form
        times = {"voting_starts_at": "2026-05-17T09:10", "voting_ends_at": "2026-05-17T09:30"}
        missing = client.post(BASE + "new/", create_data(project, rehearsal="on", notice_minutes="", **times))
        assert missing.context["form"].errors["notice_minutes"] == [
            "演练会议请填写演练通知提前分钟数（例如5）。"
        ]
        response = client.post(
            BASE + "new/",
            create_data(project, title="演练：试投票", rehearsal="on", notice_minutes="5", **times),
        )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{BASE}{meeting.pk}/"
    assert (meeting.rehearsal, meeting.notice_minutes, meeting.title) == (True, 5, "【演练】演练：试投票")
    with at(NOW):
        detail = visible(client.get(f"{BASE}{meeting.pk}/").content.decode())
        assert 'id="rehearsal-note"' in detail
        assert "须在投票开始前至少5分钟公告" in detail
        edit = client.get(f"{BASE}{meeting.pk}/edit/").content.decode()
        assert "演练通知提前分钟数" in edit and "会议通知提前天数<" not in edit
        client.post(
            f"{BASE}{meeting.pk}/edit/",
            {**create_data(project, title="再试一次", notice_minutes="3", **times)},
        )
    meeting.refresh_from_db()
    assert (meeting.title, meeting.notice_minutes, meeting.rehearsal) == ("【演练】再试一次", 3, True)


def test_a_real_meeting_from_the_form_is_not_a_rehearsal(client, project, convener):
    login_staff(client, convener)
    with at(f.T0):
        client.post(BASE + "new/", create_data(project, notice_minutes="5"))
    meeting = Meeting.objects.get()
    assert (meeting.rehearsal, meeting.notice_minutes, meeting.title) == (
        False,
        0,
        "2026年第一次临时业主大会",
    )


def test_every_office_page_of_a_rehearsal_says_演练(client, project, convener):
    people = owners(project)
    with clock.frozen(NOW):
        meeting = services.create_meeting(
            actor=convener,
            project_id=project.pk,
            convener_kind="committee",
            title="试投票",
            voting_starts_at=NOW + dt.timedelta(minutes=10),
            voting_ends_at=NOW + dt.timedelta(minutes=30),
            rehearsal=True,
        )
        services.add_matter(actor=convener, meeting_id=meeting.pk, **f.question())
        services.upload_publicity_file(
            actor=convener,
            meeting_id=meeting.pk,
            kind="meeting_notice",
            title="会议通知",
            upload=f.notice_file(),
        )
        services.publish_notice(actor=convener, meeting_id=meeting.pk)
    with clock.frozen(NOW + dt.timedelta(minutes=10)):
        services.open_voting(actor=None, meeting_id=meeting.pk)
    matter = meeting.matters.get()
    with clock.frozen(NOW + dt.timedelta(minutes=12)):
        services.cast_ballot(
            actor=people.zhang.account, matter_id=matter.pk, unit_id=people.units["1-101"].pk, choice="yes"
        )
    with clock.frozen(NOW + dt.timedelta(minutes=30)):
        services.close_voting(actor=None, meeting_id=meeting.pk)
    login_staff(client, convener)
    with at(NOW + dt.timedelta(minutes=31)):
        listing = visible(client.get(BASE).content.decode())
        assert 'data-rehearsal="1">演练</span>' in listing
        for tab in ("", "turnout/", "paper/", "roll/", "results/", "bulletin/", "audit/", "results/publish/"):
            page = visible(client.get(f"{BASE}{meeting.pk}/{tab}").content.decode())
            assert 'id="rehearsal-note"' in page, tab
        results = visible(client.get(f"{BASE}{meeting.pk}/results/").content.decode())
        assert "演练结果：参与表决的人数或面积不足三分之二" in results
        assert "未形成决定" not in results
        api = client.get(f"/api/v1/office/decisions/meetings/{meeting.pk}").json()
    assert (api["rehearsal"], api["notice_minutes"]) == (True, 5)
    assert "5分钟" in next(s["text"] for s in api["settings"] if s["key"] == "notice_minutes")


def test_the_staff_api_creates_a_rehearsal(client, project, convener):
    login_staff(client, convener)
    with at(NOW):
        response = client.post(
            "/api/v1/office/decisions/meetings",
            {
                "project_code": project.code,
                "convener_kind": "committee",
                "title": "试投票",
                "voting_starts_at": "2026-05-17T09:10:00+08:00",
                "voting_ends_at": "2026-05-17T09:30:00+08:00",
                "rehearsal": True,
                "notice_minutes": 2,
            },
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["rehearsal"], body["notice_minutes"], body["title"]) == (True, 2, "【演练】试投票")
