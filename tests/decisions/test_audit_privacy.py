"""Vote privacy in the audit log (issue 8, item 2).

Before: the office project page's 操作记录 listed `马娜洁 decisions.ballot.cast` to every staff scope, the property
company included; audit actor labels held full names.
"""

from __future__ import annotations

import pytest

from pmip.audit.models import AuditEntry
from pmip.identity.models import ScopeLevel
from pmip.registry import selectors
from pmip.registry.models import PropertyCompany
from tests.decisions import factories as f
from tests.decisions.test_casting import owners  # noqa: F401  (fixture)
from tests.factories import login_staff


@pytest.fixture
def company_staff(project):
    company = PropertyCompany.objects.create(name="万家物业", credit_code="91440300MA5XXXXX01")
    project.company = company
    project.save(update_fields=["company"])
    return f.staff("wanjia", level=ScopeLevel.COMPANY, company=company)


def test_casting_entries_are_not_on_project_pages(client, project, convener, owners, company_staff):  # noqa: F811
    a, _, units = owners
    meeting = f.open_meeting(convener, project, [f.question()])
    f.vote(a, meeting.matters.get(), units["1-101"], "yes")
    assert AuditEntry.objects.filter(action="decisions.ballot.cast").count() == 1

    trail = selectors.project_audit_trail(project=project, limit=100)
    assert trail and all(e.action != "decisions.ballot.cast" for e in trail)
    for viewer in (company_staff, convener):
        assert not selectors.audit_for_staff(actor=viewer).filter(action="decisions.ballot.cast").exists()

    login_staff(client, company_staff)
    page = client.get(f"/office/projects/{project.code}/").content.decode()
    assert "张三" not in page and ">投票<" not in page
    audit_page = client.get("/office/audit/").content.decode()
    assert "张三" not in audit_page and "decisions.ballot.cast" not in audit_page
    assert client.get("/office/audit/?action=decisions.ballot.cast").content.decode().count("张") == 0


def test_actor_labels_are_stored_masked(project, convener, owners):  # noqa: F811
    a, _, units = owners
    meeting = f.open_meeting(convener, project, [f.question()])
    f.vote(a, meeting.matters.get(), units["1-101"], "yes")
    labels = set(AuditEntry.objects.values_list("actor_label", flat=True))
    assert "张三" not in labels and "张*" in labels
    assert not any(label.startswith("工作人员") and "*" not in label for label in labels)


def test_office_audit_view_renders_labels_of_every_domain(client, project, convener, owners):  # noqa: F811
    meeting = f.open_meeting(convener, project, [f.question()])
    login_staff(client, convener)
    page = client.get("/office/audit/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "创建会议" in body and "开始投票（冻结投票人名册）" in body
    assert "（本人）" in body  # the viewer's own entries carry their own name
    only = client.get("/office/audit/?action=decisions.meeting.created").content.decode()
    assert "创建会议" in only and "开始投票（冻结投票人名册）" not in only.split("<table")[-1]
    assert client.get(f"/office/audit/?q={meeting.pk}").status_code == 200
