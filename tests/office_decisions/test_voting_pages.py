"""During and after the vote: live turnout (participation only, never a choice), paper ballots entered twice by two
clerks, publication blocked when the recount differs from the counters, and the export that pmip-verify recounts."""

from __future__ import annotations

import json
import subprocess
import sys

from django.db.models import F

from pmip.audit.models import AuditEntry
from pmip.decisions import selectors
from pmip.decisions.models import Ballot, MatterCount, Meeting, PaperBallotEntry
from pmip_verify import tally as verify_tally
from pmip_verify.__main__ import load_document
from tests.decisions import factories as f
from tests.factories import login_staff
from tests.office_decisions.support import at, counts, messages_of, owners

BASE = "/office/decisions/"


# --- turnout -----------------------------------------------------------------------------------------------------


def test_turnout_shows_participation_against_the_two_thirds_marks(client, project, convener, district_staff):
    people = owners(project)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    f.vote(people.zhang, matter, people.units["1-101"], "yes")
    f.vote(people.li, matter, people.units["1-102"], "no")
    for who in (convener, district_staff):
        login_staff(client, who)
        with at(f.T_VOTE):
            response = client.get(f"{BASE}{meeting.pk}/turnout/")
        assert response.status_code == 200
        (row,) = response.context["rows"]
        # 4 owners / 350.00 m²; two thirds: 3 owners (3×3 ≥ 2×4) and 233.34 m² (3×23334 ≥ 2×35000)
        assert {k: v for k, v in row.items() if k not in ("matter", "buildings")} == {
            "total_owners": 4,
            "total_area": "350.00",
            "participating_owners": 2,
            "participating_area": "220.00",
            "quorum_owners": 3,
            "quorum_area": "233.34",
            "owners_needed": 1,
            "area_needed": "13.34",
            "quorum_reached": False,
            "pct_owners": 50,
            "pct_area": 62,
        }
        assert [
            (
                b.building,
                b.units,
                b.participating_units,
                b.owners,
                b.participating_owners,
                b.area,
                b.participating_area,
            )
            for b in row["buildings"]
        ] == [("1栋", 2, 2, 2, 2, "170.00", "170.00"), ("2栋", 3, 1, 3, 1, "180.00", "50.00")]


def _turnout_html(client, meeting) -> str:
    with at(f.T_VOTE):
        html = client.get(f"{BASE}{meeting.pk}/turnout/", HTTP_HX_REQUEST="true").content.decode()
    html = html.replace(f"{BASE}{meeting.pk}/", f"{BASE}ID/")
    return html.replace(f'data-matter="{meeting.matters.get().pk}"', 'data-matter="ID"')


def test_turnout_never_shows_a_choice(client, project, convener):
    """Two meetings with the same participation and opposite choices give the same page, byte for byte."""
    people = owners(project)
    a = f.open_meeting(convener, project, [f.question()])
    b = f.open_meeting(convener, project, [f.question()])
    f.vote(people.zhang, a.matters.get(), people.units["1-101"], "yes")
    f.vote(people.li, a.matters.get(), people.units["1-102"], "yes")
    f.vote(people.zhang, b.matters.get(), people.units["1-101"], "no")
    f.vote(people.li, b.matters.get(), people.units["1-102"], "abstain")
    login_staff(client, convener)
    html_a, html_b = _turnout_html(client, a), _turnout_html(client, b)
    assert html_a == html_b
    for word in ("同意", "反对", "弃权", "yes", "abstain"):
        assert word not in html_a


