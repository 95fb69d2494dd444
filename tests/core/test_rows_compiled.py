"""Statements compiled once per process (pmip.core.rows.compiled_values): the same rows as the ORM, every value."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext

from pmip.core import rows
from pmip.decisions.selectors import owner_project_ids
from pmip.decisions.selectors.meetings import _owner_project_ids_query
from pmip.identity.models import BindingStatus, HouseBinding
from pmip.registry.models import Project, Unit
from tests.decisions import factories as df

pytestmark = pytest.mark.django_db


def _codes(account_id: int) -> list[tuple]:
    return rows.compiled_values(
        "test.codes",
        Project,
        lambda pk: Project.objects.filter(pk__gte=pk).order_by("code").values_list("code"),
        account_id,
    )


def test_the_rows_are_the_orms_for_every_value(city):
    ids = sorted(Project.objects.values_list("pk", flat=True))
    for pk in [*ids, 0, 10**6]:
        expected = list(Project.objects.filter(pk__gte=pk).order_by("code").values_list("code"))
        assert _codes(pk) == expected


def test_compiled_once_then_only_executed(city):
    _codes(1)
    with CaptureQueriesContext(connection) as queries:
        _codes(2)
    assert len(queries.captured_queries) == 1


def test_a_value_inside_the_sql_text_is_refused(city):
    with pytest.raises(ValueError):
        rows.compiled_values(
            "test.literal",
            Project,
            lambda pk: Project.objects.annotate(x=RawSQL(str(pk), ())).values_list("pk"),
            1,
        )


def test_owner_project_ids_equals_the_orm_union(city):
    """Bound owners, a delegate (of a bound owner, and of one whose binding ended), someone with nothing."""
    units = list(Unit.objects.select_related("project").order_by("project__code", "pk"))
    first = next(u for u in units if u.project.code == "440304001")
    other = next(u for u in units if u.project.code == "440305001")
    a, b, c, d = (df.person(name) for name in ("甲一", "乙二", "丙三", "丁四"))
    df.own(first, a)
    df.own(other, b)
    df.delegate(a, first.project, c)
    df.delegate(b, other.project, c)
    HouseBinding.objects.filter(account=b.account).update(status=BindingStatus.ENDED)
    expected = [(a, {first.project_id}), (b, set()), (c, {first.project_id}), (d, set())]
    for who, ids in expected:
        assert owner_project_ids(actor=who.account) == ids
        assert set(_owner_project_ids_query(who.account.pk)) == ids
