"""业主决策 owner pages: home and 切换小区, 推选投票人, 参与投票 tabs, matter page, confirmation, receipt, secrecy before
the close, delegation, unverified owners, results and bulletin after the close, publicity and voters."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from pmip.decisions.models import Ballot, RollEntry, VoterNomination
from pmip.decisions.tokens import token_of as _token_of
from pmip.delegation import services as delegation_services
from tests.decisions import factories as f
from tests.portal.helpers import hrefs, text
from tests.portal_decisions.support import close, meeting_around_now, nominate, publish, vote

HOME = "/decisions/"


def roll_token(meeting, unit) -> str:
    """The ballot token of the owner of `unit` in `meeting` (computed from the roll, as the platform does)."""
    return _token_of(meeting, RollEntry.objects.get(meeting=meeting, unit=unit).owner_key)


def login(client, who):
    client.force_login(who.account)
    return client


def body(response) -> str:
    return response.content.decode()


def confirm(client, matter, unit, data):
    return client.post(f"/decisions/matters/{matter.pk}/confirm/", {"unit": unit.pk, **data})


def token_of(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


@pytest.fixture
def open_meeting(scene):
    """Voting open: matter 1 for everybody (一般事项), matter 2 for building 1 only (重大事项, item 7)."""
    nominate(scene.wang, scene.units["2-102"], scene.wang)
    nominate(scene.zhao, scene.units["2-102"], scene.wang)
    b1 = f.building(scene.project, "1")
    meeting = meeting_around_now(
        scene.convener,
        scene.project,
        [
            f.question("续聘物业服务企业", item=4),
            f.question("1栋外墙翻新", item=7, scope="buildings", building_ids=[b1.pk]),
        ],
    )
    first, second = meeting.matters.order_by("order")
    return meeting, first, second


# --- entry, log-in, home ---------------------------------------------------------------------------------------


def test_the_service_menu_leads_to_decisions_and_anonymous_visitors_log_in_first(client, db):
    assert HOME in hrefs(body(client.get(reverse("portal:service"))))
    for url in (HOME, "/decisions/votes/", "/decisions/nominate/", "/decisions/matters/1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/me/login/?next={url.replace('/', '%2F')}"


def test_home_shows_the_project_entries_and_the_notes(client, scene, open_meeting):
    page = body(login(client, scene.zhang).get(HOME))
    assert "东门花园" in page
    assert 'id="switch-project"' not in page  # one project only
    assert f"/decisions/nominate/?project={scene.project.pk}" in hrefs(page)
    assert f"/decisions/votes/?project={scene.project.pk}" in hrefs(page)
    assert re.search(r'id="pending-count">2<', page)  # two matters to vote on
    assert "投票结束前，只能看到自己当前投票内容。" in page
    assert "请勿直接通过他人分享的链接参与投票" in page
    assert 'id="delegated-away"' not in page and 'id="verify-tip"' not in page


def test_an_owner_with_several_projects_switches_between_them(client, scene):
    f.own(f.unit(scene.other_project, "9-901", "66.00"), scene.zhang)
    login(client, scene.zhang)
    page = body(client.get(HOME))
    assert 'id="switch-project"' in page
    switch = body(client.get("/decisions/switch/?to=votes"))
    assert f"/decisions/votes/?project={scene.project.pk}" in hrefs(switch)
    assert f"/decisions/votes/?project={scene.other_project.pk}" in hrefs(switch)
    page = body(client.get(f"/decisions/?project={scene.other_project.pk}"))
    assert 'data-project="440303002">东门雅苑' in page
    # the choice is remembered across pages, and a project the owner has nothing in is ignored
    assert 'data-project="440303002">东门雅苑' in body(client.get("/decisions/votes/"))
    assert 'data-project="440303002">东门雅苑' in body(client.get("/decisions/?project=999999"))
    page = body(client.get(f"/decisions/?project={scene.project.pk}"))
    assert 'data-project="440303001">东门花园' in page


def test_an_account_without_projects_is_told_to_bind_or_verify_as_delegate(client, db):
    nobody = f.person("路人")
    page = body(login(client, nobody).get(HOME))
    assert "您还没有可参与决策的小区" in page
    assert "/me/binding/" in hrefs(page) and "/delegation/delegate/" in hrefs(page)


def test_a_delegating_owner_sees_why_they_cannot_vote(client, scene, open_meeting):
    meeting, first, _ = open_meeting
    login(client, scene.sun)
    page = body(client.get(HOME))
    assert "您已委托他人代为投票，委托期间不能参与本小区投票" in text(page)
    assert "/delegation/" in hrefs(page)
    matter_page = body(client.get(f"/decisions/matters/{first.pk}/"))
    assert "不能投票：您已委托他人代为投票，委托期间不能参与本小区投票" in text(matter_page)
    assert 'action="/decisions/matters/' not in matter_page  # no ballot form
    unit = scene.units["1-202"]
    response = confirm(client, first, unit, {f"u{unit.pk}-choice": "yes", f"u{unit.pk}-agreement": "on"})
    assert response.status_code == 403
    assert "您已委托他人代为投票" in body(response)
    assert not client.session.get("decisions_confirm")
    assert Ballot.objects.count() == 0


def test_an_unverified_owner_is_shown_how_to_verify(client, scene, open_meeting):
    _, first, _ = open_meeting
    login(client, scene.qian)
    page = body(client.get(HOME))
    assert 'id="verify-tip"' in page
    assert "/me/binding/" in hrefs(page) and "/delegation/offline/" in hrefs(page)
    matter_page = body(client.get(f"/decisions/matters/{first.pk}/"))
    assert "不能投票：业主未完成人脸认证或线下认证" in text(matter_page)
    assert "/me/binding/" in hrefs(matter_page)
    assert 'action="/decisions/matters/' not in matter_page


# --- 推选投票人 -------------------------------------------------------------------------------------------------


def test_co_owners_nominate_one_voter_failed_then_effective(client, scene):
    shared = scene.units["2-102"]
    url = f"/decisions/nominate/?project={scene.project.pk}&unit={shared.pk}"
    login(client, scene.wang)
    page = body(client.get(url))
    assert "推选未生效：尚有共有人未推选投票人" in page
    radios = re.findall(r'name="nominee" value="(\d+)"', page)
    assert sorted(map(int, radios)) == sorted([scene.wang.account.pk, scene.zhao.account.pk])
    assert "王*" in page and "赵*" in page and "王五" not in page and "赵六" not in page

    response = client.post(url, {"unit": shared.pk, "nominee": scene.wang.account.pk})
    assert response.status_code == 302
    assert VoterNomination.objects.get(ended_at__isnull=True).nominee == scene.wang.account

    login(client, scene.zhao)
    client.post(url, {"unit": shared.pk, "nominee": scene.zhao.account.pk})
    page = body(client.get(url))
    assert "推选失败：各共有人推选的不是同一人" in page

    client.post(url, {"unit": shared.pk, "nominee": scene.wang.account.pk})
    page = body(client.get(url))
    assert "推选已生效：投票人为 王*" in page
    assert VoterNomination.objects.filter(ended_at__isnull=True).count() == 2
    assert set(VoterNomination.objects.filter(ended_at__isnull=True).values_list("nominee", flat=True)) == {
        scene.wang.account.pk
    }


def test_nominating_someone_who_is_not_a_co_owner_is_refused(client, scene):
    shared = scene.units["2-102"]
    login(client, scene.wang)
    response = client.post(
        f"/decisions/nominate/?project={scene.project.pk}",
        {"unit": shared.pk, "nominee": scene.li.account.pk},
    )
    assert response.status_code == 422
    assert "请从列出的共有人中选择。" in body(response)
    assert VoterNomination.objects.count() == 0


def test_a_single_owner_needs_no_nomination_and_switches_houses(client, scene):
    login(client, scene.zhang)
    page = body(client.get(f"/decisions/nominate/?project={scene.project.pk}"))
    assert "本房屋只有一位产权人，由产权人本人投票，无需推选" in page
    assert page.count("只有一位产权人") == 1, "the single-owner message is printed once (issue 12)"
    assert 'id="switch-unit"' in page
    assert 'name="nominee"' not in page
    second = body(
        client.get(f"/decisions/nominate/?project={scene.project.pk}&unit={scene.units['2-101'].pk}")
    )
    assert f'data-unit="{scene.units["2-101"].pk}">2栋101' in second


def test_a_change_during_the_vote_applies_to_the_next_meeting(client, scene, open_meeting):
    shared = scene.units["2-102"]
    login(client, scene.zhao)
    client.post(
        f"/decisions/nominate/?project={scene.project.pk}",
        {"unit": shared.pk, "nominee": scene.zhao.account.pk},
    )
    page = body(client.get(f"/decisions/nominate/?project={scene.project.pk}&unit={shared.pk}"))
    assert "推选失败：各共有人推选的不是同一人" in page
    assert "正在进行的投票以投票开始时确定的投票人为准：2026年第一次临时业主大会——王*" in text(page)
    assert "在投票中变更推选人，要下次业主大会才正式生效。" in page
    # the frozen roll still lets 王五 vote for the unit
    meeting, first, _ = open_meeting
    vote(scene.wang, meeting, shared, {first.pk: "yes"})
    assert Ballot.objects.get().owner_token == roll_token(meeting, shared)


# --- 参与投票 ---------------------------------------------------------------------------------------------------


def test_vote_tabs_list_the_matters_and_htmx_swaps_only_the_panel(client, scene, open_meeting):
    meeting, first, second = open_meeting
    login(client, scene.zhang)
    url = f"/decisions/votes/?project={scene.project.pk}"
    page = body(client.get(url))
    assert "<html" in page
    assert re.findall(r'data-matter="(\d+)" data-state="(\w+)"', page) == [
        (str(first.pk), "pending"),
        (str(second.pk), "pending"),
    ]
    vote(scene.zhang, meeting, scene.units["1-101"], {first.pk: "yes"})
    partial = client.get(url + "&tab=voted", headers={"HX-Request": "true"})
    fragment = body(partial)
    assert "<html" not in fragment and fragment.startswith('<div id="vote-panel"')
    assert re.findall(r'data-matter="(\d+)" data-state="(\w+)"', fragment) == [(str(first.pk), "voted")]
    assert 'data-tab="voted" aria-current="page"' in fragment
    assert "Vary" in partial and "HX-Request" in partial["Vary"]
    pending = body(client.get(url + "&tab=pending"))
    assert re.findall(r'data-matter="(\d+)" data-state', pending) == [str(second.pk)]
    assert "暂无已公布计票结果的议题。" in body(client.get(url + "&tab=counted"))
    assert len(re.findall(r"data-matter=", body(client.get(url + "&tab=all")))) == 2


def test_the_matter_page_says_one_ballot_covers_all_units_in_scope(client, scene, open_meeting):
    _, first, second = open_meeting
    login(client, scene.zhang)
    page = text(body(client.get(f"/decisions/matters/{first.pk}/")))
    assert "一位业主对一个议题只投一票" in page
    assert "本票覆盖：1栋101（90.00 ㎡）、2栋101（50.00 ㎡），合计 140.00 ㎡" in page
    assert "会议通知" in page
    assert "《服务协议》" in page
    scoped = text(body(client.get(f"/decisions/matters/{second.pk}/")))
    assert "本票覆盖：1栋101（90.00 ㎡），合计 90.00 ㎡" in scoped  # building 1 only
    assert "表决范围：1栋的业主" in scoped


def test_casting_needs_the_agreement_and_the_confirmation_step(client, scene, open_meeting):
    meeting, first, _ = open_meeting
    unit = scene.units["1-101"]
    login(client, scene.zhang)

    # a final submit without the confirmation step casts nothing
    response = client.post(f"/decisions/matters/{first.pk}/cast/", {"token": "made-up"})
    assert response.status_code == 302 and response["Location"] == f"/decisions/matters/{first.pk}/"
    assert Ballot.objects.count() == 0

    # the 《服务协议》 tick is required
    response = confirm(client, first, unit, {f"u{unit.pk}-choice": "no"})
    assert response.status_code == 422
    assert "请先阅读《服务协议》" in body(response)
    assert not client.session.get("decisions_confirm")

    # the confirmation page shows the choice, the units and that it is final — and casts nothing yet
    response = confirm(client, first, unit, {f"u{unit.pk}-choice": "no", f"u{unit.pk}-agreement": "on"})
    assert response.status_code == 200
    page = body(response)
    assert "请确认您的投票" in page
    assert "<td>续聘物业服务企业</td><td><strong>反对</strong></td>" in page
    assert "1栋101（90.00 ㎡）、2栋101（50.00 ㎡），合计 <strong>140.00</strong> ㎡" in page
    assert "投票提交后不可更改。" in page
    assert Ballot.objects.count() == 0

    # the final submit casts exactly what was confirmed, then shows the receipt
    token = token_of(page)
    response = client.post(f"/decisions/matters/{first.pk}/cast/", {"token": token, "choice": "yes"})
    ballot = Ballot.objects.get()
    assert (ballot.choices, ballot.area, ballot.by_delegate) == ({"matter": "no"}, 14000, False)
    assert response["Location"] == f"/decisions/matters/{first.pk}/receipt/{unit.pk}/"
    receipt = body(client.get(response["Location"]))
    assert f'data-receipt="{ballot.receipt}"' in receipt
    assert "第 1 号" in receipt
    assert "选票公示在投票截止" in receipt

    # the token is single-use: a replay casts nothing more
    again = client.post(f"/decisions/matters/{first.pk}/cast/", {"token": token})
    assert again["Location"] == f"/decisions/matters/{first.pk}/"
    assert Ballot.objects.count() == 1


def test_an_owner_cannot_vote_twice(client, scene, open_meeting):
    meeting, first, _ = open_meeting
    unit = scene.units["1-101"]
    login(client, scene.zhang)
    vote(scene.zhang, meeting, unit, {first.pk: "yes"})
    page = body(client.get(f"/decisions/matters/{first.pk}/"))
    assert "已投票" in page and "<strong>同意</strong>" in page
    assert f'action="/decisions/matters/{first.pk}/confirm/"' not in page
    # a crafted second submission (the page offers no form any more) is refused before any confirmation
    response = confirm(client, first, unit, {f"u{unit.pk}-choice": "no", f"u{unit.pk}-agreement": "on"})
    assert response.status_code == 422
    assert not client.session.get("decisions_confirm")
    assert "您已对议题“续聘物业服务企业”投票，投票后不能修改。" in body(response)
    assert Ballot.objects.count() == 1


def test_a_confirmed_ballot_is_refused_if_someone_voted_in_between(client, scene, open_meeting):
    """Two tabs: both confirmed, the second final submit hits the domain's one-ballot rule."""
    meeting, first, _ = open_meeting
    unit = scene.units["1-101"]
    login(client, scene.zhang)
    data = {f"u{unit.pk}-choice": "yes", f"u{unit.pk}-agreement": "on"}
    t1 = token_of(body(confirm(client, first, unit, data)))
    t2 = token_of(body(confirm(client, first, unit, data)))
    client.post(f"/decisions/matters/{first.pk}/cast/", {"token": t1})
    response = client.post(f"/decisions/matters/{first.pk}/cast/", {"token": t2})
    assert response.status_code == 422
    assert "您已对议题“续聘物业服务企业”投票，投票后不能修改。" in body(response)
    assert Ballot.objects.count() == 1