def test_turnout_refreshes_itself_every_30_seconds_with_htmx(client, project, convener):
    owners(project)
    meeting = f.open_meeting(convener, project, [f.question()])
    login_staff(client, convener)
    with at(f.T_VOTE):
        page = client.get(f"{BASE}{meeting.pk}/turnout/").content.decode()
        partial = client.get(f"{BASE}{meeting.pk}/turnout/", HTTP_HX_REQUEST="true").content.decode()
    assert "vendor/htmx/htmx.min.js" in page
    assert f'hx-get="{BASE}{meeting.pk}/turnout/" hx-trigger="every 30s" hx-swap="outerHTML"' in partial
    assert partial.lstrip().startswith('<div id="turnout"')
    assert "<html" not in partial
    f.close(convener, meeting)
    with at(f.T_END):
        closed = client.get(f"{BASE}{meeting.pk}/turnout/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in closed  # stops refreshing once voting has closed


# --- paper ballots -----------------------------------------------------------------------------------------------


def paper(client, meeting, matter, unit: str, choice, form_number: str = ""):
    data = {"matter": matter.pk, f"m{matter.pk}-unit": unit, f"m{matter.pk}-form_number": form_number}
    if isinstance(choice, dict):
        data.update({f"m{matter.pk}-candidate_{cid}": c for cid, c in choice.items()})
    else:
        data[f"m{matter.pk}-choice"] = choice
    with at(f.T_VOTE):
        return client.post(f"{BASE}{meeting.pk}/paper/", data, follow=True)


def test_paper_ballot_counts_after_two_equal_entries_by_two_clerks(client, project, convener, clerk2):
    owners(project)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    login_staff(client, convener)
    first = paper(client, meeting, matter, "2-102", "yes", "No.0001")
    assert messages_of(first) == [
        "第一次录入已保存：2-102，议题1。请另一名工作人员根据同一张表决票复核录入。"
    ]
    assert (PaperBallotEntry.objects.get().state, Ballot.objects.count()) == ("pending", 0)
    assert counts(matter) == (0, 0, 0, 0, 0, 0)
    again = paper(client, meeting, matter, "2-102", "yes")
    assert again.context["forms"][0].non_field_errors() == ["书面表决票须由另一名工作人员复核录入。"]

    login_staff(client, clerk2)
    second = paper(client, meeting, matter, "2栋102", "yes", "No.0001")
    assert messages_of(second) == ["两次录入一致，2-102的书面表决票已计入（议题1）。"]
    entry = PaperBallotEntry.objects.get()
    ballot = Ballot.objects.get()
    assert (entry.state, entry.first_by, entry.second_by) == ("confirmed", convener, clerk2)
    assert (ballot.channel, ballot.by_delegate, ballot.paper_entry, ballot.area) == (
        "paper",
        False,
        entry,
        6000,
    )
    assert counts(matter) == (1, 6000, 0, 0, 0, 0)
    assert second.context["counts"] == {"pending": 0, "confirmed": 1, "mismatch": 0, "not_counted": 0}


def test_paper_entries_that_differ_are_shown_as_a_mismatch_and_not_counted(client, project, convener, clerk2):
    owners(project)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    login_staff(client, convener)
    paper(client, meeting, matter, "2-201", "yes", "No.0002")
    login_staff(client, clerk2)
    response = paper(client, meeting, matter, "2-201", "no", "No.0002")
    assert messages_of(response) == [
        "两次录入不一致，2-201的书面表决票未计入（议题1）。请核对纸质表决票后重新录入（重新进行两次录入）。"
    ]
    assert (PaperBallotEntry.objects.get().state, Ballot.objects.count()) == ("mismatch", 0)
    assert counts(matter) == (0, 0, 0, 0, 0, 0)
    html = response.content.decode()
    assert '<span class="tag tag-err">两次录入不一致</span>' in html
    table = html[html.index('id="paper-entries"') : html.index("</table>", html.index('id="paper-entries"'))]
    for word in ("同意", "反对", "弃权"):
        assert word not in table  # the list never shows an answer
    # entered again from the form, twice
    paper(client, meeting, matter, "2-201", "no", "No.0002")
    login_staff(client, convener)
    paper(client, meeting, matter, "2-201", "no", "No.0002")
    assert counts(matter) == (0, 0, 1, 7000, 0, 0)


def test_online_ballot_wins_over_paper(client, project, convener, clerk2):
    people = owners(project)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    f.vote(people.li, matter, people.units["1-102"], "yes")
    login_staff(client, convener)
    paper(client, meeting, matter, "1-102", "no")
    login_staff(client, clerk2)
    response = paper(client, meeting, matter, "1-102", "no")
    assert messages_of(response) == ["1-102的业主已网络投票，以网络投票为准，这张书面表决票不计入（议题1）。"]
    assert PaperBallotEntry.objects.get().state == "not_counted"
    assert list(Ballot.objects.values_list("channel", flat=True)) == ["online"]
    assert counts(matter) == (1, 8000, 0, 0, 0, 0)


def test_paper_ballot_for_an_election_and_for_a_unit_not_on_the_roll(client, project, convener, clerk2):
    owners(project)
    meeting = f.open_meeting(convener, project, [f.election("选举业主委员会委员", 1, ["赵一", "钱二"])])
    matter = meeting.matters.get()
    c1, c2 = matter.candidates.all()
    login_staff(client, convener)
    missing = paper(client, meeting, matter, "9-999", {c1.pk: "yes", c2.pk: "no"})
    assert missing.context["forms"][0].errors["unit"] == [
        "投票人名册中没有房屋“9-999”。请按“楼栋-房号”填写，例如 1-101。"
    ]
    incomplete = paper(client, meeting, matter, "2-102", {c1.pk: "yes"})
    assert incomplete.context["forms"][0].errors[f"candidate_{c2.pk}"] == ["请填写对候选人钱二的表决意见。"]
    assert PaperBallotEntry.objects.count() == 0
    paper(client, meeting, matter, "2-102", {c1.pk: "yes", c2.pk: "no"})
    login_staff(client, clerk2)
    paper(client, meeting, matter, "2-102", {c1.pk: "yes", c2.pk: "no"})
    assert counts(matter, c1) == (1, 6000, 0, 0, 0, 0)
    assert counts(matter, c2) == (0, 0, 1, 6000, 0, 0)


def test_paper_ballots_only_while_voting_is_open(client, project, convener, other_committee):
    owners(project)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    login_staff(client, other_committee)
    assert paper(client, meeting, matter, "2-102", "yes").status_code == 404
    f.close(convener, meeting)
    login_staff(client, convener)
    with at(f.T_END):
        page = client.get(f"{BASE}{meeting.pk}/paper/")
        assert page.context["forms"] == []
        assert "投票已截止，不能再录入书面表决票。" in page.content.decode()
        data = {"matter": matter.pk, f"m{matter.pk}-unit": "2-102", f"m{matter.pk}-choice": "yes"}
        refused = client.post(f"{BASE}{meeting.pk}/paper/", data, follow=True)
    assert messages_of(refused) == ["投票已截止，不能再投票。"]
    assert PaperBallotEntry.objects.count() == 0


# --- publication and the recount ---------------------------------------------------------------------------------


def test_publication_is_blocked_when_the_recount_differs_from_the_counters(client, project, convener):
    people = owners(project)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    f.vote(people.zhang, matter, people.units["1-101"], "yes")
    f.vote(people.li, matter, people.units["1-102"], "no")
    f.close(convener, meeting)
    assert meeting.count_mismatch is False
    # a counter row corrupted after the close (what the recount is there to catch)
    MatterCount.objects.filter(matter=matter).update(
        yes_owners=F("yes_owners") + 1, yes_area=F("yes_area") + 6000
    )
    login_staff(client, convener)
    with at(f.T_END):
        response = client.post(f"{BASE}{meeting.pk}/results/publish/", {"confirm": "on"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "复核计票结果与实时计数不一致，不能公布结果。请联系平台运维核查。"
    ]
    meeting.refresh_from_db()
    assert (meeting.state, meeting.results_published_at) == ("closed", None)
    assert not AuditEntry.objects.filter(action="decisions.meeting.results_published").exists()


def test_a_mismatch_found_at_the_close_is_shown_and_blocks_publication(client, project, convener):
    people = owners(project)
    meeting = f.open_meeting(convener, project, [f.question()])
    matter = meeting.matters.get()
    f.vote(people.zhang, matter, people.units["1-101"], "yes")
    MatterCount.objects.filter(matter=matter).update(no_owners=F("no_owners") + 1)
    f.close(convener, meeting)
    assert meeting.count_mismatch is True
    login_staff(client, convener)
    with at(f.T_END):
        results = client.get(f"{BASE}{meeting.pk}/results/").content.decode()
        assert "截止时复核计票与实时计数不一致，不能公布结果。请联系平台运维核查。" in results
        client.post(f"{BASE}{meeting.pk}/results/publish/", {"confirm": "on"})
    assert Meeting.objects.get().state == "closed"


# --- export ------------------------------------------------------------------------------------------------------


def test_each_export_recounts_to_the_platforms_own_tally_sheet(client, project, convener, clerk2, tmp_path):
    people = owners(project)
    building2 = project.buildings.get(number="2")
    meeting = f.open_meeting(
        convener,
        project,
        [
            f.question(),
            f.question("增设2栋电梯，使用维修资金", item=7, scope="buildings", building_ids=[building2.pk]),
            f.election("选举业主委员会委员", 2, ["赵一", "钱二", "孙三"]),
        ],
    )
    q, lift, election = meeting.matters.order_by("order")
    c1, c2, c3 = election.candidates.all()
    with at(f.T_VOTE):
        from pmip.decisions import services

        services.cast_ballots(
            actor=people.zhang.account,
            meeting_id=meeting.pk,
            unit_id=people.units["1-101"].pk,
            answers={q.pk: "yes", lift.pk: "yes", election.pk: {c1.pk: "yes", c2.pk: "no", c3.pk: "yes"}},
        )
        services.cast_ballots(
            actor=people.li.account,
            meeting_id=meeting.pk,
            unit_id=people.units["1-102"].pk,
            answers={q.pk: "no", election.pk: {c1.pk: "yes", c2.pk: "abstain", c3.pk: "no"}},
        )
        for clerk in (convener, clerk2):
            services.enter_paper_ballot(
                actor=clerk, matter_id=q.pk, unit_id=people.units["2-201"].pk, choice="yes"
            )
            services.enter_paper_ballot(
                actor=clerk, matter_id=lift.pk, unit_id=people.units["2-102"].pk, choice="abstain"
            )
    login_staff(client, convener)
    with at(f.T_VOTE):
        assert client.get(f"{BASE}{meeting.pk}/export/").status_code == 404  # not before the close
        assert client.get(f"{BASE}{meeting.pk}/export/matters/{q.pk}/").status_code == 404
    f.close(convener, meeting)
    with at(f.T_END):
        sheet = selectors.tally_sheet(actor=convener, meeting_id=meeting.pk)
        platform = {(r.matter.pk, r.candidate_id): r.document for ms in sheet.matters for r in ms.results}
        assert len(platform) == 5
        for (matter_id, candidate_id), document in platform.items():
            url = f"{BASE}{meeting.pk}/export/matters/{matter_id}/"
            if candidate_id:
                url += f"?candidate={candidate_id}"
            response = client.get(url)
            assert response.status_code == 200
            assert response["Content-Type"] == "application/json; charset=utf-8"
            assert response["Content-Disposition"].startswith('attachment; filename="meeting-')
            doc = load_document(response.content.decode())
            assert set(doc) == {"matter_class", "non_voters_follow_majority", "units", "ballots"}
            assert verify_tally(doc) == document, (matter_id, candidate_id)
        whole = client.get(f"{BASE}{meeting.pk}/export/")
    body = json.loads(whole.content)
    assert body["format"] == "pmip-decisions-export/1"
    assert [(m["matter"], m["candidate"]["id"] if m["candidate"] else None) for m in body["matters"]] == list(
        platform
    )
    for m in body["matters"]:
        key = (m["matter"], m["candidate"]["id"] if m["candidate"] else None)
        assert m["platform_result"] == platform[key]
    # the expected figures, independently: q = 张三 140 yes, 李四 80 no, developer 70 yes (paper) of 4 owners/350
    assert {
        k: platform[(q.pk, None)][k] for k in ("participating_owners", "yes_owners", "yes_area", "outcome")
    } == {
        "participating_owners": 3,
        "yes_owners": 2,
        "yes_area": "210.00",
        "outcome": "passed",
    }
    # the lift (building 2: 3 owners, 180.00 m²): 2 owners took part (enough), 110.00 m² (below two thirds)
    assert platform[(lift.pk, None)]["outcome"] == "no_decision"
    assert AuditEntry.objects.filter(action="decisions.meeting.exported").count() == 6
    # and the command the page tells people to run
    path = tmp_path / "matter-1.json"
    with at(f.T_END):
        path.write_bytes(client.get(f"{BASE}{meeting.pk}/export/matters/{q.pk}/").content)
    run = subprocess.run(
        [sys.executable, "-m", "pmip_verify", "tally", str(path)], capture_output=True, text=True, check=True
    )
    assert json.loads(run.stdout) == platform[(q.pk, None)]
