"""Meetings for staff, owners and readers; their matters, publicity files and 业主绑定情况 per building."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.files import File
from django.db.models import Count, Exists, OuterRef, QuerySet

from pmip.core import clock, rows
from pmip.core.errors import NotFound
from pmip.decisions import roll as roll_mod
from pmip.decisions import tally
from pmip.decisions.choices import ConvenerKind, MeetingState
from pmip.decisions.models import Matter, Meeting, PublicityFile
from pmip.decisions.rules import (
    convener_project_q,
    may_claim_convener_kind,
    meeting_notice_deadline,
    results_due_by,
    supervisor_project_q,
    voting_uses,
)
from pmip.decisions.selectors.common import AFTER_CLOSE, CANCELLABLE, VOTING_STARTED, _authenticated
from pmip.decisions.storage import open_stored_file
from pmip.delegation.selectors import delegated_project_ids_of
from pmip.identity.models import BindingStatus, HouseBinding, VerificationMethod
from pmip.registry.models import Building, Project, Unit


def meetings_for_staff(*, actor, state: str = "", with_matter_count: bool = False) -> QuerySet[Meeting]:
    """Meetings of the projects the actor may read in the back office (conveners and district bureaus);
    `with_matter_count` annotates each with `matter_count` (the list page)."""
    q = supervisor_project_q(actor, prefix="project__")
    if q is None:
        return Meeting.objects.none()
    qs = Meeting.objects.filter(q).select_related("project", "project__subdistrict")
    if state:
        qs = qs.filter(state=state)
    if with_matter_count:
        qs = qs.annotate(matter_count=Count("matters"))
    return qs.order_by("-voting_starts_at", "-id")


def get_meeting_for_staff(*, actor, meeting_id: int) -> Meeting:
    meeting = meetings_for_staff(actor=actor).filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("未找到该会议，或不在您的管辖范围内。")
    return meeting


def may_run_meeting(*, actor, meeting: Meeting) -> bool:
    """Whether the actor may take the convener's actions (the back office shows the buttons accordingly)."""
    q = convener_project_q(actor)
    return q is not None and Project.objects.filter(q).filter(pk=meeting.project_id).exists()


def convener_projects(*, actor) -> QuerySet[Project]:
    """The projects where the actor may convene (create) a meeting, by code; none for a reader."""
    q = convener_project_q(actor)
    if q is None:
        return Project.objects.none()
    return Project.objects.filter(q).order_by("code")


def claimable_convener_kinds(*, actor) -> list[str]:
    """The convener kinds (ConvenerKind values, in their order) the actor may convene a meeting as."""
    return [k for k in ConvenerKind.values if may_claim_convener_kind(actor, convener_kind=k)]


def project_buildings(*, meeting: Meeting) -> list[Building]:
    """The buildings of the meeting's project by number (the choices of a matter's scope)."""
    return list(Building.objects.filter(project_id=meeting.project_id).order_by("number"))


@dataclass(frozen=True)
class MeetingStage:
    """Where a meeting stands for the back office: its state, the notice deadline and the voting times reached,
    what the convener may do next (the services decide; this only says which steps to offer)."""

    now: dt.datetime
    notice_deadline: dt.datetime
    notice_in_time: bool
    start_reached: bool
    end_reached: bool
    is_draft: bool
    is_noticed: bool
    is_open: bool
    is_closed: bool
    is_published: bool
    is_cancelled: bool
    after_open: bool
    after_close: bool
    may_cancel: bool
    results_due_by: dt.datetime | None


def meeting_stage(meeting: Meeting) -> MeetingStage:
    """The meeting's stage now (clock.now())."""
    now = clock.now()
    deadline = meeting_notice_deadline(meeting)
    return MeetingStage(
        now=now,
        notice_deadline=deadline,
        notice_in_time=now <= deadline,
        start_reached=now >= meeting.voting_starts_at,
        end_reached=now >= meeting.voting_ends_at,
        is_draft=meeting.state == MeetingState.DRAFT,
        is_noticed=meeting.state == MeetingState.NOTICED,
        is_open=meeting.state == MeetingState.OPEN,
        is_closed=meeting.state == MeetingState.CLOSED,
        is_published=meeting.state == MeetingState.PUBLISHED,
        is_cancelled=meeting.state == MeetingState.CANCELLED,
        after_open=meeting.state in VOTING_STARTED,
        after_close=meeting.state in AFTER_CLOSE,
        may_cancel=meeting.state in CANCELLABLE,
        results_due_by=results_due(meeting),
    )


def matters_of(*, meeting: Meeting) -> list[Matter]:
    """The meeting's matters in order, with candidates and scope buildings."""
    return list(meeting.matters.prefetch_related("candidates", "buildings").order_by("order", "pk"))


def results_due(meeting: Meeting) -> dt.datetime | None:
    """When the results must be published at the latest (3 days after the close), or None before the close."""
    return results_due_by(meeting.closed_at) if meeting.closed_at else None


# --- owners -----------------------------------------------------------------------------------------------------


