"""Owner pages of 互动交流 (/enquiries/community/: owners and delegates ↔ their project's offices) and 政民互动
(/enquiries/government/: any logged-in user ↔ the housing bureau): my enquiries, a new one with up to six images,
the conversation with rating, reopen-once and withdraw, consent to publication; and the public list of anonymised
answers (/enquiries/answers/, 公开答复, no log-in)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from pmip.core.errors import DomainError, NotFound
from pmip.enquiries import public, selectors, services
from pmip.enquiries.models import Category, Channel
from pmip.portal.account.decorators import owner_login_required
from pmip.portal.paging import owner_page
from pmip.registry.models import District
from pmip.tendering.selectors import owner_projects

TITLES = {Channel.COMMUNITY: "互动交流", Channel.GOVERNMENT: "政民互动"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Up to a few files in one input; the service checks count, size and content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data[:7]]
        return [data] if data else []


class EnquiryForm(forms.Form):
    category = forms.ChoiceField(label="类别", choices=Category.choices)
    project_id = forms.TypedChoiceField(label="小区", coerce=int, required=False, choices=())
    district_id = forms.TypedChoiceField(label="所在区", coerce=int, required=False, choices=())
    title = forms.CharField(label="标题", max_length=60)
    text = forms.CharField(label="内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 6}))
    images = MultipleFileField(label="图片（最多6张）", required=False)
    public_consent = forms.BooleanField(label="答复后同意匿名公开本问答", required=False)


def _channel(slug: str) -> str:
    if slug not in Channel.values:
        raise Http404("页面不存在")
    return slug


def _ctx(channel: str, **extra) -> dict:
    back = reverse("portal:property") if channel == Channel.COMMUNITY else reverse("portal:home")
    return {"page_title": TITLES[channel], "back_url": back, "tab": "mine", "channel": channel, **extra}


@require_http_methods(["GET"])
@owner_login_required
def index(request, channel: str):
    channel = _channel(channel)
    page = owner_page(request, selectors.mine(account=request.user, channel=channel), 20)
    return render(request, "portal/enquiries/index.html", _ctx(channel, page=page))


@require_http_methods(["GET", "POST"])
@owner_login_required
def new(request, channel: str):
    channel = _channel(channel)
    projects = list(owner_projects(account=request.user))
    form = EnquiryForm(request.POST or None, request.FILES or None)
    form.fields["project_id"].choices = [(p.pk, p.name) for p in projects]
    form.fields["district_id"].choices = [("", "全市")] + [
        (d.pk, d.name) for d in District.objects.order_by("code")
    ]
    if channel == Channel.COMMUNITY and not projects:
        return render(request, "portal/enquiries/no_projects.html", _ctx(channel))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enquiry = services.open_enquiry(
                actor=request.user,
                channel=channel,
                category=data["category"],
                title=data["title"],
                text=data["text"],
                project_id=data.get("project_id") or None,
                district_id=data.get("district_id") or None,
                images=data["images"],
                public_consent=data["public_consent"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已提交，答复期限为{enquiry.due_date:%Y年%m月%d日}。")
            return redirect("portal_enquiries:detail", enquiry.pk)
    return render(request, "portal/enquiries/new.html", _ctx(channel, form=form))


@require_http_methods(["GET"])
@owner_login_required
def detail(request, enquiry_id: int):
    try:
        enquiry = selectors.get_mine(account=request.user, enquiry_id=enquiry_id)
    except NotFound as exc:
        return render(request, "portal/error.html", {"message": exc.message, "status": 404}, status=404)
    return render(
        request,
        "portal/enquiries/detail.html",
        _ctx(
            enquiry.channel,
            enquiry=enquiry,
            office=services.office_label(enquiry),
            conversation=list(enquiry.messages.all()),
            images=list(enquiry.images.all()),
            public_answer=public.current(enquiry),
        ),
    )


@require_POST
@owner_login_required
def act(request, enquiry_id: int, action: str):
    try:
        if action == "withdraw":
            services.withdraw(actor=request.user, enquiry_id=enquiry_id)
            messages.success(request, "已撤回。")
        elif action == "rate":
            services.rate(
                actor=request.user, enquiry_id=enquiry_id, rating=request.POST.get("rating", "")[:20]
            )
            messages.success(request, "感谢您的评价。")
        elif action == "reopen":
            services.reopen(
                actor=request.user, enquiry_id=enquiry_id, reason=request.POST.get("reason", "")[:3000]
            )
            messages.success(request, "已重新打开，等待答复。")
        elif action == "consent":
            consent = request.POST.get("consent") == "yes"
            public.set_consent(actor=request.user, enquiry_id=enquiry_id, consent=consent)
            messages.success(
                request, "已同意匿名公开。" if consent else "已撤回公开同意，公开内容（如有）已撤下。"
            )
        else:
            raise Http404("页面不存在")
    except NotFound as exc:
        return render(request, "portal/error.html", {"message": exc.message, "status": 404}, status=404)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("portal_enquiries:detail", enquiry_id)


@require_http_methods(["GET"])
def image(request, image_id: int):
    if not getattr(request.user, "is_authenticated", False):
        raise Http404("未找到该图片。")
    try:
        img = selectors.image_for(account=request.user, image_id=image_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    handle = services.open_image(img)
    if handle is None:
        raise Http404("未找到该图片。")
    return FileResponse(handle, content_type="image/jpeg")


@require_http_methods(["GET"])
def answers(request):
    """公开答复: published anonymised 政民互动 answers, newest first, searchable; open to everyone."""
    q = request.GET.get("q", "")[:50].strip()
    category = request.GET.get("category", "")[:12]
    category = category if category in Category.values else ""
    page = owner_page(request, public.published(q=q, category=category), 20)
    return render(
        request,
        "portal/enquiries/answers.html",
        {
            "page_title": "公开答复",
            "back_url": reverse("portal:home"),
            "page": page,
            "q": q,
            "category": category,
            "categories": Category.choices,
        },
    )
