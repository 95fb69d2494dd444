from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet


def page_of(qs: QuerySet, page: int) -> tuple[int, int, int, list]:
    """(count, page_size, num_pages, items) of a 1-based page; a page past the end is empty."""
    size = int(getattr(settings, "NINJA_PAGINATION_PER_PAGE", 20))
    count = qs.count()
    num_pages = max(1, -(-count // size))
    start = (page - 1) * size
    items = list(qs[start : start + size]) if start < count else []
    return count, size, num_pages, items
