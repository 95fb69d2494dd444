"""The state machine through the back-office pages: create, matters, files, notice (too late refused, matters
locked after), open, close, publish; every step a service call with its audit entry."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from pmip.audit.models import AuditEntry
from pmip.decisions.models import Candidate, Matter, Meeting, PublicityFile
from tests.decisions import factories as f
from tests.factories import login_staff
from tests.office_decisions.support import LATE, at, messages_of, owners

BASE = "/office/decisions/"


def create_data(for_project, **changes) -> dict:
    data = {
        "project": for_project.code,
        "convener_kind": "committee",
        "title": "2026年第一次临时业主大会",
        "meeting_type": "extraordinary",
        "description": "审议续聘物业服务企业等事项。",
        "voting_starts_at": "2026-05-17T10:00",
        "voting_ends_at": "2026-05-24T10:00",
        "notice_days": "15",
        "election_ranking": "owners_then_area",
    }
    data.update(changes)
    return data


def matter_data(**changes) -> dict:
    data = {
        "title": "续聘物业服务企业",
        "item": "4",
        "description": "",
        "kind": "question",
        "scope": "project",
    }
    data.update(changes)
    return data


def test_create_a_meeting_through_the_form(client, project, convener):
    login_staff(client, convener)
    with at(f.T0):
        form = client.get(BASE + "new/")
        assert form.status_code == 200
        assert [c[0] for c in form.context["form"].fields["convener_kind"].choices] == [
            "committee",
            "preparatory",
            "reelection",
        ]
        assert form.context["form"].initial["project"] == project.code
        response = client.post(BASE + "new/", create_data(project, allow_ballot_change="on"))
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{BASE}{meeting.pk}/"
    start = dt.datetime(2026, 5, 17, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
    assert (
        meeting.project,
        meeting.convener_kind,
        meeting.convened_by,
        meeting.state,
        meeting.voting_starts_at,
        meeting.voting_ends_at,
        meeting.notice_days,
        meeting.include_parking_storage,
        meeting.non_voters_follow_majority,
        meeting.allow_ballot_change,
        meeting.election_ranking,
    ) == (
        project,
        "committee",
        convener,
        "draft",
        start,
        start + dt.timedelta(days=7),
        15,
        False,
        False,
        True,
        "owners_then_area",
    )
    entry = AuditEntry.objects.get(action="decisions.meeting.created")
    assert (entry.actor, entry.project_id, entry.data["meeting"]) == (convener, project.pk, meeting.pk)
    detail = client.get(f"{BASE}{meeting.pk}/")
    assert [s["key"] for s in detail.context["settings_used"] if not s["default"]] == ["allow_ballot_change"]
    assert "可以修改，以最后一次为准" in detail.content.decode()


def test_a_committee_account_cannot_convene_as_the_subdistrict_office(client, project, convener):
    login_staff(client, convener)
    response = client.post(BASE + "new/", create_data(project, convener_kind="subdistrict"))
    assert response.status_code == 200
    assert response.context["form"].errors["convener_kind"] == [
        "选择一个有效的选项。 subdistrict 不在可用的选项中。"
    ]
    assert Meeting.objects.count() == 0


def test_the_form_refuses_bad_input_and_writes_nothing(client, project, convener, where):
    login_staff(client, convener)
    response = client.post(
        BASE + "new/",
        create_data(project, title="", voting_ends_at="2026-05-17T09:00", notice_days="0"),
    )
    errors = response.context["form"].errors
    assert errors["title"] == ["请填写会议名称。"]
    assert errors["notice_days"] == ["会议通知提前天数须为1至90之间的整数。"]
    response = client.post(BASE + "new/", create_data(project, voting_ends_at="2026-05-17T09:00"))
    assert response.context["form"].errors["voting_ends_at"] == ["投票截止时间必须晚于开始时间。"]
    response = client.post(BASE + "new/", create_data(project, project=where.other_project.code))
    assert response.context["form"].errors["project"][0].startswith("选择一个有效的选项")
    assert Meeting.objects.count() == 0
    assert AuditEntry.objects.filter(action__startswith="decisions.").count() == 0


def test_matters_by_art_278_item_with_class_kind_and_scope(client, project, convener):
    owners(project)
    meeting = f.draft_meeting(convener, project, [])
    login_staff(client, convener)
    url = f"{BASE}{meeting.pk}/matters/new/"
    page = client.get(url)
    labels = dict(page.context["form"].fields["item"].choices)
    assert labels[6] == "第6项：筹集建筑物及其附属设施的维修资金（重大事项，须四分之三同意）"
    assert labels[4] == "第4项：选聘和解聘物业服务企业或者其他管理人（一般事项，须过半数同意）"
    building2 = project.buildings.get(number="2")
    client.post(url, matter_data(), follow=True)
    client.post(
        url,
        matter_data(title="增设2栋电梯，使用维修资金", item="7", scope="buildings", buildings=[building2.pk]),
        follow=True,
    )
    response = client.post(
        url,
        matter_data(
            title="选举业主委员会委员",
            item="3",
            kind="election",
            seats="2",
            candidates="赵一\n钱二\n 孙三 \n",
        ),
        follow=True,
    )
    assert messages_of(response) == ["已添加议题3：选举业主委员会委员（一般事项）。"]
    rows = list(
        Matter.objects.filter(meeting=meeting).values_list(
            "order", "item", "matter_class", "kind", "seats", "scope"
        )
    )
    assert rows == [
        (1, 4, "ordinary", "question", None, "project"),
        (2, 7, "major", "question", None, "buildings"),
        (3, 3, "ordinary", "election", 2, "project"),
    ]
    assert list(Matter.objects.get(order=2, meeting=meeting).buildings.all()) == [building2]
    assert list(Candidate.objects.filter(matter__order=3).values_list("order", "name")) == [
        (1, "赵一"),
        (2, "钱二"),
        (3, "孙三"),
    ]
    # the service's rules come back as form errors, nothing written
    bad = client.post(url, matter_data(title="选举", item="4", kind="election", seats="1", candidates="赵一"))
    assert bad.context["form"].errors["item"] == [
        "选举议题属于第三项“选举业主委员会或者更换业主委员会成员”。"
    ]
    bad = client.post(url, matter_data(scope="buildings"))
    assert bad.context["form"].errors["buildings"] == ["请选择本小区的楼栋作为表决范围。"]
    assert Matter.objects.filter(meeting=meeting).count() == 3
    # edit and remove while a draft
    first = Matter.objects.get(meeting=meeting, order=1)
    client.post(f"{BASE}{meeting.pk}/matters/{first.pk}/edit/", matter_data(title="解聘物业服务企业"))
    first.refresh_from_db()
    assert first.title == "解聘物业服务企业"
    client.post(f"{BASE}{meeting.pk}/matters/{first.pk}/remove/")
    assert list(Matter.objects.filter(meeting=meeting).values_list("order", "title")) == [
        (1, "增设2栋电梯，使用维修资金"),
        (2, "选举业主委员会委员"),
    ]
    assert [
        e.action for e in AuditEntry.objects.filter(action__startswith="decisions.matter").order_by("id")
    ] == [
        "decisions.matter.added",
        "decisions.matter.added",
        "decisions.matter.added",
        "decisions.matter.updated",
        "decisions.matter.removed",
    ]


def test_upload_a_publicity_file_and_download_it(client, project, convener, other_committee):
    meeting = f.draft_meeting(convener, project, [f.question()])
    login_staff(client, convener)
    upload = SimpleUploadedFile("候选人介绍.pdf", f.PDF, content_type="application/pdf")
    response = client.post(
        f"{BASE}{meeting.pk}/files/new/",
        {"kind": "other", "title": "候选人介绍", "upload": upload},
        follow=True,
    )
    assert messages_of(response) == ["已上传其他文件：候选人介绍。"]
    stored = PublicityFile.objects.get(title="候选人介绍")
    download = client.get(f"{BASE}files/{stored.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == f.PDF
    assert download["Content-Type"] == "application/pdf"
    refused = client.post(
        f"{BASE}{meeting.pk}/files/new/",
        {
            "kind": "other",
            "title": "假文件",
            "upload": SimpleUploadedFile("a.pdf", b"hello", content_type="application/pdf"),
        },
    )
    assert refused.context["form"].errors["upload"] == ["只能上传PDF文件或JPG、PNG图片。"]
    assert PublicityFile.objects.count() == 2
    login_staff(client, other_committee)
    assert client.get(f"{BASE}files/{stored.pk}/").status_code == 404


def test_notice_too_late_is_refused_with_the_domain_message(client, project, convener):
    owners(project)
    meeting = f.draft_meeting(convener, project, [f.question()])
    login_staff(client, convener)
    with at(LATE):
        page = client.get(f"{BASE}{meeting.pk}/notice/")
        assert page.context["stage"].notice_in_time is False
        response = client.post(f"{BASE}{meeting.pk}/notice/", {"confirm": "on"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "会议通知须在投票开始前至少15日公告：本次投票开始时间为2026-05-17 10:00，最迟应于2026-05-02 10:00公告。"
        "请推迟投票开始时间。"
    ]
    meeting.refresh_from_db()
    assert (meeting.state, meeting.notice_published_at) == ("draft", None)
    assert not AuditEntry.objects.filter(action="decisions.meeting.notice_published").exists()


def test_notice_needs_the_confirmation_box(client, project, convener):
    owners(project)
    meeting = f.draft_meeting(convener, project, [f.question()])
    login_staff(client, convener)
    with at(f.T0):
        response = client.post(f"{BASE}{meeting.pk}/notice/", {})
    assert response.context["form"].errors["confirm"] == ["请先勾选确认。"]
    meeting.refresh_from_db()
    assert meeting.state == "draft"


def test_after_the_notice_matters_settings_and_notice_file_are_locked(client, project, convener):
    owners(project)
    meeting = f.draft_meeting(convener, project, [f.question()])
    login_staff(client, convener)
    with at(f.T0):
        response = client.post(f"{BASE}{meeting.pk}/notice/", {"confirm": "on"}, follow=True)
    assert messages_of(response) == ["会议通知已发布，业主现在可以在平台上查看会议通知和公示文件。"]
    meeting.refresh_from_db()
    assert (meeting.state, meeting.notice_published_at) == ("noticed", f.T0)
    matter = meeting.matters.get()
    before = list(Matter.objects.values_list("id", "order", "title", "item"))

    add = client.post(f"{BASE}{meeting.pk}/matters/new/", matter_data(title="新增议题"), follow=True)
    assert messages_of(add) == ["会议通知已公告，不能再增加议题（未列入通知的事项不得表决）。"]
    edit = client.post(f"{BASE}{meeting.pk}/matters/{matter.pk}/edit/", matter_data(title="改"), follow=True)
    assert messages_of(edit) == ["会议通知已公告，议题不能再修改。"]
    remove = client.post(f"{BASE}{meeting.pk}/matters/{matter.pk}/remove/", follow=True)
    assert messages_of(remove) == ["会议通知已公告，议题不能再删除。"]
    settings = client.post(f"{BASE}{meeting.pk}/edit/", create_data(project, notice_days="1"), follow=True)
    assert messages_of(settings) == ["会议通知已公告，会议内容和规则不能再修改。"]
    notice = client.post(
        f"{BASE}{meeting.pk}/files/new/",
        {"kind": "meeting_notice", "title": "新通知", "upload": f.notice_file()},
    )
    assert notice.context["form"].non_field_errors() == ["会议通知已公告，不能更换。"]
    assert list(Matter.objects.values_list("id", "order", "title", "item")) == before
    meeting.refresh_from_db()
    assert meeting.notice_days == 15
    assert PublicityFile.objects.count() == 1
    detail = client.get(f"{BASE}{meeting.pk}/")
    assert detail.context["matters_editable"] is False
    assert f"/matters/{matter.pk}/edit/" not in detail.content.decode()


def test_open_close_and_publish_through_the_pages(client, project, convener):
    people = owners(project)
    meeting = f.noticed_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    login_staff(client, convener)
    with at(f.T_START - dt.timedelta(minutes=1)):
        early = client.post(f"{BASE}{meeting.pk}/open/", {"confirm": "on"})
        assert early.context["form"].non_field_errors() == ["尚未到投票开始时间（2026-05-17 10:00）。"]
        assert Meeting.objects.get().state == "noticed"
        detail = client.get(f"{BASE}{meeting.pk}/")
        assert "开始投票（未到开始时间）" in detail.content.decode()
    with at(f.T_START):
        response = client.post(f"{BASE}{meeting.pk}/open/", {"confirm": "on"}, follow=True)
    assert messages_of(response) == ["投票已开始，投票人名册已冻结。"]
    meeting.refresh_from_db()
    assert (meeting.state, meeting.opened_at, len(meeting.roll_hash)) == ("open", f.T_START, 64)
    f.vote(people.zhang, matter, people.units["1-101"], "yes")
    f.vote(people.li, matter, people.units["1-102"], "yes")
    with at(f.T_START + dt.timedelta(days=2)):
        early = client.post(f"{BASE}{meeting.pk}/close/", {"confirm": "on"})
        assert early.context["form"].non_field_errors() == ["尚未到投票截止时间（2026-05-24 10:00）。"]
        before = client.get(f"{BASE}{meeting.pk}/results/", follow=True)
        assert messages_of(before) == ["投票截止后才能查看计票结果。"]
    with at(f.T_END):
        response = client.post(f"{BASE}{meeting.pk}/close/", {"confirm": "on"}, follow=True)
        assert messages_of(response) == ["投票已截止，系统已按选票重新计票核对。"]
        results = client.get(f"{BASE}{meeting.pk}/results/")
        assert results.status_code == 200
        (sheet,) = results.context["sheet"].matters
        (result,) = sheet.results
        # 张三 (140.00) and 李四 (80.00) of 4 owners / 350.00 m²: 2 of 4 owners is below two thirds
        assert (result.document["participating_owners"], result.document["participating_area"]) == (
            2,
            "220.00",
        )
        assert result.document["outcome"] == "no_decision"
        assert "未形成决定：参与表决的人数或面积不足三分之二（不等于否决）" in results.content.decode()
        response = client.post(f"{BASE}{meeting.pk}/results/publish/", {"confirm": "on"}, follow=True)
    assert messages_of(response) == ["表决结果已公布，本小区业主现在可以查看计票结果。"]
    meeting.refresh_from_db()
    assert (meeting.state, meeting.results_published_at) == ("published", f.T_END)
    assert list(
        AuditEntry.objects.filter(action__startswith="decisions.meeting")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "decisions.meeting.created",
        "decisions.meeting.notice_published",
        "decisions.meeting.opened",
        "decisions.meeting.closed",
        "decisions.meeting.results_published",
    ]
    trail = client.get(f"{BASE}{meeting.pk}/audit/")
    assert [r["code"] for r in trail.context["rows"]][:2] == [
        "decisions.meeting.results_published",
        "decisions.meeting.closed",
    ]
    assert trail.context["ballot_entries"] == 2


def test_cancel_needs_a_reason_and_the_box(client, project, convener):
    meeting = f.draft_meeting(convener, project, [f.question()])
    login_staff(client, convener)
    response = client.post(f"{BASE}{meeting.pk}/cancel/", {"reason": "", "confirm": "on"})
    assert response.context["form"].errors["reason"] == ["请填写取消原因。"]
    assert Meeting.objects.get().state == "draft"
    client.post(f"{BASE}{meeting.pk}/cancel/", {"reason": "业主委员会决定延期", "confirm": "on"})
    meeting.refresh_from_db()
    assert (meeting.state, meeting.cancel_reason) == ("cancelled", "业主委员会决定延期")