def _owner_project_ids_query(account_id: int) -> QuerySet:
    own = (
        HouseBinding.objects.filter(account_id=account_id, status=BindingStatus.ACTIVE)
        .order_by()
        .values_list("project_id", flat=True)
    )
    return own.union(delegated_project_ids_of(account_id=account_id))


def owner_project_ids(*, actor) -> set[int]:
    """Projects where the actor is a bound owner or acts as a verified delegate (one statement, from the actor's own
    bindings and delegations). Asked by every owner page: the statement is compiled once per process
    (pmip.core.rows.compiled_values), as building it costs far more than running it."""
    if not _authenticated(actor):
        return set()
    found = rows.compiled_values(
        "decisions.owner_project_ids", HouseBinding, _owner_project_ids_query, actor.pk
    )
    return {project_id for (project_id,) in found}


def meetings_for_owner(*, actor) -> QuerySet[Meeting]:
    """Meetings (from the notice on) of the projects where the actor is an owner or a delegate."""
    ids = owner_project_ids(actor=actor)
    if not ids:
        return Meeting.objects.none()
    return (
        Meeting.objects.filter(project_id__in=ids)
        .exclude(state=MeetingState.DRAFT)
        .select_related("project")
        .order_by("-voting_starts_at", "-id")
    )


def get_meeting_for_owner(*, actor, meeting_id: int) -> Meeting:
    meeting = meetings_for_owner(actor=actor).filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("未找到该会议。")
    return meeting


# --- publicity: files and binding status ------------------------------------------------------------------------


def _may_read_meeting(actor, meeting: Meeting) -> bool:
    if meeting.state != MeetingState.DRAFT and meeting.project_id in owner_project_ids(actor=actor):
        return True
    q = supervisor_project_q(actor)
    return q is not None and Project.objects.filter(q).filter(pk=meeting.project_id).exists()


def get_meeting_for_reader(*, actor, meeting_id: int) -> Meeting:
    """A meeting for an owner/delegate of its project (from the notice on) or for staff in scope."""
    meeting = Meeting.objects.select_related("project").filter(pk=meeting_id).first()
    if meeting is None or not _may_read_meeting(actor, meeting):
        raise NotFound("未找到该会议。")
    return meeting


def publicity_files(*, actor, meeting_id: int) -> list[PublicityFile]:
    meeting = get_meeting_for_reader(actor=actor, meeting_id=meeting_id)
    return list(meeting.files.order_by("kind", "uploaded_at", "pk"))


def open_publicity_file(*, actor, file_id: int) -> tuple[PublicityFile, File | None]:
    """A publicity file and its stored content opened for reading (the caller closes it; None when the stored file
    is missing), for readers of its meeting only (NotFound otherwise)."""
    f = PublicityFile.objects.select_related("meeting__project").filter(pk=file_id).first()
    if f is None or not _may_read_meeting(actor, f.meeting):
        raise NotFound("未找到该文件。")
    return f, open_stored_file(f)


@dataclass(frozen=True)
class BuildingBindingStatus:
    """业主绑定情况 of one building (no names): units and area bound on the platform, and verified."""

    building_id: int
    building: str
    units: int
    units_bound: int
    units_verified: int
    area: str
    area_bound: str
    area_verified: str


def binding_summary(*, actor, meeting_id: int) -> list[BuildingBindingStatus]:
    """Per building of the meeting's scope (units that carry voting weight): units and area bound / verified, live
    from the bindings. Building order by number."""
    meeting = get_meeting_for_reader(actor=actor, meeting_id=meeting_id)
    scope = roll_mod.meeting_building_ids(matters_of(meeting=meeting))
    units = Unit.objects.filter(
        project_id=meeting.project_id,
        use__in=voting_uses(include_parking_storage=meeting.include_parking_storage),
    )
    if scope is not None:
        units = units.filter(building_id__in=scope)
    active = HouseBinding.objects.filter(unit=OuterRef("pk"), status=BindingStatus.ACTIVE)
    verified = active.exclude(account__owner_identity__verification=VerificationMethod.NONE).filter(
        account__owner_identity__isnull=False
    )
    rows = units.annotate(bound=Exists(active), verified=Exists(verified)).values_list(
        "building_id", "building__number", "area", "bound", "verified"
    )
    acc: dict[int, list] = {}
    for building_id, number, area, bound, is_verified in rows:
        a = acc.setdefault(building_id, [number, 0, 0, 0, 0, 0, 0])
        hundredths = int(area * 100)
        a[1] += 1
        a[4] += hundredths
        if bound:
            a[2] += 1
            a[5] += hundredths
        if is_verified:
            a[3] += 1
            a[6] += hundredths
    out = [
        BuildingBindingStatus(
            building_id=bid,
            building=f"{a[0]}栋",
            units=a[1],
            units_bound=a[2],
            units_verified=a[3],
            area=tally.format_area(a[4]),
            area_bound=tally.format_area(a[5]),
            area_verified=tally.format_area(a[6]),
        )
        for bid, a in acc.items()
    ]
    return sorted(out, key=lambda r: (len(r.building), r.building))
