"""What every owner page of 业主决策 shares: the page context, the chosen project (切换小区, kept in the session),
the page for an account with no project, the owner's identity state, project links and a meeting's header."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from pmip.decisions import selectors
from pmip.decisions.choices import ConvenerKind, MeetingState
from pmip.identity import selectors as identity_selectors
from pmip.identity.selectors import verification_status_of

SESSION_PROJECT = "decisions_project"


def page_context(request: HttpRequest, title: str, back: str, **extra) -> dict:
    return {"page_title": title, "back_url": back, "tab": "mine", **extra}


def selected_project(request: HttpRequest, projects: list):
    """The project chosen with ?project=, else the one chosen before (session), else the first. Only the actor's."""
    by_id = {p.pk: p for p in projects}
    for raw in (request.GET.get("project"), request.session.get(SESSION_PROJECT)):
        try:
            pid = int(raw)
        except (TypeError, ValueError):
            continue
        if pid in by_id:
            request.session[SESSION_PROJECT] = pid
            return by_id[pid]
    return projects[0]


def no_projects(request: HttpRequest, title: str) -> HttpResponse:
    return render(
        request,
        "portal/decisions/no_projects.html",
        page_context(request, title, reverse("portal:service")),
    )


def identity_state(user) -> dict:
    identity = identity_selectors.owner_identity_of(actor=user)
    return {
        "identity": identity,
        "verified": identity is not None and identity.is_verified,
        "verification_status": verification_status_of(actor=user),
    }


def project_url(name: str, project, **params) -> str:
    return f"{reverse(name)}?{urlencode({'project': project.pk, **params})}"


def meeting_info(meeting) -> dict:
    return {
        "meeting": meeting,
        "convener": ConvenerKind(meeting.convener_kind).label,
        "closed": meeting.state in selectors.AFTER_CLOSE,
        "published": meeting.state == MeetingState.PUBLISHED,
    }
