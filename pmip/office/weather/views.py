"""Back office: 预警防御检查 — for each orange or red warning signal, one checklist entry per project of the district
for its property company (and the housing offices in scope to follow up)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pmip.core.errors import DomainError, NotFound
from pmip.office.views import office_required
from pmip.weather import guidance, selectors, services


@office_required
def task_list(request):
    open_only = request.GET.get("open") == "1"
    qs = selectors.tasks_for_staff(actor=request.user, open_only=open_only)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "office/weather/list.html",
        {
            "page": page,
            "open_only": open_only,
            "open_count": selectors.tasks_for_staff(actor=request.user, open_only=True).count(),
            "checklist": guidance.COMPANY_CHECKLIST,
        },
    )


@require_POST
@office_required
def task_done(request, pk: int):
    try:
        services.complete_task(actor=request.user, task_id=pk, note=request.POST.get("note", "")[:1000])
    except NotFound:
        raise  # an entry outside the user's scope: the 404 page, as for every other object of the office
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已记录防御措施落实情况。")
    return redirect("office_weather:list")