def test_a_meeting_that_allows_changes_says_so_and_replaces_the_ballot(client, scene):
    meeting = meeting_around_now(scene.convener, scene.project, [f.question()], allow_ballot_change=True)
    matter = meeting.matters.get()
    unit = scene.units["1-102"]
    login(client, scene.li)
    vote(scene.li, meeting, unit, {matter.pk: "yes"})
    page = body(client.get(f"/decisions/matters/{matter.pk}/"))
    assert "修改投票" in page
    response = confirm(client, matter, unit, {f"u{unit.pk}-choice": "abstain", f"u{unit.pk}-agreement": "on"})
    assert "提交后将替换您之前的选票" in body(response)
    client.post(f"/decisions/matters/{matter.pk}/cast/", {"token": token_of(body(response))})
    assert list(Ballot.objects.filter(superseded_at__isnull=True).values_list("choices", flat=True)) == [
        {"matter": "abstain"}
    ]


def test_an_election_ballot_answers_every_candidate(client, scene):
    meeting = meeting_around_now(
        scene.convener, scene.project, [f.election("选举业主委员会委员", 1, ["陈候选", "林候选"])]
    )
    matter = meeting.matters.get()
    chen, lin = matter.candidates.order_by("order")
    unit = scene.units["1-102"]
    login(client, scene.li)
    page = body(client.get(f"/decisions/matters/{matter.pk}/"))
    assert "已公布选举结果" not in page  # only once published
    assert "候选人：陈候选" in page and "候选人：林候选" in page
    response = confirm(client, matter, unit, {f"u{unit.pk}-c{chen.pk}": "yes", f"u{unit.pk}-agreement": "on"})
    assert response.status_code == 422
    assert "请对候选人“林候选”选择同意、反对或弃权。" in body(response)
    response = confirm(
        client,
        matter,
        unit,
        {f"u{unit.pk}-c{chen.pk}": "yes", f"u{unit.pk}-c{lin.pk}": "no", f"u{unit.pk}-agreement": "on"},
    )
    page = body(response)
    assert "<td>陈候选</td><td><strong>同意</strong></td>" in page
    assert "<td>林候选</td><td><strong>反对</strong></td>" in page
    client.post(f"/decisions/matters/{matter.pk}/cast/", {"token": token_of(page)})
    assert Ballot.objects.get().choices == {str(chen.pk): "yes", str(lin.pk): "no"}


