"""电子投票 figures of 项目信息: counts only, from the ballots and the frozen roll (tokens recomputed)."""

from __future__ import annotations

import pytest

from pmip.decisions.selectors import project_voting_figures
from tests.decisions import factories as f


@pytest.fixture
def owners(project):
    a, b = f.person("张三"), f.person("李四")
    units = {
        "1-101": f.unit(project, "1-101", "90.00"),
        "2-101": f.unit(project, "2-101", "50.00"),
        "1-102": f.unit(project, "1-102", "80.00"),
    }
    f.own(units["1-101"], a)
    f.own(units["2-101"], a)
    f.own(units["1-102"], b)
    return a, b, units


def test_figures_count_owners_units_meetings_and_decided_matters(project, convener, owners, client):
    a, _, units = owners
    assert project_voting_figures(project_id=project.pk) == {
        "owners_voted": 0,
        "units_voted": 0,
        "meetings_held": 0,
        "matters_decided": 0,
    }
    meeting = f.open_meeting(convener, project, [f.question(), f.question("公共收益使用", item=9)])
    first, second = meeting.matters.order_by("order")
    f.vote(a, first, units["1-101"], "yes")
    f.vote(a, second, units["1-101"], "no")
    figures = project_voting_figures(project_id=project.pk)
    assert figures == {"owners_voted": 1, "units_voted": 2, "meetings_held": 1, "matters_decided": 0}
    body = client.get(f"/property/projects/{project.code}/voting/").content.decode()
    assert 'data-field="units_voted">2 户' in body and "张三" not in body
