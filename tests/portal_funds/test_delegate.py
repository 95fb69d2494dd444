"""A delegate (被委托人) reads the delegated project's money pages like its principal (issue 5): the project and
building pages and exactly the principal's bound units in that project, with "代业主 张* 查看" shown."""

from __future__ import annotations

import pytest

from pmip.core import clock
from pmip.delegation import services as delegation_services
from pmip.delegation.models import Delegation, DelegationStatus
from pmip.identity.models import BindingStatus, HouseBinding
from pmip.registry.models import Unit
from tests import factories
from tests.portal_funds.builders import bind

API = "/api/v1/funds"
LEDGER_1_101 = ["4195.11", "4188.84", "4490.10", "4467.60"]  # newest first, see conftest's docstring


@pytest.fixture
def delegate(db):
    return factories.account("wangwu", mobile="+8613700000001", name="王五")


@pytest.fixture
def delegation(owner, delegate, lianhua):
    """张三 (1-101 of 莲花山庄) delegates 王五, who has verified (delegate_account set)."""
    return Delegation.objects.create(
        owner=owner,
        project=lianhua,
        delegate_name="王五",
        delegate_mobile="+8613700000001",
        delegate_account=delegate,
        granted_at=clock.now(),
    )


@pytest.fixture
def delegate_client(client, delegate, delegation):
    client.force_login(delegate)
    return client


def test_delegate_reads_the_principals_unit_page_and_api(delegate_client, ledger, units):
    unit = units["1-101"]
    page = delegate_client.get(f"/funds/units/{unit.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-acting-for="张*"' in html
    assert "代业主 张* 查看" in html
    assert page.context["entry_count"] == 4
    assert [str(r["line"].balance_after) for r in page.context["rows"]] == LEDGER_1_101

    ledger_api = delegate_client.get(f"{API}/units/{unit.pk}/ledger")
    assert ledger_api.status_code == 200
    assert [i["balance_after"] for i in ledger_api.json()["items"]] == LEDGER_1_101
    overview = delegate_client.get(f"{API}/units/{unit.pk}").json()
    assert (overview["label"], overview["figures"]["balance"], overview["acting_for"]) == (
        "1-101",
        "4195.11",
        ["张*"],
    )


def test_delegate_reads_project_and_building_and_entry_page(delegate_client, ledger, lianhua, units):
    index = delegate_client.get("/funds/")
    assert index.status_code == 200
    assert index.context["rows"] == []
    [row] = index.context["delegated"]
    assert (row["project"].pk, row["principals"], [u.label for u in row["units"]]) == (
        lianhua.pk,
        ["张*"],
        ["1-101"],
    )
    assert f'data-delegated-project="{lianhua.pk}"' in index.content.decode()

    project = delegate_client.get(f"/funds/projects/{lianhua.pk}/")
    assert project.status_code == 200
    assert project.context["acting_for"] == ["张*"]
    assert [u.label for u in project.context["my_units"]] == ["1-101"]
    assert str(project.context["figures"].balance) == "20024.78"

    building = delegate_client.get(f"/funds/buildings/{units['1-101'].building_id}/?tab=units")
    assert building.status_code == 200
    assert building.context["own"] == {units["1-101"].pk}
    assert str(building.context["figures"].balance) == "13875.45"

    api = delegate_client.get(f"{API}/projects/{lianhua.pk}").json()
    assert (api["acting_for"], api["my_units"], [u["label"] for u in api["delegated_units"]]) == (
        ["张*"],
        [],
        ["1-101"],
    )
    assert api["figures"]["balance"] == "20024.78"
    listed = delegate_client.get(f"{API}/delegated-projects").json()
    assert [(p["id"], p["acting_for"], [u["label"] for u in p["units"]]) for p in listed] == [
        (lianhua.pk, ["张*"], ["1-101"])
    ]
    rows = delegate_client.get(f"{API}/buildings/{units['1-101'].building_id}/units").json()["items"]
    assert [(r["label"], r["mine"]) for r in rows] == [("1-101", True), ("1-102", False), ("1-201", False)]


def test_another_unit_in_the_same_project_is_not_found(delegate_client, ledger, units):
    other = units["1-102"]
    assert delegate_client.get(f"/funds/units/{other.pk}/").status_code == 404
    assert delegate_client.get(f"{API}/units/{other.pk}").status_code == 404
    assert delegate_client.get(f"{API}/units/{other.pk}/ledger").status_code == 404


def test_another_project_is_not_found_even_the_principals_units_there(delegate_client, owner, city, ledger):
    jinghua = city.projects["jinghua"]
    elsewhere = Unit.objects.filter(project=jinghua).order_by("pk").first()
    bind(owner, elsewhere)  # the principal is bound there too, but the delegation covers 莲花山庄 only
    assert delegate_client.get(f"/funds/projects/{jinghua.pk}/").status_code == 404
    assert delegate_client.get(f"{API}/projects/{jinghua.pk}").status_code == 404
    assert delegate_client.get(f"/funds/units/{elsewhere.pk}/").status_code == 404
    assert delegate_client.get(f"{API}/units/{elsewhere.pk}/ledger").status_code == 404
    assert delegate_client.get(f"/funds/buildings/{elsewhere.building_id}/").status_code == 404


def test_nothing_after_revoke(delegate_client, owner, delegation, ledger, lianhua, units):
    unit = units["1-101"]
    assert delegate_client.get(f"/funds/units/{unit.pk}/").status_code == 200
    delegation_services.revoke_delegation(actor=owner, delegation_id=delegation.pk)
    assert Delegation.objects.get(pk=delegation.pk).status == DelegationStatus.REVOKED
    assert delegate_client.get(f"/funds/units/{unit.pk}/").status_code == 404
    assert delegate_client.get(f"{API}/units/{unit.pk}/ledger").status_code == 404
    assert delegate_client.get(f"/funds/projects/{lianhua.pk}/").status_code == 404
    assert delegate_client.get(f"{API}/projects/{lianhua.pk}").status_code == 404
    assert delegate_client.get(f"/funds/buildings/{unit.building_id}/").status_code == 404
    assert delegate_client.get(f"{API}/delegated-projects").json() == []
    index = delegate_client.get("/funds/")
    assert [t.name for t in index.templates][0] == "portal/funds/no_units.html"


def test_nothing_once_the_principals_binding_ended(delegate_client, owner, ledger, lianhua, units):
    HouseBinding.objects.filter(account=owner).update(status=BindingStatus.ENDED)
    assert delegate_client.get(f"/funds/units/{units['1-101'].pk}/").status_code == 404
    assert delegate_client.get(f"/funds/projects/{lianhua.pk}/").status_code == 404


def test_owner_access_unchanged(owner_client, delegation, ledger, lianhua, units):
    unit = units["1-101"]
    page = owner_client.get(f"/funds/units/{unit.pk}/")
    assert page.status_code == 200
    assert page.context["acting_for"] == []
    assert 'id="acting-for"' not in page.content.decode()
    assert [str(r["line"].balance_after) for r in page.context["rows"]] == LEDGER_1_101
    assert owner_client.get(f"{API}/units/{unit.pk}").json()["acting_for"] == []
    project = owner_client.get(f"{API}/projects/{lianhua.pk}").json()
    assert (project["acting_for"], [u["label"] for u in project["my_units"]], project["delegated_units"]) == (
        [],
        ["1-101"],
        [],
    )
    assert owner_client.get(f"/funds/units/{units['1-102'].pk}/").status_code == 404
    assert owner_client.get(f"{API}/delegated-projects").json() == []
