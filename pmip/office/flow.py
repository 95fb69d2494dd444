"""The one form flow of the back office: show a form, and on a valid POST call one service, then say what happened.

Every back-office page that changes something — a confirmation (`ConfirmForm`: tick, then act) or a data form —
follows the same steps, so they live here once:

    form = ConfirmForm(posted(request))
    done = act_on_form(
        request, form,
        lambda data: services.publish_disclosure(actor=request.user, disclosure_id=disclosure.pk),
        done=lambda _: succeeded(request, "已公示。", "office_funds:disclosure", code=code, disclosure_id=pk),
    )
    if done:
        return done
    return render(request, "…", {"form": form, …})  # GET, an invalid form, or a refusal shown on the form

The service decides and checks everything (permission, state, amounts); the view only parses, calls and renders.
A refusal (`ValidationFailed` by default) becomes the form's error, on the field the service named when the form
has it (`field_map` renames service fields to form fields), else on the whole form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from pmip.core.errors import DomainError, ValidationFailed


def posted(request: HttpRequest):
    """The POST data of a POST (even an empty one, so an unticked confirmation box is an error), else None."""
    return request.POST if request.method == "POST" else None


def form_error(form, exc: DomainError, field_map: Mapping[str, str] | None = None) -> None:
    """Show a service's refusal on the form: on its field when the form has that field, else on the whole form."""
    field = (field_map or {}).get(exc.field or "", exc.field)
    form.add_error(field if field and field in form.fields else None, exc.message)


def act_on_form(
    request: HttpRequest,
    form,
    act: Callable[[dict[str, Any]], Any],
    *,
    done: Callable[[Any], HttpResponse],
    field_map: Mapping[str, str] | None = None,
    refusals: tuple[type[DomainError], ...] = (ValidationFailed,),
    on_refusal: Callable[[DomainError], None] | None = None,
) -> HttpResponse | None:
    """On a POST with a valid `form`: `act(form.cleaned_data)`, then `done(result)` (the response). Returns None
    when the page is to be shown again: a GET, an invalid form, or a refusal (put on the form; `on_refusal` runs
    after, e.g. to reload the object whose state changed)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = act(form.cleaned_data)
    except refusals as exc:
        form_error(form, exc, field_map)
        if on_refusal is not None:
            on_refusal(exc)
        return None
    return done(result)


def succeeded(request: HttpRequest, message: str, to: str, *args: Any, **kwargs: Any) -> HttpResponse:
    """The success message (shown on the next page) and the redirect to `to` (a URL name or a URL)."""
    messages.success(request, message)
    return redirect(to, *args, **kwargs)