# --- secrecy and shared links -----------------------------------------------------------------------------------


def test_before_the_close_an_owner_sees_only_their_own_choice(client, scene, open_meeting):
    meeting, first, _ = open_meeting
    zhang_receipt = vote(scene.zhang, meeting, scene.units["1-101"], {first.pk: "no"})[0].receipt
    li_receipt = vote(scene.li, meeting, scene.units["1-102"], {first.pk: "yes"})[0].receipt
    login(client, scene.li)
    page = body(client.get(f"/decisions/matters/{first.pk}/"))
    assert li_receipt[:16] in page and "<strong>同意</strong>" in page
    assert zhang_receipt[:16] not in page and "反对</strong>" not in page
    assert "1栋101" not in page  # 张三's units are not listed for 李四
    # 张三's receipt page, opened by 李四 through a shared link, does not exist for 李四
    shared = client.get(f"/decisions/matters/{first.pk}/receipt/{scene.units['1-101'].pk}/")
    assert shared.status_code == 404
    assert zhang_receipt not in body(shared)
    # no results and no bulletin before the close
    assert client.get(f"/decisions/meetings/{meeting.pk}/results/").status_code == 404
    assert client.get(f"/decisions/meetings/{meeting.pk}/bulletin/").status_code == 404


def test_owners_of_another_project_do_not_see_the_meeting(client, scene, open_meeting):
    meeting, first, _ = open_meeting
    login(client, scene.wu)
    assert client.get(f"/decisions/matters/{first.pk}/").status_code == 404
    assert client.get(f"/decisions/meetings/{meeting.pk}/").status_code == 404
    assert client.get(f"/decisions/meetings/{meeting.pk}/publicity/").status_code == 404
    file_id = meeting.files.get().pk
    assert client.get(f"/decisions/files/{file_id}/").status_code == 404
    unit = scene.units["3-101"]
    response = confirm(client, first, unit, {f"u{unit.pk}-choice": "yes", f"u{unit.pk}-agreement": "on"})
    assert response.status_code == 404
    assert Ballot.objects.count() == 0


