"""审计链公布 (public): the audit log's head hash published each night, as a page and as open data (JSON)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pmip.audit.publication import published_heads
from pmip.portal.paging import owner_page

PER_PAGE = 30


@require_GET
def page(request: HttpRequest) -> HttpResponse:
    heads = owner_page(request, published_heads(), PER_PAGE)
    context = {"page_title": "审计日志公布", "page": heads, "tab": "home"}
    return render(request, "portal/audit_chain.html", context)


@require_GET
def open_data(request: HttpRequest) -> JsonResponse:
    """Every published head, newest first: {"heads": [{"day", "seq", "hash", "chain_ok"}]} (bounded to 400 days)."""
    rows = [
        {"day": p.day.isoformat(), "seq": p.seq, "hash": p.hash, "chain_ok": p.chain_ok}
        for p in published_heads()[:400]
    ]
    return JsonResponse({"algorithm": "sha256, pmip audit chain v1", "heads": rows})
