"""Owner pages of 招标投标情况 (manual ch. 13), mounted at /tendering/: the tenders of the owner's projects (bound or
delegated) and a tender's timeline of stages and publicity notices with their files and the bidders."""

from __future__ import annotations

import os

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from pmip.core.errors import NotFound
from pmip.portal.account.decorators import owner_login_required
from pmip.portal.paging import owner_page
from pmip.tendering import selectors
from pmip.tendering.services import open_document

PAGE_SIZE = 20


@require_GET
@owner_login_required
def index(request):
    projects = list(selectors.owner_projects(account=request.user))
    raw = request.GET.get("project", "")
    project_id = int(raw) if raw.isdigit() and len(raw) < 12 else None
    if project_id and project_id not in {p.pk for p in projects}:
        project_id = None
    tenders = selectors.tenders_for_owner(account=request.user, project_id=project_id)
    page = owner_page(request, tenders, PAGE_SIZE)
    rows = [{"tender": t, "stage": selectors.current_stage(t)} for t in page.object_list]
    return render(
        request,
        "portal/tendering/index.html",
        {
            "page_title": "招标投标情况",
            "back_url": reverse("portal:service"),
            "tab": "mine",
            "projects": projects,
            "project_id": project_id,
            "page": page,
            "rows": rows,
        },
    )


@require_GET
@owner_login_required
def detail(request, tender_id: int):
    try:
        tender = selectors.get_tender_for_owner(account=request.user, tender_id=tender_id)
    except NotFound as exc:
        return render(
            request,
            "portal/error.html",
            {"page_title": "招标投标情况", "message": exc.message, "status": 404, "back_url": "/tendering/"},
            status=404,
        )
    return render(
        request,
        "portal/tendering/detail.html",
        {
            "page_title": "招标投标详情",
            "back_url": "/tendering/",
            "tab": "mine",
            "tender": tender,
            "timeline": selectors.timeline(tender),
            "bidders": selectors.bidders(tender),
            "credit_available": selectors.credit_available(),
        },
    )


@require_GET
@owner_login_required
def document(request, document_id: int):
    try:
        doc = selectors.document_for_owner(account=request.user, document_id=document_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    handle = open_document(doc)
    if handle is None:
        raise Http404("文件不存在。")
    return FileResponse(handle, content_type=doc.content_type, filename=os.path.basename(doc.stored_name))
