"""Reads: replenishment line, owner and staff access, sub-ledgers, overviews, city open data, follows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.funds import selectors, services
from pmip.funds.models import FundPolicy, ProjectFollow, UnitBalance
from tests import factories

D = Decimal


@pytest.fixture
def funded(lianhua, clerk):
    services.post_first_deposits(actor=clerk, project=lianhua, occurred_on=dt.date(2026, 1, 1))
    return lianhua


def spend(clerk, unit, amount):
    """Bring a unit's balance down by a refund (simplest outflow of one unit)."""
    services.post_refund(actor=clerk, unit_id=unit.pk, amount=amount, memo="测试支出")


# --- replenishment line -----------------------------------------------------------------------------------------


def test_exactly_thirty_percent_is_not_flagged_one_fen_below_is(funded, units, clerk):
    # 2-102: first deposit 2978.40; 30 % = 893.52 exactly.
    unit = units["2-102"]
    spend(clerk, unit, D("2978.40") - D("893.52"))
    assert UnitBalance.objects.get(unit=unit).balance == D("893.52")
    assert selectors.count_flagged_units() == 0
    assert list(selectors.flagged_units(actor=clerk, project=funded)) == []
    assert selectors.unit_overview(actor=clerk, unit_id=unit.pk).below_line is False

    spend(clerk, unit, "0.01")
    assert selectors.count_flagged_units() == 1
    assert [b.unit_id for b in selectors.flagged_units(actor=clerk, project=funded)] == [unit.pk]
    overview = selectors.unit_overview(actor=clerk, unit_id=unit.pk)
    assert (overview.below_line, overview.line, overview.threshold_pct) == (True, D("893.52"), D("30.00"))
    assert selectors.flagged_counts([funded.pk]) == {funded.pk: 1}


def test_line_that_is_not_a_whole_fen(funded, units, clerk):
    # 1-102: first 4393.14; 30 % = 1317.942 — 1317.95 is above, 1317.94 is below.
    unit = units["1-102"]
    spend(clerk, unit, D("4393.14") - D("1317.95"))
    assert selectors.count_flagged_units() == 0
    spend(clerk, unit, "0.01")
    assert selectors.count_flagged_units() == 1


def test_project_threshold_overrides_the_platform(funded, units, clerk):
    unit = units["2-102"]
    spend(clerk, unit, D("2978.40") - D("893.51"))  # 893.51 < 30 %
    assert selectors.count_flagged_units() == 1
    FundPolicy.objects.create(project=funded, replenish_threshold_pct=D("25.00"))  # line 744.60
    assert selectors.count_flagged_units() == 0
    assert selectors.count_flagged_units(project_ids=[funded.pk]) == 0
    assert selectors.unit_overview(actor=clerk, unit_id=unit.pk).threshold_source == "本小区设置"


def test_unit_without_first_deposit_is_never_flagged(lianhua, units, clerk):
    services.post_transfer(actor=clerk, unit_id=units["1-101"].pk, amount="1.00", memo="划入")
    assert selectors.count_flagged_units() == 0


# --- access -----------------------------------------------------------------------------------------------------


def test_owner_reads_only_their_own_bound_unit(funded, units, owner, other_owner):
    own = selectors.unit_overview(actor=owner, unit_id=units["1-101"].pk)
    assert (own.label, own.figures.balance) == ("1-101", D("4467.60"))
    lines = selectors.unit_ledger(actor=owner, unit_id=units["1-101"].pk)
    assert [(line.entry.kind, line.balance_after) for line in lines] == [("first_deposit", D("4467.60"))]

    for unit_id in (units["2-101"].pk, units["1-102"].pk, 999999):
        with pytest.raises(NotFound):
            selectors.unit_overview(actor=owner, unit_id=unit_id)
        with pytest.raises(NotFound):
            selectors.unit_ledger(actor=owner, unit_id=unit_id)
    assert selectors.unit_overview(actor=other_owner, unit_id=units["2-101"].pk).label == "2-101"


def test_ended_binding_loses_access(funded, units, owner):
    owner.house_bindings.update(status="ended")
    with pytest.raises(NotFound):
        selectors.unit_overview(actor=owner, unit_id=units["1-101"].pk)
    with pytest.raises(NotFound):
        selectors.project_overview(actor=owner, project=funded)


def test_owner_reads_their_project_not_others(funded, city, owner):
    overview = selectors.project_overview(actor=owner, project=funded)
    assert (overview.unit_count, overview.building_count, overview.total_area) == (5, 2, D("433.85"))
    assert overview.figures.balance == D("21536.31")
    with pytest.raises(NotFound):
        selectors.project_overview(actor=owner, project=city.projects["jinghua"])


def test_staff_scope(funded, city, units, staff):
    assert selectors.unit_overview(actor=staff["futian"], unit_id=units["1-101"].pk).label == "1-101"
    assert selectors.project_overview(actor=staff["company"], project=funded).unit_count == 5
    with pytest.raises(NotFound):
        selectors.unit_overview(actor=staff["yuehai"], unit_id=units["1-101"].pk)
    with pytest.raises(NotFound):
        selectors.project_overview(actor=staff["yuehai"], project=funded)
    anonymous_like = factories.account("nobody")
    with pytest.raises(NotFound):
        selectors.project_overview(actor=anonymous_like, project=funded)