# --- delegates --------------------------------------------------------------------------------------------------


def test_a_delegate_votes_for_the_principal(client, scene, open_meeting):
    meeting, first, _ = open_meeting
    unit = scene.units["1-202"]
    login(client, scene.zhou)
    home = body(client.get(HOME))
    assert "您是 孙* 的被委托人" in home
    page = text(body(client.get(f"/decisions/matters/{first.pk}/")))
    assert "代 孙* 投票" in page
    assert "本票覆盖：1栋202（60.00 ㎡），合计 60.00 ㎡" in page
    response = confirm(client, first, unit, {f"u{unit.pk}-choice": "yes", f"u{unit.pk}-agreement": "on"})
    assert "代 孙* 投票" in body(response)
    response = client.post(f"/decisions/matters/{first.pk}/cast/", {"token": token_of(body(response))})
    ballot = Ballot.objects.get()
    assert (ballot.by_delegate, ballot.owner_token, ballot.area) == (
        True,
        roll_token(first.meeting, unit),
        6000,
    )
    assert "已代 孙* 投票" in body(client.get(response["Location"]))
    # the principal sees the ballot cast for them, and still cannot vote
    login(client, scene.sun)
    page = text(body(client.get(f"/decisions/matters/{first.pk}/")))
    assert "已投票 （由被委托人 周* 代投）" in page
    assert "由被委托人 周* 代投" in text(
        body(client.get(f"/decisions/votes/?project={scene.project.pk}&tab=all"))
    )
    assert "由被委托人 周* 代投" in text(
        body(client.get(f"/decisions/matters/{first.pk}/receipt/{unit.pk}/"))
    )


