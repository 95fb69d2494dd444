"""Back office: the queue of 互动交流 / 政民互动 enquiries the office handles now (by level and target), with filters,
deadlines and counts; accept and answer; publish an answered 政民互动 enquiry anonymised (with the asker's consent)
as a 公开答复, or take it down."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pmip.core import clock
from pmip.core.errors import DomainError, NotFound
from pmip.enquiries import public, selectors, services
from pmip.enquiries.models import Category, State
from pmip.office.views import office_required


@office_required
def queue(request):
    state = request.GET.get("state", "")[:12]
    category = request.GET.get("category", "")[:12]
    overdue = request.GET.get("overdue") == "1"
    qs = selectors.queue(
        actor=request.user,
        state=state,
        overdue=overdue,
        category=category if category in Category.values else "",
    )
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "office/enquiries/queue.html",
        {
            "page": page,
            "counts": selectors.queue_counts(actor=request.user),
            "states": State.choices,
            "categories": Category.choices,
            "state": state,
            "category": category,
            "overdue": overdue,
            "today": clock.today(),
        },
    )


@office_required
def detail(request, pk: int):
    enquiry = selectors.get_for_office(actor=request.user, enquiry_id=pk)
    return render(
        request,
        "office/enquiries/detail.html",
        {
            "enquiry": enquiry,
            "office": services.office_label(enquiry),
            "conversation": list(enquiry.messages.all()),
            "images": list(enquiry.images.all()),
            "today": clock.today(),
            "publish_blocked": public.publishable(enquiry),
            "public_draft": public.draft(enquiry) if not public.publishable(enquiry) else None,
            "public_answer": public.current(enquiry),
        },
    )


@require_POST
@office_required
def act(request, pk: int, action: str):
    try:
        if action == "accept":
            services.accept(actor=request.user, enquiry_id=pk)
            messages.success(request, "已受理。")
        elif action == "answer":
            services.answer(actor=request.user, enquiry_id=pk, text=request.POST.get("text", "")[:3000])
            messages.success(request, "已答复，提问人会收到消息。")
        elif action == "publish":
            public.publish(
                actor=request.user,
                enquiry_id=pk,
                title=request.POST.get("title", "")[:200],
                question=request.POST.get("question", "")[:3000],
                answer=request.POST.get("answer", "")[:3000],
            )
            messages.success(request, "已匿名公开到“公开答复”。")
        elif action == "take_down":
            public.take_down(actor=request.user, enquiry_id=pk, reason=request.POST.get("reason", "")[:300])
            messages.success(request, "已撤下公开答复。")
        else:
            raise NotFound("未找到该操作。")
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("office_enquiries:detail", pk)


@office_required
def image(request, image_id: int):
    try:
        img = selectors.image_for(account=request.user, image_id=image_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    handle = services.open_image(img)
    if handle is None:
        raise Http404("未找到该图片。")
    return FileResponse(handle, content_type="image/jpeg")
