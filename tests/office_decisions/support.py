"""Owners and units of the test project, and small helpers for the page tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pmip.core import clock
from pmip.decisions.models import MatterCount
from pmip.registry.models import Unit
from tests.decisions import factories as f

LATE = f.T0 + dt.timedelta(days=2)  # too late to notice a vote starting at T_START with 15 days' notice


@dataclass
class Owners:
    """张三 owns 1-101 (90.00) and 2-101 (50.00); 李四 owns 1-102 (80.00); 王五 owns 2-102 (60.00) but is not on
    the platform (paper only); 2-201 (70.00) is held by the developer (paper only).
    Totals: 350.00 m², 4 owners."""

    zhang: f.Person
    li: f.Person
    wang: f.Person
    units: dict[str, Unit]


def owners(project) -> Owners:
    zhang, li, wang = f.person("张三"), f.person("李四"), f.person("王五")
    units = {
        "1-101": f.unit(project, "1-101", "90.00"),
        "1-102": f.unit(project, "1-102", "80.00"),
        "2-101": f.unit(project, "2-101", "50.00"),
        "2-102": f.unit(project, "2-102", "60.00"),
        "2-201": f.unit(project, "2-201", "70.00", developer_held=True),
    }
    f.own(units["1-101"], zhang)
    f.own(units["2-101"], zhang)
    f.own(units["1-102"], li)
    f.own(units["2-102"], wang, bound=False)
    return Owners(zhang, li, wang, units)


def counts(matter, candidate=None) -> tuple:
    row = MatterCount.objects.get(matter=matter, candidate=candidate)
    return (row.yes_owners, row.yes_area, row.no_owners, row.no_area, row.abstain_owners, row.abstain_area)


def at(when):
    return clock.frozen(when)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []
