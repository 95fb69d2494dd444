"""The funds rows of the access matrix, seen from the other side (issue 8).

The matrix (`test_access_matrix.py`) proves that nobody outside the victim's project reaches the victim's fund data.
These tests make sure that proof is not empty and cover what its actors cannot:
- every funds row's URL really reaches the victim's object for those entitled to it (the city's office for the back
  office, the victim for the owner pages), so a 404 in the matrix means "refused", not "no such object";
- owners of the same project (and their delegates) read the project's funds — figures, repairs, accounts and flows,
  published notices and reports, as the owner manual's 维修资金情况 / 业主共有资金 / 季度收支报表 / 信息公开 describe —
  but not the victim's sub-ledger, nor drafts;
- back-office staff in scope of their own project cannot reach the victim's objects by putting their own project's
  code in the URL;
- 关注 and 取消关注, which any owner may do, touch only the caller's own follow.
"""

from __future__ import annotations

import pytest
from django.test import Client

from pmip.funds.models import ProjectFollow
from pmip.identity.models import HouseBinding, ScopeLevel, StaffRole
from pmip.registry.models import Project, Subdistrict
from tests import factories as base
from tests.decisions import factories as f
from tests.security.matrix_worlds import funds as funds_world
from tests.security.test_access_matrix import DENIED, MATRIX, _fill, _fingerprint, _routes, _world

FUND_KEYS = {"fund_", "unit", "building"}
# Rows whose route answers POST only (or DELETE): tried with a request that acts, by someone entitled.
ACTIONS = {
    "office_funds:repair_charge": ("post", {}),
    "office_funds:account_statement": ("post", {}),
    "office_funds:report_line_add": ("post", {}),
    "office_funds:report_line_remove": ("post", {}),
    "api:publish_disclosure": ("post", {}),
    "api:reverse_entry": ("post", {"reason": "核对用的冲正"}),
    "api:charge_repair": ("post", {}),
    "api:cancel_repair": ("post", {"reason": "核对用的撤销"}),
    "api:correct_report": ("post", {"note": "核对用的更正"}),
    "portal_funds:follow": ("post", {}),
    "portal_funds:unfollow": ("post", {}),
    "api:unfollow": ("delete", None),
}
# Answers to an owner of the project that must never carry these: drafts, the victim's own sub-ledger, the full
# account number and the victim's name.
NEVER_TO_NEIGHBOURS = (
    funds_world.NOTICE_DRAFT,
    funds_world.REPORT_LINE_DRAFT,
    funds_world.UNIT_MEMO,
    funds_world.ACCOUNT_NUMBER,
    "陈受害",
)


def _funds_rows() -> dict:
    routes = _routes()
    return {
        name: (routes[name], row)
        for name, row in MATRIX.items()
        if "fund" in routes[name] and any(v.startswith(tuple(FUND_KEYS)) for v in row.params.values())
    }


def _owner_client(account) -> Client:
    c = Client()
    c.force_login(account, backend="django.contrib.auth.backends.ModelBackend")
    return c


def _staff_client(account) -> Client:
    c = Client()
    base.login_staff(c, account)
    return c


def _victim(world):
    return HouseBinding.objects.get(pk=world.ids["binding"]).account


def _refused(response) -> bool:
    """Refused, and the refusal shows none of the victim's fund data."""
    body = "" if response.streaming else response.content.decode(errors="replace")
    return response.status_code in DENIED and not any(m in body for m in funds_world.MARKERS)


def _request(client: Client, method: str, url: str, body):
    if body is None:
        return getattr(client, method)(url)
    if url.startswith("/api/"):
        return getattr(client, method)(url, body, content_type="application/json")
    return getattr(client, method)(url, body)


@pytest.mark.django_db
@pytest.mark.usefixtures("private_media", "quiet_request_log")
def test_every_funds_row_reaches_the_victims_object_for_those_entitled():
    world = _world()
    rows = _funds_rows()
    assert len(rows) >= 50, sorted(rows)
    clerk = _staff_client(f.staff("fund_clerk", level=ScopeLevel.CITY, can_edit=True))
    victim = _owner_client(_victim(world))
    wrong = []
    for name, (route, row) in sorted(rows.items()):
        url = _fill(route, row.params, world.ids)
        client = clerk if url.startswith(("/office/", "/api/v1/office/")) else victim
        method, body = ACTIONS.get(name, ("get", None))
        response = _request(client, method, url, body)
        if response.status_code in DENIED or response.status_code >= 500:
            wrong.append(f"{name} {method.upper()} {url} → {response.status_code}")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.django_db
