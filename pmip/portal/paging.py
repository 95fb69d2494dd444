"""THE paginator of the owner pages: every owner list goes through `owner_page`.

长辈模式 (issue 12) shows fewer items per screen: when the signed-in account has elder mode on, every list's page
size is halved here, and nowhere else (never below `ELDER_MIN_PAGE_SIZE`).
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

ELDER_MIN_PAGE_SIZE = 5


def elder_mode(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and getattr(user, "elder_mode", False))


def page_size(request: HttpRequest, per_page: int) -> int:
    """`per_page` for this reader: halved in 长辈模式."""
    if elder_mode(request):
        return max(ELDER_MIN_PAGE_SIZE, per_page // 2)
    return per_page


def owner_page(request: HttpRequest, object_list, per_page: int, *, param: str = "page") -> Page:
    """The page of `object_list` asked for by `?<param>=` (out-of-range numbers give the last page)."""
    return Paginator(object_list, page_size(request, per_page)).get_page(request.GET.get(param))


def owner_page_of(object_list, per_page: int, number: int) -> Page:
    """`owner_page` with the page size (`page_size`) and asked number (`asked_number`) already read from the
    request, for a page built apart from it (a cached one)."""
    return Paginator(object_list, per_page).get_page(number)


def asked_number(request: HttpRequest, *, param: str = "page") -> int:
    """The page number asked for, as `owner_page` reads it: not a number → 1; a number may still be out of range
    (then `owner_page` gives the last page)."""
    try:
        return int(request.GET.get(param))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1


def known_page(object_list, *, count: int, number: int, per_page: int) -> Page:
    """The page `number` (valid) of a list of `count` items whose `object_list` (or what stands for it) is already
    known, e.g. from a cache: nothing is counted or sliced again."""
    paginator = Paginator((), per_page)
    paginator.count = count  # the cached_property, known
    return Page(object_list, number, paginator)
