"""Meetings: who may convene, the notice period, fixed matters after the notice, opening and closing on time,
cancellation, publicity files, the binding-status summary and the scheduled tasks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.tasks import task_backends

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.decisions import selectors, services, tasks
from pmip.decisions.models import Matter, MatterCount, Meeting, PublicityFile, RollEntry
from tests.decisions import factories as f


def create(actor, project, **kw):
    with clock.frozen(f.T0 - dt.timedelta(hours=1)):
        return services.create_meeting(
            actor=actor,
            project_id=project.pk,
            convener_kind=kw.pop("convener_kind", "committee"),
            title="业主大会",
            voting_starts_at=kw.pop("voting_starts_at", f.T_START),
            voting_ends_at=kw.pop("voting_ends_at", f.T_END),
            **kw,
        )


def test_defaults_of_the_rule_settings(project, convener):
    meeting = create(convener, project)
    assert (
        meeting.state,
        meeting.notice_days,
        meeting.include_parking_storage,
        meeting.non_voters_follow_majority,
        meeting.allow_ballot_change,
        meeting.election_ranking,
        meeting.convened_by,
    ) == ("draft", 15, False, False, False, "owners_then_area", convener)
    entry = AuditEntry.objects.get(action="decisions.meeting.created")
    assert (entry.actor, entry.project_id, entry.data["notice_days"]) == (convener, project.pk, 15)


def test_a_draft_can_be_changed(project, convener):
    meeting = create(convener, project)
    services.update_meeting(
        actor=convener,
        meeting_id=meeting.pk,
        changes={"title": "改期后的业主大会", "notice_days": 20, "allow_ballot_change": True},
    )
    meeting.refresh_from_db()
    assert (meeting.title, meeting.notice_days, meeting.allow_ballot_change) == ("改期后的业主大会", 20, True)
    with pytest.raises(ValidationFailed):
        services.update_meeting(actor=convener, meeting_id=meeting.pk, changes={"notice_days": 0})
    with pytest.raises(ValidationFailed):
        services.update_meeting(actor=convener, meeting_id=meeting.pk, changes={"state": "open"})
    assert AuditEntry.objects.filter(action="decisions.meeting.updated").count() == 1


@pytest.mark.parametrize("who", ["convener", "subdistrict_staff", "city_staff"])
def test_committee_subdistrict_and_city_may_convene(request, project, who):
    actor = request.getfixturevalue(who)
    assert create(actor, project).project == project


@pytest.mark.parametrize("who", ["other_committee", "far_subdistrict_staff", "district_staff"])
def test_others_cannot_convene_and_nothing_is_written(request, project, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(NotFound):
        create(actor, project)
    assert Meeting.objects.count() == 0
    assert AuditEntry.objects.filter(action__startswith="decisions.").count() == 0


def test_a_committee_cannot_act_on_another_projects_meeting(project, convener, other_committee):
    meeting = f.draft_meeting(convener, project, [f.question()])
    with pytest.raises(NotFound):
        services.add_matter(actor=other_committee, meeting_id=meeting.pk, title="x", item=1)
    with clock.frozen(f.T0), pytest.raises(NotFound):
        services.publish_notice(actor=other_committee, meeting_id=meeting.pk)
    with pytest.raises(NotFound):
        services.cancel_meeting(actor=other_committee, meeting_id=meeting.pk, reason="x")
    with pytest.raises(NotFound):
        selectors.get_meeting_for_staff(actor=other_committee, meeting_id=meeting.pk)
    meeting.refresh_from_db()
    assert (meeting.state, meeting.matters.count()) == ("draft", 1)


def test_a_committee_cannot_convene_in_the_name_of_the_subdistrict_office(
    project, convener, subdistrict_staff
):
    with pytest.raises(PermissionDenied):
        create(convener, project, convener_kind="subdistrict")
    assert create(subdistrict_staff, project, convener_kind="subdistrict").convener_kind == "subdistrict"


def test_voting_must_end_after_it_starts(project, convener):
    with pytest.raises(ValidationFailed) as exc:
        create(convener, project, voting_ends_at=f.T_START)
    assert exc.value.message == "投票截止时间必须晚于开始时间。"


def test_matter_class_follows_the_item(project, convener):
    meeting = create(convener, project)
    with clock.frozen(f.T0):
        raise_fund = services.add_matter(actor=convener, meeting_id=meeting.pk, title="续筹维修资金", item=6)
        use_fund = services.add_matter(actor=convener, meeting_id=meeting.pk, title="使用维修资金", item=5)
    assert (raise_fund.matter_class, raise_fund.order) == ("major", 1)
    assert (use_fund.matter_class, use_fund.order) == ("ordinary", 2)


def test_an_election_needs_item_3_seats_and_enough_candidates(project, convener):
    meeting = create(convener, project)
    with pytest.raises(ValidationFailed):
        services.add_matter(
            actor=convener,
            meeting_id=meeting.pk,
            title="选举",
            item=4,
            kind="election",
            seats=1,
            candidates=["甲"],
        )
    with pytest.raises(ValidationFailed):
        services.add_matter(
            actor=convener,
            meeting_id=meeting.pk,
            title="选举",
            item=3,
            kind="election",
            seats=3,
            candidates=["甲", "乙"],
        )
    m = services.add_matter(
        actor=convener,
        meeting_id=meeting.pk,
        title="选举委员",
        item=3,
        kind="election",
        seats=2,
        candidates=["甲", "乙", "丙"],
    )
    assert list(m.candidates.values_list("order", "name")) == [(1, "甲"), (2, "乙"), (3, "丙")]
    assert Matter.objects.filter(meeting=meeting).count() == 1


def test_notice_must_be_at_least_notice_days_before_voting_starts(project, convener):
    f.own(f.unit(project, "1-101", "90.00"), f.person("张三"))
    meeting = f.draft_meeting(convener, project, [f.question()])
    deadline = f.T_START - dt.timedelta(days=15)
    with clock.frozen(deadline + dt.timedelta(seconds=1)), pytest.raises(ValidationFailed) as exc:
        services.publish_notice(actor=convener, meeting_id=meeting.pk)
    assert exc.value.message == (
        "会议通知须在投票开始前至少15日公告：本次投票开始时间为2026-05-17 10:00，最迟应于2026-05-02 10:00公告。"
        "请推迟投票开始时间。"
    )
    meeting.refresh_from_db()
    assert (meeting.state, meeting.notice_published_at) == ("draft", None)
    with clock.frozen(deadline):  # exactly 15 days before is enough
        services.publish_notice(actor=convener, meeting_id=meeting.pk)
    meeting.refresh_from_db()
    assert (meeting.state, meeting.notice_published_at) == ("noticed", deadline)


def test_a_configured_notice_period_is_applied(project, convener):
    f.own(f.unit(project, "1-101", "90.00"), f.person("张三"))
    meeting = f.draft_meeting(convener, project, [f.question()], notice_days=20)
    with clock.frozen(f.T0), pytest.raises(ValidationFailed):
        services.publish_notice(actor=convener, meeting_id=meeting.pk)  # 16 days < 20


def test_notice_needs_matters_and_the_notice_file(project, convener):
    f.own(f.unit(project, "1-101", "90.00"), f.person("张三"))
    empty = create(convener, project)
    with clock.frozen(f.T0), pytest.raises(ValidationFailed) as exc:
        services.publish_notice(actor=convener, meeting_id=empty.pk)
    assert exc.value.message == "请先添加表决事项。"
    services.add_matter(actor=convener, meeting_id=empty.pk, title="续聘物业", item=4)
    with clock.frozen(f.T0), pytest.raises(ValidationFailed) as exc:
        services.publish_notice(actor=convener, meeting_id=empty.pk)
    assert exc.value.message == "请先上传会议通知文件。"


def test_nothing_changes_after_the_notice(project, convener):
    f.own(f.unit(project, "1-101", "90.00"), f.person("张三"))
    meeting = f.noticed_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    with pytest.raises(ValidationFailed):
        services.add_matter(actor=convener, meeting_id=meeting.pk, title="临时动议", item=9)
    with pytest.raises(ValidationFailed):
        services.update_matter(actor=convener, matter_id=matter.pk, title="改过的议题", item=4)
    with pytest.raises(ValidationFailed):
        services.remove_matter(actor=convener, matter_id=matter.pk)
    with pytest.raises(ValidationFailed):
        services.update_meeting(
            actor=convener, meeting_id=meeting.pk, changes={"non_voters_follow_majority": True}
        )
    with pytest.raises(ValidationFailed):
        services.upload_publicity_file(
            actor=convener,
            meeting_id=meeting.pk,
            kind="meeting_notice",
            title="新通知",
            upload=f.notice_file(),
        )
    matter.refresh_from_db()
    meeting.refresh_from_db()
    assert (matter.title, meeting.non_voters_follow_majority, meeting.matters.count()) == (
        "续聘物业服务企业",
        False,
        1,
    )
    assert PublicityFile.objects.filter(meeting=meeting).count() == 1


def test_draft_matters_can_be_edited_and_removed_with_renumbering(project, convener):
    meeting = create(convener, project)
    first = services.add_matter(actor=convener, meeting_id=meeting.pk, title="一", item=1)
    services.add_matter(actor=convener, meeting_id=meeting.pk, title="二", item=2)
    third = services.add_matter(actor=convener, meeting_id=meeting.pk, title="三", item=7)
    services.remove_matter(actor=convener, matter_id=first.pk)
    services.update_matter(actor=convener, matter_id=third.pk, title="三（改）", item=9)
    assert list(meeting.matters.order_by("order").values_list("order", "title", "matter_class")) == [
        (1, "二", "ordinary"),
        (2, "三（改）", "ordinary"),
    ]


def test_opening_before_the_start_is_refused_and_at_the_start_freezes_the_roll(project, convener):
    f.own(f.unit(project, "1-101", "90.00"), f.person("张三"))
    meeting = f.noticed_meeting(convener, project, [f.question()])
    with clock.frozen(f.T_START - dt.timedelta(seconds=1)), pytest.raises(ValidationFailed):
        services.open_voting(actor=convener, meeting_id=meeting.pk)
    assert RollEntry.objects.count() == 0
    with clock.frozen(f.T_START):
        services.open_voting(actor=None, meeting_id=meeting.pk)
    meeting.refresh_from_db()
    assert (meeting.state, meeting.opened_at, meeting.roll_frozen_at) == ("open", f.T_START, f.T_START)
    opened = AuditEntry.objects.get(action="decisions.meeting.opened")
    assert (opened.actor, opened.actor_label, opened.data["units"], opened.data["roll_hash"]) == (
        None,
        "系统（定时任务）",
        1,
        meeting.roll_hash,
    )


def test_closing_before_the_end_is_refused(project, convener):
    f.own(f.unit(project, "1-101", "90.00"), f.person("张三"))
    meeting = f.open_meeting(convener, project, [f.question()])
    with clock.frozen(f.T_END - dt.timedelta(seconds=1)), pytest.raises(ValidationFailed):
        services.close_voting(actor=convener, meeting_id=meeting.pk)
    meeting.refresh_from_db()
    assert meeting.state == "open"
    f.close(None, meeting)
    assert (meeting.state, meeting.closed_at, meeting.count_mismatch) == ("closed", f.T_END, False)
    assert selectors.results_due(meeting) == f.T_END + dt.timedelta(days=3)


def test_results_are_published_only_after_the_close_by_a_convener(project, convener, other_committee):
    f.own(f.unit(project, "1-101", "90.00"), f.person("张三"))
    meeting = f.open_meeting(convener, project, [f.question()])
    with clock.frozen(f.T_VOTE), pytest.raises(ValidationFailed):
        services.publish_results(actor=convener, meeting_id=meeting.pk)
    f.close(None, meeting)
    with clock.frozen(f.T_END), pytest.raises(NotFound):
        services.publish_results(actor=other_committee, meeting_id=meeting.pk)
    with clock.frozen(f.T_END + dt.timedelta(hours=2)):
        services.publish_results(actor=convener, meeting_id=meeting.pk)
    meeting.refresh_from_db()
    assert (meeting.state, meeting.results_published_at) == ("published", f.T_END + dt.timedelta(hours=2))
    published = AuditEntry.objects.get(action="decisions.meeting.results_published")
    assert published.data["outcomes"] == [
        {"matter": meeting.matters.get().pk, "candidate": None, "outcome": "no_decision"}
    ]


def test_cancel_before_the_close_only(project, convener):
    f.own(f.unit(project, "1-101", "90.00"), f.person("张三"))
    meeting = f.open_meeting(convener, project, [f.question()])
    with pytest.raises(ValidationFailed):
        services.cancel_meeting(actor=convener, meeting_id=meeting.pk, reason="  ")
    with clock.frozen(f.T_VOTE):
        services.cancel_meeting(actor=convener, meeting_id=meeting.pk, reason="业委会决定延期")
    meeting.refresh_from_db()
    assert (meeting.state, meeting.cancel_reason, meeting.cancelled_at) == (
        "cancelled",
        "业委会决定延期",
        f.T_VOTE,
    )
    closed = f.open_meeting(convener, project, [f.question()])
    f.close(None, closed)
    with pytest.raises(ValidationFailed):
        services.cancel_meeting(actor=convener, meeting_id=closed.pk, reason="x")


def test_notice_enqueues_the_scheduled_open_and_close(project, convener, django_capture_on_commit_callbacks):
    f.own(f.unit(project, "1-101", "90.00"), f.person("张三"))
    meeting = f.draft_meeting(convener, project, [f.question()])
    with django_capture_on_commit_callbacks(execute=True), clock.frozen(f.T0):
        services.publish_notice(actor=convener, meeting_id=meeting.pk)
    queued = [(r.task.name, r.args, r.task.run_after) for r in task_backends["default"].results]
    assert queued[-2:] == [
        ("open_meeting", [meeting.pk], f.T_START),
        ("close_meeting", [meeting.pk], f.T_END),
    ]


def test_advance_meetings_opens_and_closes_what_is_due(project, convener):
    f.own(f.unit(project, "1-101", "90.00"), f.person("张三"))
    meeting = f.noticed_meeting(convener, project, [f.question()])
    with clock.frozen(f.T_START - dt.timedelta(minutes=1)):
        assert tasks.advance_meetings.call() == {"opened": 0, "closed": 0}
    with clock.frozen(f.T_START + dt.timedelta(minutes=1)):
        assert tasks.advance_meetings.call() == {"opened": 1, "closed": 0}
        assert tasks.open_meeting.call(meeting.pk) == "meeting_state"  # already open: left alone
    with clock.frozen(f.T_END):
        assert tasks.advance_meetings.call() == {"opened": 0, "closed": 1}
    meeting.refresh_from_db()
    assert meeting.state == "closed"
    assert MatterCount.objects.filter(matter__meeting=meeting).count() == 1


# --- publicity ---------------------------------------------------------------------------------------------------


def test_publicity_files_are_sniffed_and_stored_privately(project, convener, settings):
    meeting = create(convener, project)
    with pytest.raises(ValidationFailed) as exc:
        services.upload_publicity_file(
            actor=convener,
            meeting_id=meeting.pk,
            kind="other",
            title="假PDF",
            upload=SimpleUploadedFile("x.pdf", b"<html>not a pdf</html>", content_type="application/pdf"),
        )
    assert exc.value.message == "只能上传PDF文件或JPG、PNG图片。"
    stored = services.upload_publicity_file(
        actor=convener,
        meeting_id=meeting.pk,
        kind="other",
        title="物业服务合同（草案）",
        upload=f.notice_file("合同.pdf"),
    )
    with services.open_stored_file(stored) as handle:
        assert handle.read() == f.PDF
    assert (settings.PRIVATE_MEDIA_ROOT / stored.stored_name).read_bytes() == f.PDF  # the default storage
    assert (stored.content_type, stored.original_name, stored.size) == (
        "application/pdf",
        "合同.pdf",
        len(f.PDF),
    )
    assert PublicityFile.objects.count() == 1


def test_owners_of_the_project_read_publicity_files_and_others_do_not(where, project, convener):
    owner, outsider = f.person("张三"), f.person("外人")
    f.own(f.unit(project, "1-101", "90.00"), owner)
    f.own(f.unit(where.other_project, "1-101", "90.00"), outsider)
    meeting = f.draft_meeting(convener, project, [f.question()])
    notice = meeting.files.get()
    with pytest.raises(NotFound):  # a draft is not public yet
        selectors.open_publicity_file(actor=owner.account, file_id=notice.pk)
    with clock.frozen(f.T0):
        services.publish_notice(actor=convener, meeting_id=meeting.pk)
    got, handle = selectors.open_publicity_file(actor=owner.account, file_id=notice.pk)
    with handle:
        assert (got, handle.read()) == (notice, f.PDF)
    with pytest.raises(NotFound):
        selectors.open_publicity_file(actor=outsider.account, file_id=notice.pk)
    assert [m.pk for m in selectors.meetings_for_owner(actor=owner.account)] == [meeting.pk]
    assert list(selectors.meetings_for_owner(actor=outsider.account)) == []


def test_binding_summary_per_building_without_names(project, convener):
    f.own(f.unit(project, "1-101", "90.00"), f.person("张三"))
    f.own(f.unit(project, "1-102", "80.50"), f.person("李四", verified=False))
    f.own(f.unit(project, "1-201", "70.00"), f.person("王五"), bound=False)
    f.own(f.unit(project, "2-101", "60.25"), f.person("赵六"))
    f.unit(project, "9-001", "12.00", use="parking")
    meeting = f.noticed_meeting(convener, project, [f.question()])

    rows = selectors.binding_summary(actor=convener, meeting_id=meeting.pk)

    assert [
        (r.building, r.units, r.units_bound, r.units_verified, r.area, r.area_bound, r.area_verified)
        for r in rows
    ] == [
        ("1栋", 3, 2, 1, "240.50", "170.50", "90.00"),
        ("2栋", 1, 1, 1, "60.25", "60.25", "60.25"),
    ]
