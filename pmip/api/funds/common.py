"""The funds API router (owner session auth, errors) and its paging helpers."""

from __future__ import annotations

from ninja import Router

from pmip.api.funds.schemas import EntryGroupOut, EntryGroupPageOut
from pmip.api.owner import OwnerSessionAuth
from pmip.api.pagination import page_of
from pmip.api.schemas import Problem
from pmip.funds import presenters as data
from pmip.funds import selectors
from pmip.funds.presenters import money
from pmip.registry.models import Project

router = Router(tags=["维修资金"])
owner_auth = OwnerSessionAuth()
_ERRORS = {401: Problem, 404: Problem, 422: Problem}
PAGE_SIZE = 20
CSV_CHUNK = 500


# --- helpers ----------------------------------------------------------------------------------------------------


def _owner_project(actor, project_id: int) -> Project:
    """A project the caller is bound in or reads as a delegate, else NotFound."""
    return selectors.owner_fund_project(actor=actor, project_id=project_id)


def _page_list(items: list, page: int, size: int = PAGE_SIZE) -> tuple[int, int, int, list]:
    count = len(items)
    num_pages = max(1, -(-count // size))
    start = (page - 1) * size
    return count, size, num_pages, items[start : start + size]


def _paged(out, page: int, result: tuple[int, int, int, list], items: list):
    count, size, num_pages, _ = result
    return out(count=count, page=page, page_size=size, num_pages=num_pages, items=items)


def _groups(qs, page: int) -> EntryGroupPageOut:
    result = page_of(data.entry_groups(qs), page)
    items = [
        EntryGroupOut(
            occurred_on=g.occurred_on,
            kind=g.kind,
            category=g.category,
            label=g.label,
            units=g.units,
            total=money(g.total),
            project_level=g.project_level,
        )
        for g in data.as_groups(result[3])
    ]
    return _paged(EntryGroupPageOut, page, result, items)