def test_a_delegate_with_two_principals_votes_for_each_separately(client, scene, open_meeting):
    meeting, first, _ = open_meeting
    delegation_services.grant_delegation(
        actor=scene.li.account,
        project=scene.project,
        delegate_name="周九",
        delegate_mobile=scene.zhou.account.mobile,
    )
    from pmip.delegation.models import Delegation

    Delegation.objects.filter(owner=scene.li.account).update(delegate_account=scene.zhou.account)
    login(client, scene.zhou)
    page = body(client.get(f"/decisions/matters/{first.pk}/"))
    # 李四 delegated after the roll was frozen: the delegation is checked again when casting
    assert page.count('class="pv-vote"') == 2
    assert "代 李* 投票" in page and "代 孙* 投票" in page
    for unit in (scene.units["1-102"], scene.units["1-202"]):
        response = confirm(client, first, unit, {f"u{unit.pk}-choice": "yes", f"u{unit.pk}-agreement": "on"})
        client.post(f"/decisions/matters/{first.pk}/cast/", {"token": token_of(body(response))})
    assert sorted(Ballot.objects.values_list("owner_token", "area")) == sorted(
        [(roll_token(meeting, scene.units["1-102"]), 8000), (roll_token(meeting, scene.units["1-202"]), 6000)]
    )


