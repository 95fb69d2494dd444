"""Office results tables (issue 12): every area shows with 2 decimals, thousands separators and ㎡ (the one `area`
filter of pmip.core.display), and units in their natural order — on the meeting page (业主绑定情况), 参与情况,
投票人名册, 计票结果 and 选票公示."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from tests.decisions import factories as f
from tests.factories import login_staff
from tests.portal.helpers import text
from tests.portal_decisions import support

pytestmark = pytest.mark.django_db

BASE = "/office/decisions/"
# 1-101 + 1-1001 + 2-101 + 10-101 = 3,725.30 ㎡ in all
AREAS = {"2-101": "1200.50", "1-1001": "80.00", "1-101": "2400.25", "10-101": "44.55"}
NATURAL = ["1-101", "1-1001", "2-101", "10-101"]


@pytest.fixture
def meeting(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    where = f.place()
    units = {label: f.unit(where.project, label, area) for label, area in AREAS.items()}
    owners = {label: f.person(f"业主{label}") for label in AREAS}
    for label, u in units.items():
        f.own(u, owners[label])
    convener = f.committee_staff(where.project, "committee_area")
    with override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}):
        m = support.meeting_around_now(convener, where.project, [f.question("续聘物业服务企业", item=4)])
        matter = m.matters.get()
        for label in ("1-101", "2-101", "10-101"):
            support.vote(owners[label], m, units[label], {str(matter.pk): "yes"})
    return m, convener


def areas_in(html: str) -> list[str]:
    """Every number with decimals shown in the tables of `html` (areas: the tables show no other decimals)."""
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.S)
    return [a for cell in cells for a in re.findall(r"\d[\d,]*\.\d+(?: ㎡)?", text(cell))]


def test_the_open_meetings_tables_show_areas_with_separators_and_unit(client, meeting):
    m, convener = meeting
    login_staff(client, convener)
    turnout = client.get(f"{BASE}{m.pk}/turnout/").content.decode()
    shown = areas_in(turnout[turnout.index('id="turnout"') :])
    assert "3,725.30 ㎡" in shown and "3,645.30 ㎡" in shown  # total, participating
    assert all(a.endswith(" ㎡") for a in shown), shown
    detail = client.get(f"{BASE}{m.pk}/").content.decode()
    binding = detail[detail.index('id="binding"') :]
    binding = binding[: binding.index("</table>")]
    assert "2,480.25 ㎡" in areas_in(binding)  # building 1: 2400.25 + 80.00
    assert all(a.endswith(" ㎡") for a in areas_in(binding))
    roll = client.get(f"{BASE}{m.pk}/roll/").content.decode()
    table = roll[roll.index('id="roll"') :]
    assert [label for label in re.findall(r"<td>(\d+-\d+)</td>", table)] == NATURAL
    assert areas_in(table) == ["2,400.25 ㎡", "80.00 ㎡", "1,200.50 ㎡", "44.55 ㎡"]


def test_the_results_and_the_bulletin_show_areas_with_separators_and_unit(client, meeting):
    m, convener = meeting
    support.close(convener, m)
    login_staff(client, convener)
    results = client.get(f"{BASE}{m.pk}/results/").content.decode()
    sheet = results[results.index('class="matter-sheet"') :]
    sheet = sheet[: sheet.index("本次采用的议事规则")]
    figures = re.findall(r'data-k="(\w+_area)">([^<]*)<', sheet)
    assert dict(figures) == {
        "total_area": "3,725.30 ㎡",
        "participating_area": "3,645.30 ㎡",
        "yes_area": "3,645.30 ㎡",
        "no_area": "0.00 ㎡",
        "abstain_area": "0.00 ㎡",
    }
    quorum = sheet[sheet.index('data-test="quorum_area"') :]
    quorum = quorum[: quorum.index("</tr>")]
    assert re.findall(r'<td class="num">([^<]*)</td>', quorum) == [
        "3,645.30 ㎡",
        "3,725.30 ㎡",
        "2,483.54 ㎡",
    ]
    assert "m²" not in text(sheet.replace("单位0.01 m²", ""))
    bulletin = client.get(f"{BASE}{m.pk}/bulletin/").content.decode()
    table = bulletin[bulletin.index('id="bulletin"') :]
    assert "1-101（2,400.25 ㎡）" in text(table)
    assert "2,400.25 ㎡" in re.findall(r'<td class="num">([^<]*)</td>', table)
