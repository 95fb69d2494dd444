"""A rehearsal meeting (演练, issue 12) on every owner page: marked 演练, never worded as a decision (决定), not in the
project's 电子投票 figures on 项目信息."""

from __future__ import annotations

import re

import pytest

from pmip.decisions.models import Ballot
from tests.decisions import factories as f
from tests.portal_decisions.support import meeting_around_now, publish, vote

pytestmark = pytest.mark.django_db


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def visible(page: str) -> str:
    """The page without its <head> (style sheets, scripts): what the owner reads."""
    return re.sub(r"<head>.*?</head>", "", page, flags=re.S)


def test_every_owner_page_of_a_rehearsal_says_演练_and_never_决定(client, scene):
    meeting = meeting_around_now(
        scene.convener, scene.project, [f.question("试投票：是否同意试用电子投票", item=9)], rehearsal=True
    )
    matter = meeting.matters.get()
    unit = scene.units["1-102"]
    client.force_login(scene.li.account)

    pages = {
        "votes": f"/decisions/votes/?project={scene.project.pk}",
        "meeting": f"/decisions/meetings/{meeting.pk}/",
        "publicity": f"/decisions/meetings/{meeting.pk}/publicity/",
        "voters": f"/decisions/meetings/{meeting.pk}/voters/",
        "matter": f"/decisions/matters/{matter.pk}/",
    }
    for name, url in pages.items():
        page = visible(body(client.get(url)))
        assert "演练" in page, name
        assert "决定" not in page, name
    confirm = client.post(
        f"/decisions/matters/{matter.pk}/confirm/",
        {"unit": unit.pk, f"u{unit.pk}-choice": "yes", f"u{unit.pk}-agreement": "on"},
    )
    assert "演练" in visible(body(confirm))
    vote(scene.li, meeting, unit, {matter.pk: "yes"})
    assert Ballot.objects.filter(meeting=meeting).count() == 1
    receipt = visible(body(client.get(f"/decisions/matters/{matter.pk}/receipt/{unit.pk}/")))
    assert "演练" in receipt and "决定" not in receipt

    vote(scene.zhang, meeting, scene.units["1-101"], {matter.pk: "yes"})
    publish(scene.convener, meeting)
    for url in (
        f"/decisions/meetings/{meeting.pk}/results/",
        f"/decisions/meetings/{meeting.pk}/bulletin/",
        f"/decisions/votes/?project={scene.project.pk}&tab=counted",
        f"/decisions/meetings/{meeting.pk}/",
    ):
        page = visible(body(client.get(url)))
        assert "演练" in page, url
        assert "决定" not in page, url  # too few owners took part: "参与不足（演练）", not "未形成决定"
    results = visible(body(client.get(f"/decisions/meetings/{meeting.pk}/results/")))
    assert "参与不足（演练）" in results

    # 项目信息 → 电子投票: the rehearsal is not counted.
    figures = body(client.get(f"/property/projects/{scene.project.code}/voting/"))
    assert re.search(r'data-field="meetings_held">\s*0 次', figures), figures


def test_the_owner_api_says_which_meeting_is_a_rehearsal(client, scene):
    rehearsal = meeting_around_now(scene.convener, scene.project, [f.question()], rehearsal=True)
    real = meeting_around_now(scene.convener, scene.project, [f.question()], title="2026年第二次临时业主大会")
    client.force_login(scene.li.account)
    rows = {m["id"]: m for m in client.get("/api/v1/decisions/meetings").json()}
    assert (rows[rehearsal.pk]["rehearsal"], rows[rehearsal.pk]["title"]) == (
        True,
        "【演练】2026年第一次临时业主大会",
    )
    assert rows[real.pk]["rehearsal"] is False