# --- after the close --------------------------------------------------------------------------------------------


def test_after_publication_the_tally_sheet_and_the_bulletin_show_the_results(client, scene, open_meeting):
    meeting, first, second = open_meeting
    r_zhang = vote(scene.zhang, meeting, scene.units["1-101"], {first.pk: "yes", second.pk: "yes"})
    vote(scene.li, meeting, scene.units["1-102"], {first.pk: "yes", second.pk: "no"})
    vote(scene.wang, meeting, scene.units["2-102"], {first.pk: "no"})
    vote(scene.zhou, meeting, scene.units["1-202"], {first.pk: "abstain"})
    close(scene.convener, meeting)
    login(client, scene.zhang)

    # closed: the bulletin is open, results not yet
    assert client.get(f"/decisions/meetings/{meeting.pk}/results/").status_code == 404
    bulletin = body(client.get(f"/decisions/meetings/{meeting.pk}/bulletin/"))
    assert "有效选票共 6 张" in bulletin
    for name in ("张三", "李四", "王五", "孙八", "张*", "李*"):
        assert name not in bulletin
    assert "同意" not in text(bulletin)
    found = body(client.get(f"/decisions/meetings/{meeting.pk}/bulletin/?q={r_zhang[0].receipt[:8].upper()}"))
    assert f'data-receipt="{r_zhang[0].receipt}"' in found
    assert "这是您投出的选票" in found
    assert "1栋101（90.00 ㎡）、2栋101（50.00 ㎡），合计 140.00 ㎡" in text(found)

    publish(scene.convener, meeting)
    counted = body(client.get(f"/decisions/votes/?project={scene.project.pk}&tab=counted"))
    assert re.findall(r'data-outcome="(\w+)"', counted) == ["rejected", "no_decision"]
    sheet = text(body(client.get(f"/decisions/meetings/{meeting.pk}/results/")))
    # matter 1: 5 owners / 450.00 ㎡ (张三's two units are one owner, 2-102 is one); 4 took part
    # (张三 140, 李四 80, 王五 for 2-102 100, 孙八 by delegate 60 = 380.00); yes 2 of 4 is exactly half: not passed
    assert "表决范围内总数 5 450.00 参与表决 4 380.00" in sheet
    assert "其中同意 2 220.00 其中反对 1 100.00 其中弃权 1 60.00 未参与表决 1 70.00" in sheet
    assert "未通过 未通过：参与表决人数和面积已达三分之二，但同意票未达到要求" in sheet
    assert (
        "参与表决的人数达到总人数的三分之二以上： 达到 实际 4 人，基数 5 人，至少需要 4 人 3 × 4 ≥ 2 × 5"
        in sheet
    )
    assert (
        "同意的人数超过参与表决人数的一半（过半数，恰好一半不通过）： 未达到 实际 2 人，基数 4 人，至少需要 3 人 2 × 2 > 4"
        in sheet
    )
    # matter 2 (building 1: 1-101, 1-102, 1-201, 1-202 — 4 owners, 300.00 ㎡): only 张三 and 李四 voted
    assert "表决范围内总数 4 300.00 参与表决 2 170.00" in sheet
    assert "未形成决定 未形成决定：参与表决的人数或面积不足三分之二（不等于否决）" in sheet
    assert "会议通知提前天数 投票开始前至少15日公告（默认）" in sheet


def test_a_passed_matter_shows_each_test_with_its_numbers(client, scene):
    meeting = meeting_around_now(scene.other_convener, scene.other_project, [f.question("增设充电桩")])
    matter = meeting.matters.get()
    vote(scene.wu, meeting, scene.units["3-101"], {matter.pk: "yes"})
    publish(scene.other_convener, meeting)
    login(client, scene.wu)
    sheet = text(body(client.get(f"/decisions/meetings/{meeting.pk}/results/")))
    assert "通过 参与表决的人数和面积均达到三分之二以上，同意票达到要求" in sheet
    assert "表决范围内总数 1 40.00 参与表决 1 40.00 其中同意 1 40.00" in sheet
    assert (
        "同意的专有部分面积超过参与表决面积的一半（过半数，恰好一半不通过）： 达到 实际 40.00 m²，基数 40.00 m²，"
        "至少需要 20.01 m² 2 × 4000 > 4000（单位0.01 m²）"
    ) in sheet
    assert "未投票业主是否视为同意多数（从众） 否（默认）" in sheet
    page = body(client.get(f"/decisions/matters/{matter.pk}/"))
    assert 'id="link-results"' in page and 'id="link-bulletin"' in page


# --- 查看公示 / 查看投票人 / files ---------------------------------------------------------------------------------


