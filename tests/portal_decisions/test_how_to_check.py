"""如何核对投票结果 (issue 12): receipts and recounting explained in plain Chinese on one page — the only owner page
naming the roll fingerprint (SHA-256) and the recount tool (pmip-verify); the other owner pages speak plainly."""

from __future__ import annotations

from tests.decisions import factories as f
from tests.portal_decisions.support import meeting_around_now, publish, vote

TECHNICAL = ("SHA-256", "pmip-verify", "notice.pdf", "下载 Excel")


def test_one_page_explains_receipts_and_recounting_and_the_others_speak_plainly(client, scene):
    meeting = meeting_around_now(scene.other_convener, scene.other_project, [f.question("增设充电桩")])
    matter = meeting.matters.get()
    vote(scene.wu, meeting, scene.units["3-101"], {matter.pk: "yes"})
    publish(scene.other_convener, meeting)
    client.force_login(scene.wu.account)
    pages = [
        "/decisions/",
        f"/decisions/votes/?project={scene.other_project.pk}&tab=all",
        f"/decisions/meetings/{meeting.pk}/",
        f"/decisions/meetings/{meeting.pk}/publicity/",
        f"/decisions/meetings/{meeting.pk}/results/",
        f"/decisions/meetings/{meeting.pk}/bulletin/",
        f"/decisions/matters/{matter.pk}/",
        f"/decisions/matters/{matter.pk}/receipt/{scene.units['3-101'].pk}/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not [w for w in TECHNICAL if w in html], url
    results = client.get(f"/decisions/meetings/{meeting.pk}/results/").content.decode()
    assert f'href="/decisions/how-to-check/?meeting={meeting.pk}"' in results

    help_page = client.get(f"/decisions/how-to-check/?meeting={meeting.pk}").content.decode()
    meeting.refresh_from_db()
    assert "什么是回执码" in help_page and "选票公示" in help_page
    assert help_page.count(meeting.roll_hash) == 1
    assert help_page.count("pmip-verify") == 1 and help_page.count("SHA-256") == 1


def test_the_help_page_shows_no_fingerprint_of_a_meeting_the_owner_cannot_see(client, scene):
    meeting = meeting_around_now(scene.other_convener, scene.other_project, [f.question("增设充电桩")])
    client.force_login(scene.li.account)  # 李四 owns nothing in 东门雅苑
    page = client.get(f"/decisions/how-to-check/?meeting={meeting.pk}").content.decode()
    assert meeting.roll_hash not in page and 'id="roll-fingerprint"' not in page
    assert "pmip-verify" in page  # the general explanation is for everyone
    client.logout()
    assert client.get("/decisions/how-to-check/").status_code == 200  # also without logging in
