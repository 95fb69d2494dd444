"""Fixtures shared by the owner-page tests."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def many_projects(city):
    """25 more projects named 测试小区01..25 in 粤海街道, codes 440305101..440305125."""
    sd = city.subdistricts["yuehai"]
    return [
        factories.project(
            code=f"4403051{n:02d}", name=f"测试小区{n:02d}", subdistrict=sd, company=city.companies["anju"]
        )
        for n in range(1, 26)
    ]