def test_publicity_shows_the_notice_and_binding_status_without_names(client, scene, open_meeting):
    meeting, _, _ = open_meeting
    login(client, scene.li)
    page = body(client.get(f"/decisions/meetings/{meeting.pk}/publicity/"))
    notice = meeting.files.get()
    assert f"/decisions/files/{notice.pk}/" in hrefs(page)
    rows = re.findall(
        r'<tr data-building="([^"]+)"><td>[^<]+</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>', page
    )
    # building 1: 1-101, 1-102, 1-201 (钱七 unverified), 1-202; building 2: 2-101, 2-102
    assert rows == [("1栋", "4", "4", "3"), ("2栋", "2", "2", "2")]
    assert (
        "<td>230.00 / 300.00 ㎡</td>" in page
    )  # verified / all area, through the one area filter (issue 12)
    for name in ("张三", "李四", "钱七", "张*"):
        assert name not in page
    download = client.get(f"/decisions/files/{notice.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == f.PDF
    assert download["Cache-Control"] == "private, no-store"


def test_voters_page_shows_the_voter_of_each_unit(client, scene, open_meeting):
    meeting, _, _ = open_meeting
    login(client, scene.zhao)
    page = text(body(client.get(f"/decisions/meetings/{meeting.pk}/voters/")))
    assert "2栋102 王* 本房屋由共有人推选的投票人投票" in page
    login(client, scene.zhang)
    page = text(body(client.get(f"/decisions/meetings/{meeting.pk}/voters/")))
    assert "1栋101、2栋101 张*（本人）" in page


def test_voters_before_the_vote_show_the_current_nominations(client, scene):
    meeting = meeting_around_now(scene.convener, scene.project, [f.question()], state="noticed")
    login(client, scene.wang)
    page = text(body(client.get(f"/decisions/meetings/{meeting.pk}/voters/")))
    assert "2栋102 未有效推选" in page
    matter_page = body(client.get(f"/decisions/matters/{meeting.matters.get().pk}/"))
    assert "投票尚未开始" in matter_page
    assert 'action="/decisions/matters/' not in matter_page


def test_the_meeting_page_lists_its_matters_with_the_owners_state(client, scene, open_meeting):
    meeting, first, second = open_meeting
    vote(scene.li, meeting, scene.units["1-102"], {first.pk: "yes"})
    login(client, scene.li)
    page = body(client.get(f"/decisions/meetings/{meeting.pk}/"))
    assert re.findall(r'data-matter="(\d+)" data-state="(\w+)"', page) == [
        (str(first.pk), "voted"),
        (str(second.pk), "pending"),
    ]
    assert f"/decisions/meetings/{meeting.pk}/publicity/" in hrefs(page)
    assert f"/decisions/meetings/{meeting.pk}/voters/" in hrefs(page)
    assert 'id="link-results"' not in page and 'id="link-bulletin"' not in page
    assert "投票提交后不可更改" in page


def test_a_cancelled_meeting_says_so_and_takes_no_ballot(client, scene, open_meeting):
    meeting, first, _ = open_meeting
    from pmip.decisions import services

    services.cancel_meeting(actor=scene.convener, meeting_id=meeting.pk, reason="召集程序有误")
    login(client, scene.li)
    listed = body(client.get(f"/decisions/votes/?project={scene.project.pk}&tab=all"))
    assert re.findall(r'data-matter="\d+" data-state="(\w+)"', listed) == ["cancelled", "cancelled"]
    assert "暂无待投票的议题。" in body(client.get(f"/decisions/votes/?project={scene.project.pk}"))
    page = body(client.get(f"/decisions/meetings/{meeting.pk}/"))
    assert "召集程序有误" in page
    unit = scene.units["1-102"]
    response = confirm(client, first, unit, {f"u{unit.pk}-choice": "yes", f"u{unit.pk}-agreement": "on"})
    assert response.status_code == 422
    assert "会议已取消。" in body(response)
    assert Ballot.objects.count() == 0


def test_the_service_agreement_is_readable_and_links_back(client, scene, open_meeting):
    _, first, _ = open_meeting
    page = body(client.get(f"/decisions/agreement/?matter={first.pk}"))
    assert "《服务协议》" in page and "投票提交后不可更改" in page
    assert f"/decisions/matters/{first.pk}/" in hrefs(page)


def test_voters_page_reads_a_fixed_number_of_queries_whatever_the_number_of_units(
    client, scene, django_assert_num_queries
):
    """查看投票人 before the vote: the nominations of all the owner's units are read together (no query per unit)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    meeting = meeting_around_now(scene.convener, scene.project, [f.question()], state="noticed")
    login(client, scene.wang)
    url = f"/decisions/meetings/{meeting.pk}/voters/"
    client.get(url)  # session and caches warm
    with CaptureQueriesContext(connection) as one_unit:
        assert client.get(url).status_code == 200
    f.co_own(f.unit(scene.project, "2-201", "60.00"), [scene.wang, scene.zhao])
    f.own(f.unit(scene.project, "2-202", "70.00"), scene.wang)
    nominate(scene.wang, scene.units["2-102"], scene.wang)
    with django_assert_num_queries(len(one_unit.captured_queries)):
        page = text(body(client.get(url)))
    assert "2栋102" in page and "2栋201 未有效推选" in page and "2栋202 产权人本人" in page
