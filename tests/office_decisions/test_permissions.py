"""Every permission branch of the back-office pages: the project's committee, a committee of another project, the
subdistrict office (its own and another), the district bureau (read only), the city, a property company.
Outside the scope a meeting is 404 for GET and POST alike, and nothing is written."""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.audit.models import AuditEntry
from pmip.decisions.models import Ballot, Matter, Meeting, PaperBallotEntry, PublicityFile
from tests.decisions import factories as f
from tests.factories import login_staff
from tests.office_decisions.support import at, owners

BASE = "/office/decisions/"

# role fixture → (sees the meeting, may run it)
ROLES = {
    "convener": (True, True),
    "other_committee": (False, False),
    "subdistrict_staff": (True, True),
    "far_subdistrict_staff": (False, False),
    "district_staff": (True, False),
    "city_staff": (True, True),
    "company_staff": (False, False),
}


def writes() -> tuple:
    return (
        Meeting.objects.values_list("state", flat=True).first(),
        Matter.objects.count(),
        PublicityFile.objects.count(),
        PaperBallotEntry.objects.count(),
        Ballot.objects.count(),
        AuditEntry.objects.filter(action__startswith="decisions.").count(),
    )


@pytest.mark.parametrize("role", list(ROLES))
def test_each_scope_sees_exactly_its_meetings(client, request, project, convener, role):
    sees, runs = ROLES[role]
    meeting = f.draft_meeting(convener, project, [f.question()])
    login_staff(client, request.getfixturevalue(role))
    listing = client.get(BASE)
    assert listing.status_code == 200
    assert [m.pk for m in listing.context["page"].object_list] == ([meeting.pk] if sees else [])
    detail = client.get(f"{BASE}{meeting.pk}/")
    assert detail.status_code == (200 if sees else 404)
    if sees:
        assert detail.context["may_run"] is runs
        assert ("发布会议通知…" in detail.content.decode()) is runs
        assert ("只读" in detail.content.decode()) is not runs
    else:
        assert "未找到该会议，或不在您的管辖范围内。" in detail.content.decode()
    for page in ("audit/", "turnout/", "paper/", "roll/"):
        assert client.get(f"{BASE}{meeting.pk}/{page}").status_code == (200 if sees else 404), page


@pytest.mark.parametrize("role", [r for r, (_, runs) in ROLES.items() if not runs])
def test_who_may_not_run_a_meeting_gets_404_on_every_write_and_nothing_changes(
    client, request, project, convener, role
):
    owners(project)
    meeting = f.draft_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    login_staff(client, request.getfixturevalue(role))
    before = writes()
    with at(f.T0):
        posts = {
            "notice/": {"confirm": "on"},
            "matters/new/": {"title": "X", "item": "4", "kind": "question", "scope": "project"},
            f"matters/{matter.pk}/edit/": {"title": "X", "item": "4", "kind": "question", "scope": "project"},
            f"matters/{matter.pk}/remove/": {},
            "files/new/": {"kind": "other", "title": "X", "upload": f.notice_file()},
            "edit/": {"title": "X"},
            "cancel/": {"reason": "X", "confirm": "on"},
        }
        for path, data in posts.items():
            assert client.post(f"{BASE}{meeting.pk}/{path}", data).status_code == 404, path
    assert writes() == before

    # an open meeting: opening, paper ballots, closing
    f.noticed_meeting(convener, project, [f.question()])
    noticed = Meeting.objects.filter(state="noticed").get()
    before = writes()
    with at(f.T_START):
        assert client.post(f"{BASE}{noticed.pk}/open/", {"confirm": "on"}).status_code == 404
    assert writes() == before
    with at(f.T_START):
        from pmip.decisions import services

        services.open_voting(actor=convener, meeting_id=noticed.pk)
    before = writes()
    with at(f.T_VOTE):
        paper = {"matter": noticed.matters.get().pk, f"m{noticed.matters.get().pk}-unit": "2-102"}
        paper[f"m{noticed.matters.get().pk}-choice"] = "yes"
        assert client.post(f"{BASE}{noticed.pk}/paper/", paper).status_code == 404
    with at(f.T_END):
        assert client.post(f"{BASE}{noticed.pk}/close/", {"confirm": "on"}).status_code == 404
        assert writes() == before
        services.close_voting(actor=convener, meeting_id=noticed.pk)
        before = writes()
        assert client.post(f"{BASE}{noticed.pk}/results/publish/", {"confirm": "on"}).status_code == 404
    assert writes() == before


def test_the_district_bureau_reads_results_and_exports_but_cannot_publish(
    client, project, convener, district_staff
):
    people = owners(project)
    meeting = f.open_meeting(convener, project, [f.question()])
    f.vote(people.zhang, meeting.matters.get(), people.units["1-101"], "yes")
    f.close(convener, meeting)
    login_staff(client, district_staff)
    with at(f.T_END):
        results = client.get(f"{BASE}{meeting.pk}/results/")
        assert results.status_code == 200
        assert "公布表决结果…" not in results.content.decode()
        assert client.get(f"{BASE}{meeting.pk}/export/").status_code == 200
        assert client.get(f"{BASE}{meeting.pk}/results/publish/").status_code == 404
        assert client.post(f"{BASE}{meeting.pk}/results/publish/", {"confirm": "on"}).status_code == 404
    meeting.refresh_from_db()
    assert meeting.state == "closed"


@pytest.mark.parametrize("role", ["district_staff", "company_staff"])
def test_who_cannot_convene_gets_no_create_page(client, request, where, role):
    login_staff(client, request.getfixturevalue(role))
    response = client.get(BASE + "new/")
    assert response.status_code == 403
    assert "您的账户没有召集会议的权限" in response.content.decode()
    assert client.post(BASE + "new/", {"project": where.project.code, "title": "X"}).status_code == 403
    assert Meeting.objects.count() == 0
    assert client.get(BASE).context["may_create"] is False


def test_the_subdistrict_office_convenes_for_its_projects_only(client, where, subdistrict_staff):
    login_staff(client, subdistrict_staff)
    form = client.get(BASE + "new/").context["form"]
    assert [c[0] for c in form.fields["project"].choices] == ["", "440303001", "440303002"]
    assert [c[0] for c in form.fields["convener_kind"].choices] == [
        "committee",
        "preparatory",
        "reelection",
        "subdistrict",
    ]
    data = {
        "project": where.far_project.code,
        "convener_kind": "subdistrict",
        "title": "首次业主大会",
        "meeting_type": "regular",
        "voting_starts_at": "2026-05-17T10:00",
        "voting_ends_at": "2026-05-24T10:00",
        "notice_days": "15",
        "election_ranking": "owners_then_area",
    }
    refused = client.post(BASE + "new/", data)
    assert refused.status_code == 200 and "project" in refused.context["form"].errors
    assert Meeting.objects.count() == 0
    client.post(BASE + "new/", {**data, "project": where.other_project.code})
    meeting = Meeting.objects.get()
    assert (meeting.project, meeting.convener_kind, meeting.convened_by) == (
        where.other_project,
        "subdistrict",
        subdistrict_staff,
    )


def test_the_city_convenes_anywhere(client, where, city_staff):
    login_staff(client, city_staff)
    form = client.get(BASE + "new/").context["form"]
    assert [c[0] for c in form.fields["project"].choices] == ["", "440303001", "440303002", "440303101"]


def test_state_filter_and_pagination(client, project, convener, django_assert_max_num_queries):
    for i in range(23):
        with at(f.T0 - dt.timedelta(days=1)):
            from pmip.decisions import services

            services.create_meeting(
                actor=convener,
                project_id=project.pk,
                convener_kind="committee",
                title=f"会议{i:02d}",
                voting_starts_at=f.T_START + dt.timedelta(days=i),
                voting_ends_at=f.T_END + dt.timedelta(days=i),
            )
    Meeting.objects.filter(title__in=["会议00", "会议01"]).update(state="cancelled")
    login_staff(client, convener)
    client.get(BASE)  # warm the session
    with django_assert_max_num_queries(10):
        first = client.get(BASE)
    assert first.context["page"].paginator.count == 23
    assert [m.title for m in first.context["page"].object_list][:2] == ["会议22", "会议21"]
    assert len(first.context["page"].object_list) == 20
    second = client.get(BASE + "?page=2")
    assert [m.title for m in second.context["page"].object_list] == ["会议02", "会议01", "会议00"]
    cancelled = client.get(BASE + "?state=cancelled")
    assert [m.title for m in cancelled.context["page"].object_list] == ["会议01", "会议00"]
    empty = client.get(BASE + "?state=published")
    assert "没有该状态的会议。" in empty.content.decode()
