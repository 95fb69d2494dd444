"""Rebuilding the tallies from the evaluations gives the rows the incremental updates kept; the demo seeds every page."""

from __future__ import annotations

import pytest

from pmip.evaluation import services
from pmip.evaluation.choices import Target
from pmip.evaluation.models import Evaluation, EvaluationItem, ItemTally, PeriodTotal, Tally
from pmip.registry.models import Committee

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(
            Tally.objects.values_list("period", "kind", "subject_id", "code", "count", "total", "s1", "s5")
        ),
        sorted(ItemTally.objects.values_list("period", "kind", "subject_id", "item_id", "count", "total")),
        sorted(PeriodTotal.objects.values_list("period", "kind", "count", "total")),
    )


def test_rebuild_equals_incremental(city, owners):
    project = city.projects["lianhua"]
    for owner, stars in zip(owners, [5, 2, 4, 3], strict=True):
        for s in (stars, 6 - stars):  # replaced once
            services.submit_evaluation(
                actor=owner,
                project_id=project.pk,
                target=Target.OFFICE,
                stars=s,
                item_stars={i.pk: s for i in EvaluationItem.objects.filter(target=Target.OFFICE)},
            )
    incremental = snapshot()
    services.rebuild_tallies()
    assert snapshot() == incremental


def test_demo_seeds_evaluations_replies_and_credit(city):
    import datetime as dt

    from pmip.core import clock
    from pmip.credit.demo import seed_demo_transparency
    from pmip.credit.models import CreditDispute, CreditSubject

    Committee.objects.create(
        project=city.projects["lianhua"],
        term_start=clock.today() - dt.timedelta(days=10),
        term_end=clock.today() + dt.timedelta(days=1000),
    )
    counts = seed_demo_transparency(project_ids=[p.pk for p in city.projects.values()], seed=1)
    assert counts["业主评价"] == Evaluation.objects.count() > 0
    assert Evaluation.objects.filter(target=Target.COMMITTEE).exists()
    assert CreditSubject.objects.filter(kind="company").count() == 2
    assert CreditDispute.objects.filter(state="pending").count() <= 1
    before = snapshot()
    services.rebuild_tallies()
    assert snapshot() == before
    # same seed, nothing more on a second call
    assert seed_demo_transparency(project_ids=[p.pk for p in city.projects.values()], seed=1) == {}
