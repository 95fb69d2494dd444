"""/api/v1/decisions: my meetings, a meeting's matters and my slots, casting with the services' error codes, my
receipts, and the bulletin and tally sheet after the close — never anyone else's choice before it."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from pmip.decisions.models import Ballot
from tests.decisions import factories as f
from tests.portal_decisions.support import close, meeting_around_now, nominate, publish, vote

API = "/api/v1/decisions"


def as_(who) -> Client:
    client = Client()
    client.force_login(who.account)
    return client


def post(client: Client, url: str, data: dict):
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def meeting(scene):
    nominate(scene.wang, scene.units["2-102"], scene.wang)
    nominate(scene.zhao, scene.units["2-102"], scene.wang)
    b1 = f.building(scene.project, "1")
    return meeting_around_now(
        scene.convener,
        scene.project,
        [
            f.question("续聘物业服务企业"),
            f.question("1栋外墙", item=7, scope="buildings", building_ids=[b1.pk]),
        ],
    )


def test_anonymous_and_staff_callers_get_401(scene, meeting):
    assert Client().get(f"{API}/meetings").json() == {
        "code": "unauthenticated",
        "message": "请先登录业主账号。",
        "status": 401,
    }
    staff = Client()
    staff.force_login(scene.convener)
    assert staff.get(f"{API}/meetings").status_code == 401


def test_my_meetings_and_a_meetings_slots(scene, meeting):
    m1, m2 = meeting.matters.order_by("order")
    client = as_(scene.zhang)
    listed = client.get(f"{API}/meetings").json()
    assert [(m["id"], m["state"], m["pending_matters"], m["project_code"]) for m in listed] == [
        (meeting.pk, "open", 2, "440303001")
    ]
    detail = client.get(f"{API}/meetings/{meeting.pk}").json()
    assert [(m["id"], m["state"], m["matter_class"], m["scope_buildings"]) for m in detail["matters"]] == [
        (m1.pk, "pending", "ordinary", []),
        (m2.pk, "pending", "major", ["1栋"]),
    ]
    (slot,) = detail["slots"]
    assert (slot["unit_id"], slot["for_self"], slot["principal"], slot["can_vote"], slot["reason"]) == (
        scene.units["1-101"].pk,
        True,
        "张*",
        True,
        "",
    )
    assert slot["units"] == [{"room": "1栋101", "area": "90.00"}, {"room": "2栋101", "area": "50.00"}]
    assert [(x["matter_id"], x["area"], x["ballot"]) for x in slot["matters"]] == [
        (m1.pk, "140.00", None),
        (m2.pk, "90.00", None),
    ]
    # an owner of another project does not see the meeting
    assert as_(scene.wu).get(f"{API}/meetings/{meeting.pk}").status_code == 404
    assert as_(scene.wu).get(f"{API}/meetings").json() == []


def test_cast_returns_receipts_and_uses_the_services_error_codes(scene, meeting):
    m1, m2 = meeting.matters.order_by("order")
    client = as_(scene.zhang)
    url = f"{API}/meetings/{meeting.pk}/ballots"
    unit = scene.units["2-101"].pk

    refused = post(client, url, {"unit_id": unit, "answers": {m1.pk: "yes"}, "agreement_accepted": False})
    assert (refused.status_code, refused.json()["code"]) == (422, "agreement_required")
    bad = post(client, url, {"unit_id": unit, "answers": {m1.pk: "maybe"}, "agreement_accepted": True})
    assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (422, "invalid", f"matter_{m1.pk}")
    assert Ballot.objects.count() == 0

    ok = post(
        client, url, {"unit_id": unit, "answers": {m1.pk: "yes", m2.pk: "no"}, "agreement_accepted": True}
    )
    assert ok.status_code == 201
    ballots = {b.matter_id: b for b in Ballot.objects.all()}
    assert ok.json() == [
        {"matter_id": m1.pk, "sequence": 1, "receipt": ballots[m1.pk].receipt, "replaced": False},
        {"matter_id": m2.pk, "sequence": 2, "receipt": ballots[m2.pk].receipt, "replaced": False},
    ]
    assert (ballots[m1.pk].area, ballots[m2.pk].area) == (14000, 9000)

    again = post(client, url, {"unit_id": unit, "answers": {m1.pk: "no"}, "agreement_accepted": True})
    assert (again.status_code, again.json()["code"]) == (422, "already_voted")
    delegated = post(
        as_(scene.sun),
        url,
        {"unit_id": scene.units["1-202"].pk, "answers": {m1.pk: "no"}, "agreement_accepted": True},
    )
    assert (delegated.status_code, delegated.json()["code"]) == (403, "forbidden")
    unverified = post(
        as_(scene.qian),
        url,
        {"unit_id": scene.units["1-201"].pk, "answers": {m1.pk: "no"}, "agreement_accepted": True},
    )
    assert (unverified.status_code, unverified.json()["code"]) == (403, "not_eligible")
    stranger = post(
        as_(scene.li),
        url,
        {"unit_id": scene.units["1-101"].pk, "answers": {m1.pk: "no"}, "agreement_accepted": True},
    )
    assert (stranger.status_code, stranger.json()["code"]) == (404, "not_found")
    assert Ballot.objects.count() == 2

    closed = meeting_around_now(scene.convener, scene.project, [f.question("另一会议")], title="另一会议")
    close(scene.convener, closed)
    late = post(
        client,
        f"{API}/meetings/{closed.pk}/ballots",
        {"unit_id": unit, "answers": {closed.matters.get().pk: "yes"}, "agreement_accepted": True},
    )
    assert (late.status_code, late.json()["code"]) == (422, "voting_not_open")


def test_a_delegate_casts_for_the_principal(scene, meeting):
    m1, _ = meeting.matters.order_by("order")
    client = as_(scene.zhou)
    (slot,) = client.get(f"{API}/meetings/{meeting.pk}").json()["slots"]
    assert (slot["for_self"], slot["principal"], slot["can_vote"]) == (False, "孙*", True)
    response = post(
        client,
        f"{API}/meetings/{meeting.pk}/ballots",
        {"unit_id": slot["unit_id"], "answers": {m1.pk: "abstain"}, "agreement_accepted": True},
    )
    assert response.status_code == 201
    ballot = Ballot.objects.get()
    assert (ballot.by_delegate, ballot.choices) == (True, {"matter": "abstain"})
    receipts = client.get(f"{API}/receipts").json()
    assert [(r["matter_id"], r["for_self"], r["principal"], r["receipt"]) for r in receipts] == [
        (m1.pk, False, "孙*", ballot.receipt)
    ]
    # the principal sees the ballot cast for them, and cannot vote
    (own,) = as_(scene.sun).get(f"{API}/meetings/{meeting.pk}").json()["slots"]
    assert (own["can_vote"], own["reason"]) == (False, "您已委托他人代为投票，委托期间不能参与本小区投票")
    assert own["matters"][0]["ballot"]["receipt"] == ballot.receipt


def test_before_the_close_nobody_reads_another_owners_choice(scene, meeting):
    m1, _ = meeting.matters.order_by("order")
    zhang = vote(scene.zhang, meeting, scene.units["1-101"], {m1.pk: "no"})[0]
    li = as_(scene.li)
    detail = li.get(f"{API}/meetings/{meeting.pk}").json()
    assert zhang.receipt not in json.dumps(detail)
    assert [s["unit_id"] for s in detail["slots"]] == [scene.units["1-102"].pk]
    assert li.get(f"{API}/receipts").json() == []
    for path in ("results", "bulletin"):
        response = li.get(f"{API}/meetings/{meeting.pk}/{path}")
        assert response.status_code == 404, path
    mine = as_(scene.zhang).get(f"{API}/receipts").json()
    assert [(r["choices"], r["receipt"]) for r in mine] == [({"matter": "no"}, zhang.receipt)]


def test_bulletin_after_the_close_and_results_after_publication(scene, meeting):
    m1, m2 = meeting.matters.order_by("order")
    zhang = vote(scene.zhang, meeting, scene.units["1-101"], {m1.pk: "yes", m2.pk: "yes"})
    vote(scene.li, meeting, scene.units["1-102"], {m1.pk: "yes"})
    vote(scene.wang, meeting, scene.units["2-102"], {m1.pk: "yes"})
    vote(scene.zhou, meeting, scene.units["1-202"], {m1.pk: "no"})
    close(scene.convener, meeting)
    li = as_(scene.li)
    assert li.get(f"{API}/meetings/{meeting.pk}/results").status_code == 404
    page = li.get(f"{API}/meetings/{meeting.pk}/bulletin").json()
    assert (page["count"], page["num_pages"]) == (5, 1)
    assert "张" not in json.dumps(page, ensure_ascii=False) and "yes" not in json.dumps(page)
    found = li.get(
        f"{API}/meetings/{meeting.pk}/bulletin", {"q": zhang[0].receipt[:10].upper(), "matter": m1.pk}
    )
    assert found.json()["items"] == [
        {
            "matter_id": m1.pk,
            "sequence": zhang[0].sequence,
            "receipt": zhang[0].receipt,
            "channel": "网络投票",
            "units": [{"room": "1栋101", "area": "90.00"}, {"room": "2栋101", "area": "50.00"}],
            "area": "140.00",
        }
    ]
    other = li.get(f"{API}/meetings/{meeting.pk}/bulletin", {"matter": 999999})
    assert (other.status_code, other.json()["field"]) == (422, "matter")

    publish(scene.convener, meeting)
    sheet = li.get(f"{API}/meetings/{meeting.pk}/results").json()
    first = sheet["matters"][0]
    assert (first["matter_id"], first["class_label"], first["election"]) == (m1.pk, "一般事项", None)
    (result,) = first["results"]
    doc = result["document"]
    # 5 owners, 450.00 m²; 4 took part (380.00); yes 3 owners 320.00 (张三 140, 李四 80, 王五 100)
    assert (
        doc["total_owners"],
        doc["total_area"],
        doc["participating_owners"],
        doc["participating_area"],
    ) == (
        5,
        "450.00",
        4,
        "380.00",
    )
    assert (doc["yes_owners"], doc["yes_area"], doc["no_owners"], doc["no_area"], doc["outcome"]) == (
        3,
        "320.00",
        1,
        "60.00",
        "passed",
    )
    assert [t["key"] for t in result["tests"] if t["passed"]] == [
        "quorum_area",
        "quorum_owners",
        "approval_area",
        "approval_owners",
    ]
    assert result["conclusion"] == "通过"
    assert [s["key"] for s in sheet["settings"]][:2] == ["notice_days", "include_parking_storage"]
    assert sheet["matters"][1]["results"][0]["document"]["outcome"] == "no_decision"


def test_casting_needs_the_csrf_token(scene, meeting):
    m1, _ = meeting.matters.order_by("order")
    client = Client(enforce_csrf_checks=True)
    client.force_login(scene.li.account)
    response = post(
        client,
        f"{API}/meetings/{meeting.pk}/ballots",
        {"unit_id": scene.units["1-102"].pk, "answers": {m1.pk: "yes"}, "agreement_accepted": True},
    )
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")
    assert Ballot.objects.count() == 0
