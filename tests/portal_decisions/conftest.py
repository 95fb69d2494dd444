"""A project with known owners for the 业主决策 pages and API (meetings: see support.py).

Owners of 东门花园 (tests.decisions.factories.place):
- 张三 1-101 (90.00) and 2-101 (50.00), face verified — one owner, two units;
- 李四 1-102 (80.00), verified;
- 王五 and 赵六 co-own 2-102 (100.00), both bound and verified (nominations made per test);
- 钱七 1-201 (70.00), bound but NOT verified;
- 孙八 1-202 (60.00), verified, has delegated to 周九 (verified delegate, owns nothing here);
- 吴十 owns 3-101 (40.00) in 东门雅苑 (the other project), verified.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import override_settings

from pmip.registry.models import Project, Unit
from tests.decisions import factories as f

DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def decisions_env(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    with override_settings(TASKS=DUMMY):
        yield


@dataclass
class Scene:
    project: Project
    other_project: Project
    convener: object
    other_convener: object
    zhang: f.Person
    li: f.Person
    wang: f.Person
    zhao: f.Person
    qian: f.Person
    sun: f.Person
    zhou: f.Person
    wu: f.Person
    units: dict[str, Unit]


@pytest.fixture
def scene(db) -> Scene:
    where = f.place()
    project, other = where.project, where.other_project
    people = {n: f.person(n) for n in ("张三", "李四", "王五", "赵六", "孙八", "周九", "吴十")}
    people["钱七"] = f.person("钱七", verified=False)
    units = {
        label: f.unit(project, label, area)
        for label, area in [
            ("1-101", "90.00"),
            ("2-101", "50.00"),
            ("1-102", "80.00"),
            ("2-102", "100.00"),
            ("1-201", "70.00"),
            ("1-202", "60.00"),
        ]
    }
    units["3-101"] = f.unit(other, "3-101", "40.00")
    f.own(units["1-101"], people["张三"])
    f.own(units["2-101"], people["张三"])
    f.own(units["1-102"], people["李四"])
    f.co_own(units["2-102"], [people["王五"], people["赵六"]])
    f.own(units["1-201"], people["钱七"])
    f.own(units["1-202"], people["孙八"])
    f.own(units["3-101"], people["吴十"])
    f.delegate(people["孙八"], project, people["周九"])
    return Scene(
        project=project,
        other_project=other,
        convener=f.committee_staff(project, "committee_a"),
        other_convener=f.committee_staff(other, "committee_b"),
        zhang=people["张三"],
        li=people["李四"],
        wang=people["王五"],
        zhao=people["赵六"],
        qian=people["钱七"],
        sun=people["孙八"],
        zhou=people["周九"],
        wu=people["吴十"],
        units=units,
    )
