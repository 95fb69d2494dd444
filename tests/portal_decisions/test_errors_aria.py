"""Inputs tied to their errors on the 业主决策 forms (issue 12): the vote's radio group and the 《服务协议》 tick, and
the 推选投票人 radio group — each group a fieldset with a legend, aria-invalid and aria-describedby → the error."""

from __future__ import annotations

import pytest

from tests.decisions import factories as f
from tests.portal_decisions.support import meeting_around_now
from tests.ux.aria_errors import assert_errors_tied, invalid_controls

pytestmark = pytest.mark.django_db


def test_the_vote_form_ties_its_radio_group_and_its_tick_to_their_errors(client, scene):
    meeting = meeting_around_now(scene.convener, scene.project, [f.question("续聘物业服务企业", item=4)])
    matter = meeting.matters.get()
    unit = scene.units["1-101"]
    client.force_login(scene.zhang.account)
    clean = client.get(f"/decisions/matters/{matter.pk}/").content.decode()
    assert 'role="radiogroup"' in clean and "<legend" in clean and invalid_controls(clean) == []
    response = client.post(f"/decisions/matters/{matter.pk}/confirm/", {"unit": unit.pk})
    assert response.status_code == 422
    found = assert_errors_tied(response.content.decode(), "请先阅读《服务协议》")
    assert {c.what.split("[")[0].split("#")[0] for c in found} >= {"fieldset", "input"}
    group = next(c for c in found if c.what.startswith("fieldset"))
    assert group.described  # the choice's own error ("请选择…"/"这个字段是必填项")


def test_the_nomination_form_ties_its_radio_group_to_its_error(client, scene):
    shared = scene.units["2-102"]
    client.force_login(scene.wang.account)
    url = f"/decisions/nominate/?project={scene.project.pk}&unit={shared.pk}"
    response = client.post(url, {"unit": shared.pk, "nominee": "999999"})
    html = response.content.decode()
    found = assert_errors_tied(html)
    assert len([c for c in found if c.what.startswith("fieldset")]) == 1  # the 推选 group, tied to its error
