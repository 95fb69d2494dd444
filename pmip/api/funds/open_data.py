"""Open data (public, no log-in): city and district totals and public project figures, as JSON or CSV."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from ninja import Query

from pmip.api.funds.common import CSV_CHUNK, _paged, router
from pmip.api.funds.schemas import (
    AreaTotalsOut,
    CityOverviewOut,
    FormatIn,
    ProjectsOpenIn,
    PublicProjectOut,
    PublicProjectPageOut,
    _public,
)
from pmip.api.pagination import page_of
from pmip.api.schemas import Problem
from pmip.core import exports
from pmip.core.errors import NotFound
from pmip.funds import selectors
from pmip.funds.presenters import money
from pmip.registry.selectors import list_districts, search_projects

# --- open data (public) -----------------------------------------------------------------------------------------

AREA_FIELDS = list(AreaTotalsOut.model_fields)
PROJECT_FIELDS = list(PublicProjectOut.model_fields)


def _area(a) -> AreaTotalsOut:
    return AreaTotalsOut(
        code=a.code,
        name=a.name,
        project_count=a.project_count,
        deposited=money(a.deposited),
        used=money(a.used),
        interest=money(a.interest),
        balance=money(a.balance),
        flagged_units=a.flagged_count,
    )


def csv_response(fields: list[str], rows, filename: str) -> HttpResponse:
    """CSV for Excel and scripts: UTF-8 with a BOM, a header row, CRLF line ends, plain decimals; names are
    neutralised text (pmip.core.exports), never formulas."""
    body = exports.csv_bytes(fields, ([row[f] for f in fields] for row in rows))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get(
    "/open-data/overview",
    auth=None,
    response={200: CityOverviewOut, 422: Problem},
    summary="维修金概览（公开）：全市和各区合计",
    description="全市和各区的维修资金累计缴存、累计使用、利息收益、余额和需续筹房屋数。"
    "`format=csv` 返回 CSV（UTF-8 带 BOM，首行为字段名，首个数据行为全市，其后为各区）。",
)
def open_overview(request, filters: Query[FormatIn]):
    city = selectors.city_overview()
    body = CityOverviewOut(city=_area(city.city), districts=[_area(d) for d in city.districts])
    if filters.format == "csv":
        rows = [{"level": "city", **body.city.model_dump()}] + [
            {"level": "district", **d.model_dump()} for d in body.districts
        ]
        return csv_response(["level", *AREA_FIELDS], rows, "fund-overview.csv")
    return body


@router.get(
    "/open-data/projects",
    auth=None,
    response={200: PublicProjectPageOut, 404: Problem, 422: Problem},
    summary="维修金概览（公开）：各小区维修资金",
    description="按物业项目编号排序，可按名称/编号/拼音首字母和行政区筛选。JSON 分页；"
    "`format=csv` 返回全部符合条件的小区（不分页）。",
)
def open_projects(request, filters: Query[ProjectsOpenIn]):
    district_id = None
    if filters.district:
        district = next((d for d in list_districts() if d.code == filters.district), None)
        if district is None:
            raise NotFound("未找到该行政区。")
        district_id = district.pk
    qs = search_projects(query=filters.q, district_id=district_id).select_related("fund_balance")
    if filters.format == "csv":
        rows = []
        paginator = Paginator(qs, CSV_CHUNK)
        for number in paginator.page_range:
            rows += [
                _public(item).model_dump() for item in selectors.public_figures_for(paginator.page(number))
            ]
        return csv_response(PROJECT_FIELDS, rows, "fund-projects.csv")
    result = page_of(qs, filters.page)
    items = [_public(item) for item in selectors.public_figures_for(result[3])]
    return _paged(PublicProjectPageOut, filters.page, result, items)