def test_sub_ledger_shows_every_entry_with_running_balance(
    funded, units, clerk, owner, django_assert_max_num_queries
):
    repair = services.create_repair(
        actor=clerk,
        project=funded,
        title="1栋电梯",
        amount="1000.00",
        scope_kind="buildings",
        building_ids=[units["1-101"].building_id],
        decision_ref="JC-1",
    )
    services.charge_repair(actor=clerk, repair_id=repair.pk, occurred_on=dt.date(2026, 2, 1))
    services.receive_interest(actor=clerk, project=funded, amount="100.00")
    services.allocate_interest(actor=clerk, project=funded, period_end=dt.date(2026, 3, 31))
    with django_assert_max_num_queries(6):
        lines = selectors.unit_ledger(actor=owner, unit_id=units["1-101"].pk)
        summary = [(line.entry.get_kind_display(), line.entry.amount, line.balance_after) for line in lines]
        repair_titles = [line.entry.repair.title for line in lines if line.entry.repair_id]
    assert summary[0] == ("首期", D("4467.60"), D("4467.60"))
    assert summary[1] == ("维修支出", D("-301.26"), D("4166.34"))
    assert summary[2][0] == "利息收益"
    assert summary[2][2] == D("4166.34") + summary[2][1]
    assert repair_titles == ["1栋电梯"]


def test_building_overview_and_unit_list(funded, units, owner, django_assert_max_num_queries):
    building = units["1-101"].building
    overview = selectors.building_overview(actor=owner, building_id=building.pk)
    assert (overview.unit_count, overview.figures.balance) == (3, D("14829.95"))
    with django_assert_max_num_queries(4):
        rows = selectors.building_unit_list(actor=owner, building=building)
    assert [(r.label, r.figures.balance, r.below_line) for r in rows] == [
        ("1-101", D("4467.60"), False),
        ("1-102", D("4393.14"), False),
        ("1-201", D("5969.21"), False),
    ]
    with django_assert_max_num_queries(4):
        buildings = selectors.project_building_list(actor=owner, project=funded)
        assert [(b.building.number, b.unit_count, b.figures.balance) for b in buildings] == [
            ("1", 3, D("14829.95")),
            ("2", 2, D("6706.36")),
        ]


def test_my_fund_units(funded, units, owner):
    rows = selectors.my_fund_units(actor=owner)
    assert [(r.label, r.figures.balance) for r in rows] == [("1-101", D("4467.60"))]
    assert list(selectors.my_fund_projects(actor=owner)) == [funded]


def test_project_entries_filters_monthly(funded, clerk, owner, settings):
    services.post_monthly_contributions(actor=clerk, project=funded, period="2026-02")
    monthly = selectors.project_entries(actor=owner, project=funded, kinds=["monthly"])
    assert monthly.count() == 5
    assert selectors.project_entries(actor=owner, project=funded).count() == 10


# --- city-wide open data and follows ----------------------------------------------------------------------------


def test_city_overview(funded, city, units, clerk, django_assert_max_num_queries):
    services.post_first_deposits(actor=clerk, project=city.projects["haian"])
    spend(clerk, units["2-102"], "2500.00")
    with django_assert_max_num_queries(8):
        overview = selectors.city_overview()
    assert overview.city.deposited == D("43072.62")
    assert overview.city.used == D("0.00")
    assert overview.city.balance == D("43072.62") - D("2500.00")
    assert overview.city.flagged_count == 1
    assert overview.city.project_count == 4
    by_name = {d.name: d for d in overview.districts}
    assert (
        by_name["福田区"].deposited,
        by_name["福田区"].flagged_count,
        by_name["福田区"].project_count,
    ) == (D("21536.31"), 1, 3)
    assert (by_name["南山区"].balance, by_name["南山区"].flagged_count) == (D("21536.31"), 0)


def test_public_project_figures_and_list(funded, city, django_assert_max_num_queries):
    figures = selectors.public_project_figures(project=funded)
    assert (figures.figures.balance, figures.unit_count, figures.flagged_count) == (D("21536.31"), 5, 0)
    listed = list(selectors.public_project_list(query="莲花"))
    assert listed == [funded]
    with django_assert_max_num_queries(5):
        page = selectors.public_figures_for(selectors.public_project_list())
    assert [(f.project.code, f.figures.balance, f.unit_count, f.flagged_count) for f in page] == [
        ("440304001", D("21536.31"), 5, 0),
        ("440304002", D("0.00"), 5, 0),
        ("440304101", D("0.00"), 5, 0),
        ("440305001", D("0.00"), 5, 0),
    ]


def test_follow_and_unfollow(funded, city, owner):
    services.follow_project(actor=owner, project=funded)
    services.follow_project(actor=owner, project=city.projects["haian"])
    with pytest.raises(ValidationFailed):
        services.follow_project(actor=owner, project=funded)
    followed = selectors.followed_projects(actor=owner)
    assert {(f.project.code, f.figures.balance) for f in followed} == {
        ("440304001", D("21536.31")),
        ("440305001", D("0.00")),
    }
    assert selectors.is_following(actor=owner, project=funded)
    services.unfollow_project(actor=owner, project=funded)
    assert not selectors.is_following(actor=owner, project=funded)
    with pytest.raises(NotFound):
        services.unfollow_project(actor=owner, project=funded)
    assert ProjectFollow.objects.count() == 1


def test_follow_needs_login(funded):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.follow_project(actor=AnonymousUser(), project=funded)
    assert ProjectFollow.objects.count() == 0
