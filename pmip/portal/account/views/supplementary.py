"""After binding: +身份认证 (supplementary face verification) and 提交房屋信息 for a house missing from the registry."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from pmip.core.errors import DomainError
from pmip.identity import binding as binding_services
from pmip.identity import selectors
from pmip.integrations.faceid import FaceSessionExpired
from pmip.portal.account.decorators import owner_login_required
from pmip.portal.account.forms import (
    FaceConsentForm,
    HouseInfoForm,
)
from pmip.portal.account.views.common import (
    SESSION_SUPPLEMENTARY,
    apply_error,
    face_failure,
    face_return_url,
    pending_token,
    render_page,
)


@require_http_methods(["GET", "POST"])
@owner_login_required
def binding_verify(request: HttpRequest) -> HttpResponse:
    """+身份认证 (补充认证): consent, then face verification for an owner bound without one."""
    profile = selectors.owner_profile(actor=request.user)
    if profile is None:
        return redirect("portal_account:binding")
    form = FaceConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            token, session = binding_services.start_supplementary_face(
                actor=request.user,
                face_consent=form.cleaned_data["consent"],
                redirect_url=face_return_url(request, "portal_account:binding_verify_return"),
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            request.session[SESSION_SUPPLEMENTARY] = token
            return HttpResponseRedirect(session.url)
    return render_page(
        request,
        "portal/account/binding_face.html",
        {
            "page_title": "身份认证",
            "back_url": reverse("portal_account:binding"),
            "form": form,
            "holder_masked": profile.holder_masked,
            "id_masked": profile.id_masked,
            "supplementary": True,
            "action_url": reverse("portal_account:binding_verify"),
        },
    )


@owner_login_required
def binding_verify_return(request: HttpRequest) -> HttpResponse:
    try:
        binding_services.supplementary_face(
            actor=request.user,
            state=request.session.get(SESSION_SUPPLEMENTARY, ""),
            callback_code=request.GET.get("code", ""),
        )
    except binding_services.BindingExpired as exc:
        messages.error(request, exc.message)
        return redirect("portal_account:binding")
    except (FaceSessionExpired, DomainError) as exc:
        return face_failure(
            request,
            exc,
            retry_url=reverse("portal_account:binding_verify"),
            back_url=reverse("portal_account:binding"),
        )
    request.session.pop(SESSION_SUPPLEMENTARY, None)
    messages.success(request, "身份认证成功：已人脸认证。")
    return redirect("portal_account:binding")


@require_http_methods(["GET", "POST"])
@owner_login_required
def house_info(request: HttpRequest) -> HttpResponse:
    """提交房屋信息 for a house missing from the registry; goes to the chosen subdistrict office."""
    choices = selectors.subdistrict_choices()
    missing: list[dict] = []
    try:
        missing = binding_services.open_pending(actor=request.user, token=pending_token(request)).missing
    except DomainError:
        missing = []
    first = missing[0] if missing else {}
    form = HouseInfoForm(
        request.POST if request.method == "POST" else None,
        subdistricts=choices,
        initial={
            "building_number": first.get("building_number", ""),
            "unit_number": first.get("unit_number", ""),
            "certificate_no": first.get("certificate_no", ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            submission = binding_services.submit_house_info(
                actor=request.user,
                subdistrict_id=data["subdistrict"],
                project_name=data["project_name"],
                address=data["address"],
                building_number=data["building_number"],
                unit_number=data["unit_number"],
                certificate_no=data["certificate_no"],
                note=data["note"],
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            return render_page(
                request,
                "portal/account/message.html",
                {
                    "page_title": "提交房屋信息",
                    "icon": "success",
                    "title": "房屋信息已提交",
                    "message": f"您的房屋信息已提交至{submission.subdistrict.name}，街道办核实并补录后，"
                    "您可以重新进行业主身份绑定。",
                    "actions": [(reverse("portal:mine"), "返回我的小区", "primary")],
                },
            )
    return render_page(
        request,
        "portal/account/house_info.html",
        {
            "page_title": "提交房屋信息",
            "back_url": reverse("portal_account:binding_units"),
            "form": form,
            "missing": missing,
            "submissions": list(selectors.house_submissions_of(actor=request.user)[:5]),
        },
    )
