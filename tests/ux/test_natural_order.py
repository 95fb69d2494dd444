"""Units in their natural order (building, floor, room; numbers as numbers) on the roll and the apportionment preview:
"2-101" before "2-1001" (issue 12: they were sorted as text)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import override_settings

from pmip.decisions import selectors
from pmip.funds.services.repairs import preview_apportionment
from tests.decisions import factories as f
from tests.factories import login_staff
from tests.portal_decisions.support import meeting_around_now

pytestmark = pytest.mark.django_db

LABELS = ["2-1001", "10-101", "2-101", "2-201", "1-1101", "1-102"]
NATURAL = ["1-102", "1-1101", "2-101", "2-201", "2-1001", "10-101"]


@pytest.fixture
def place(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    where = f.place()
    units = {label: f.unit(where.project, label, "50.00") for label in LABELS}
    for label, u in units.items():
        f.own(u, f.person(f"业主{label}"))
    return where.project, units


def test_the_roll_lists_units_naturally(client, place):
    project, _ = place
    convener = f.committee_staff(project, "committee_n")
    with override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}):
        meeting = meeting_around_now(convener, project, [f.question("续聘物业服务企业", item=4)])
    assert [e.unit_label for e in selectors.roll_for_staff(actor=convener, meeting_id=meeting.pk)] == NATURAL
    login_staff(client, convener)
    page = client.get(f"/office/decisions/{meeting.pk}/roll/").content.decode()
    shown = [label for label in re.findall(r"\b(\d+-\d+)\b", page) if label in LABELS]
    assert shown == NATURAL


def test_the_apportionment_preview_lists_units_naturally(place):
    project, _ = place
    allocations = preview_apportionment(project=project, amount=Decimal("600.00"), scope_kind="project")
    assert [a.label for a in allocations] == NATURAL


def test_the_owner_situation_lists_buildings_naturally_with_areas_formatted(client):
    """项目信息 → 业主情况: 2栋 before 10栋, and the bound area through the one area filter."""
    where = f.place()
    for label, area in (("10-101", "1500.00"), ("2-101", "80.00")):
        f.own(f.unit(where.project, label, area), f.person(f"业主{label}"))
    page = client.get(f"/property/projects/{where.project.code}/owners/").content.decode()
    shown = re.findall(r'data-field="building">\s*<div class="weui-cell__bd"><p>([^<]+)</p>', page)
    assert [b for b in shown if b in ("2栋", "10栋")] == ["2栋", "10栋"]
    assert "已绑定面积 1,500.00 / 1,500.00 ㎡" in page