@pytest.mark.usefixtures("private_media", "quiet_request_log")
def test_owners_of_the_project_read_its_funds_but_not_the_victims_unit_nor_drafts():
    world = _world()
    project = Project.objects.get(code=world.ids["code"])
    neighbour, helper = f.person("周邻居"), f.person("吴帮手")
    f.own(f.unit(project, "2-101", "75.00"), neighbour)
    f.delegate(neighbour, project, helper)
    rows = _funds_rows()
    readable = {
        "api:project_overview@api/v1/funds/projects/<project_id>",
        "api:project_entries@api/v1/funds/projects/<project_id>/entries",
        "api:project_buildings@api/v1/funds/projects/<project_id>/buildings",
        "api:project_charts",
        "api:project_repairs",
        "api:project_accounts",
        "api:project_reports",
        "api:project_disclosures",
        "api:building_overview",
        "api:building_entries",
        "api:building_units",
        "api:account_flows",
        "api:report_detail",
        "api:report_download",
        "api:disclosure_detail",
        "portal_funds:project",
        "portal_funds:building",
        "portal_funds:report",
        "portal_funds:report_download",
        "portal_funds:disclosure",
    }
    not_theirs = {
        "api:unit_overview",
        "api:unit_ledger@api/v1/funds/units/<unit_id>/ledger",
        "portal_funds:unit",
    }
    owner_rows = {n for n, (route, _) in rows.items() if not route.startswith(("office/", "api/v1/office/"))}
    assert owner_rows - set(ACTIONS) == readable | not_theirs
    drafts = {
        "report": ("portal_funds:report", "fund_report"),
        "api report": ("api:report_detail", "fund_report"),
        "notice": ("portal_funds:disclosure", "fund_disclosure"),
        "api notice": ("api:disclosure_detail", "fund_disclosure"),
    }
    wrong = []
    for who, account in (("neighbour", neighbour.account), ("neighbour's delegate", helper.account)):
        client = _owner_client(account)
        for name in sorted(readable | not_theirs):
            route, row = rows[name]
            url = _fill(route, row.params, world.ids)
            response = client.get(url)
            expected = 200 if name in readable else 404
            if response.status_code != expected:
                wrong.append(f"{who} GET {url} ({name}) → {response.status_code}, expected {expected}")
            body = response.content.decode(errors="replace") if "download" not in name else ""
            for marker in NEVER_TO_NEIGHBOURS:
                if marker in body:
                    wrong.append(f"{who} GET {url} ({name}) shows {marker}")
        for what, (name, key) in drafts.items():
            route, row = rows[name]
            url = _fill(route, {**row.params, next(iter(row.params)): key}, world.ids)
            if client.get(url).status_code != 404:
                wrong.append(f"{who} reads the draft {what} at {url}")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.django_db
@pytest.mark.usefixtures("private_media", "quiet_request_log")
def test_office_funds_objects_are_reached_only_under_their_own_projects_code():
    """Staff whose scope covers their own project (the attackers' committee, subdistrict and district, and a city
    clerk) put that project's code in the URL with the victim's object ids: not found, nothing written."""
    world = _world()
    own_code = StaffRole.objects.get(account__username="atk_committee").project.code
    assert own_code != world.ids["code"]
    ids = {**world.ids, "code": own_code}
    clients = {k: v for k, v in world.actors.items() if k in ("committee", "subdistrict", "district")}
    clients["city clerk"] = _staff_client(f.staff("fund_clerk", level=ScopeLevel.CITY, can_edit=True))
    before = _fingerprint()
    wrong = []
    for name, (route, row) in sorted(_funds_rows().items()):
        if not route.startswith("office/") or "code" not in row.params or len(row.params) < 2:
            continue
        url = _fill(route, row.params, ids)
        for who, client in clients.items():
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                if not _refused(response):
                    wrong.append(f"{who} {method.upper()} {url} ({name}) → {response.status_code}")
    assert wrong == [], "\n".join(wrong)
    assert _fingerprint() == before


@pytest.mark.django_db
@pytest.mark.usefixtures("private_media", "quiet_request_log")
def test_following_and_unfollowing_touch_only_the_callers_own_follow():
    world = _world()
    victim = _victim(world)
    project = Project.objects.get(code=world.ids["code"])
    code = world.ids["code"]
    assert ProjectFollow.objects.filter(account=victim, project=project).exists()
    for actor in ("other_owner", "delegate"):
        client = world.actors[actor]
        client.post(f"/funds/overview/follow/{code}/")
        client.post(f"/funds/overview/unfollow/{code}/")
        client.delete(f"/api/v1/funds/follows/{code}")
        client.post(f"/funds/overview/unfollow/{code}/")
    assert list(ProjectFollow.objects.filter(project=project).values_list("account_id", flat=True)) == [
        victim.pk
    ]


REPAIR_BODY = {
    "title": "海滨苑被改的维修",
    "amount": "10.00",
    "scope_kind": "project",
    "decision_ref": "海滨苑业决〔2025〕9号",
}
# The staff API validates the body before the view runs, so the matrix's empty bodies (400/422) never reach the
# access check of these writes: here each is sent with a body the view would act on.
API_WRITES = {
    "api:charge_repair": ("post", {}),
    "api:cancel_repair": ("post", {"reason": "攻击者撤销"}),
    "api:update_repair": ("put", REPAIR_BODY),
    "api:correct_report": ("post", {"note": "攻击者更正"}),
    "api:reverse_entry": ("post", {"reason": "攻击者冲正"}),
    "api:publish_disclosure": ("post", {}),
    "api:create_repair": ("post", REPAIR_BODY),
    "api:preview_repair": ("post", {"amount": "10.00", "scope_kind": "project"}),
    "api:unfollow": ("delete", None),
}


@pytest.mark.django_db
@pytest.mark.usefixtures("private_media", "quiet_request_log")
def test_funds_api_writes_with_a_valid_body_are_refused_to_everyone_out_of_scope():
    world = _world()
    routes = _routes()
    before = _fingerprint()
    wrong = []
    for name, (method, body) in sorted(API_WRITES.items()):
        row = MATRIX[name]
        url = _fill(routes[name], row.params, world.ids)
        for actor, client in world.actors.items():
            if actor in row.allow:
                continue
            response = _request(client, method, url, body)
            if not _refused(response):
                wrong.append(f"{actor} {method.upper()} {url} ({name}) → {response.status_code}")
        if _fingerprint() != before:
            wrong.append(f"{name}: a request changed the victim's data")
            before = _fingerprint()
    assert wrong == [], "\n".join(wrong)
    # and the same bodies do act for the city's clerk, so the refusals above were not about the body
    clerk = _staff_client(f.staff("fund_clerk", level=ScopeLevel.CITY, can_edit=True))
    for name in ("api:preview_repair", "api:update_repair", "api:reverse_entry", "api:correct_report"):
        method, body = API_WRITES[name]
        url = _fill(routes[name], MATRIX[name].params, world.ids)
        assert _request(clerk, method, url, body).status_code in (200, 201), name


@pytest.mark.django_db
@pytest.mark.usefixtures("private_media", "quiet_request_log")
def test_the_nearest_scopes_that_do_not_cover_the_victims_project_are_refused():
    """The matrix's staff sit in another district; a mistake that compared districts instead of subdistricts, or
    subdistricts instead of projects, would not show there. Here: a subdistrict office next door in the victim's
    district, and the committee of another project in the victim's own subdistrict (both may edit)."""
    world = _world()
    victim_project = Project.objects.get(code=world.ids["code"])
    next_door = Subdistrict.objects.create(district=victim_project.district, name="招商街道")
    other_project = base.project(code="440305002", name="海月花园", subdistrict=victim_project.subdistrict)
    clients = {
        "subdistrict next door": _staff_client(
            f.staff("near_sub", level=ScopeLevel.SUBDISTRICT, subdistrict=next_door, can_edit=True)
        ),
        "committee of a project in the same subdistrict": _staff_client(
            f.committee_staff(other_project, "near_committee")
        ),
    }
    routes = _routes()
    before = _fingerprint()
    wrong = []
    for name, row in sorted(MATRIX.items()):
        route = routes[name]
        if not route.startswith(("office/funds/", "api/v1/office/funds/")):
            continue
        url = _fill(route, row.params, world.ids)
        tries = [("get", None)]
        if name in API_WRITES:
            tries.append(API_WRITES[name])
        elif route.startswith("office/"):
            tries.append(("post", None))  # the pages look the project up before they read the form
        for who, client in clients.items():
            for m, b in tries:
                response = _request(client, m, url, b)
                if not _refused(response):
                    wrong.append(f"{who} {m.upper()} {url} ({name}) → {response.status_code}")
    assert wrong == [], "\n".join(wrong)
    assert _fingerprint() == before
