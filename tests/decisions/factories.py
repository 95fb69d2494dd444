"""Small factories for the decisions tests: a project with known areas, bound and verified owners, co-owned and
developer units, delegations, and meetings walked to the open state at fixed times."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from pmip.core import clock
from pmip.decisions import services
from pmip.decisions.models import Meeting
from pmip.delegation.models import Delegation, DelegationStatus
from pmip.identity.models import (
    Account,
    AccountKind,
    BindingStatus,
    HouseBinding,
    OwnerIdentity,
    ScopeLevel,
    StaffRole,
    VerificationMethod,
)
from pmip.registry.choices import UnitUse
from pmip.registry.models import Building, District, Project, Subdistrict, TitleRecord, Unit
from tests import factories as base

# Fixed times (UTC). The notice goes out at T0, voting runs T_START..T_END; T_VOTE is inside the period.
T0 = dt.datetime(2026, 5, 1, 2, 0, tzinfo=dt.UTC)
T_START = T0 + dt.timedelta(days=16)
T_VOTE = T_START + dt.timedelta(days=1)
T_END = T_START + dt.timedelta(days=7)

_ids = itertools.count(700)
_accounts = itertools.count(1)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def notice_file(name: str = "会议通知.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@dataclass
class Place:
    district: District
    subdistrict: Subdistrict
    other_subdistrict: Subdistrict
    project: Project
    other_project: Project  # same subdistrict, another committee
    far_project: Project  # another subdistrict


def place() -> Place:
    district = District.objects.create(code="440303", name="罗湖区")
    sub = Subdistrict.objects.create(district=district, name="东门街道")
    other_sub = Subdistrict.objects.create(district=district, name="桂园街道")
    return Place(
        district=district,
        subdistrict=sub,
        other_subdistrict=other_sub,
        project=base.project(code="440303001", name="东门花园", subdistrict=sub),
        other_project=base.project(code="440303002", name="东门雅苑", subdistrict=sub),
        far_project=base.project(code="440303101", name="桂园小区", subdistrict=other_sub),
    )


def staff(username: str, **role) -> Account:
    user = base.account(
        username, kind=AccountKind.STAFF, mobile=f"+86139{next(_accounts):08d}", name=f"工作人员{username}"
    )
    StaffRole.objects.create(account=user, **role)
    return user


def committee_staff(project: Project, username: str) -> Account:
    return staff(username, level=ScopeLevel.COMMITTEE, project=project, can_edit=True)


def building(project: Project, number: str) -> Building:
    return Building.objects.get_or_create(project=project, number=number)[0]


def unit(
    project: Project,
    label: str,
    area: str,
    *,
    use: str = UnitUse.RESIDENTIAL,
    developer_held: bool = False,
    delivered: bool = True,
    area_source: str = "registered",
) -> Unit:
    """label '1-101' → building 1, room 101."""
    number, room = label.split("-")
    return Unit.objects.create(
        project=project,
        building=building(project, number),
        number=room,
        area=Decimal(area),
        use=use,
        developer_held=developer_held,
        delivered=delivered,
        area_source=area_source,
    )


@dataclass
class Person:
    account: Account
    name: str
    id_number: str


def person(name: str, *, verified: bool = True) -> Person:
    n = next(_ids)
    number = base.mainland_id(n)
    account = base.account(f"owner{n}", mobile=f"+86137{n:08d}", name=name)
    now = clock.now()
    identity = OwnerIdentity(
        account=account,
        holder_name=name,
        mobile=account.mobile,
        agreement_accepted_at=now,
        verification=VerificationMethod.FACE if verified else VerificationMethod.NONE,
        verified_at=now if verified else None,
        created_at=now,
        updated_at=now,
    )
    identity.set_id_number("mainland", number)
    identity.save()
    return Person(account=account, name=name, id_number=number)


def title(u: Unit, who: Person, share: str = "1") -> TitleRecord:
    return base.title(u, who.name, who.id_number, share=share)


def bind(who: Person, u: Unit, record: TitleRecord) -> HouseBinding:
    return HouseBinding.objects.create(
        account=who.account,
        unit=u,
        project=u.project,
        title_record=record,
        status=BindingStatus.ACTIVE,
        bound_at=clock.now(),
    )


def own(u: Unit, who: Person, *, bound: bool = True) -> TitleRecord:
    """`who` is the sole registered holder of `u` (and bound to it unless bound=False)."""
    record = title(u, who)
    if bound:
        bind(who, u, record)
    return record


def co_own(u: Unit, people: list[Person], *, bound: list[Person] | None = None) -> list[TitleRecord]:
    """Several holders of one unit; `bound` (default all) have active bindings."""
    share = str((Decimal(1) / len(people)).quantize(Decimal("0.0001")))
    records = [title(u, p, share=share) for p in people]
    for p, r in zip(people, records, strict=True):
        if bound is None or p in bound:
            bind(p, u, r)
    return records


def delegate(owner: Person, project: Project, to: Person, *, at: dt.datetime | None = None) -> Delegation:
    """A delegation in force, with the delegate already verified (被委托人认证 done), granted `at` (default T0,
    before the meetings' voting periods)."""
    return Delegation.objects.create(
        owner=owner.account,
        project=project,
        delegate_name=to.name,
        delegate_mobile=to.account.mobile,
        delegate_account=to.account,
        status=DelegationStatus.ACTIVE,
        granted_at=at or T0,
    )


def question(title: str = "续聘物业服务企业", item: int = 4, **kw) -> dict:
    return {"title": title, "item": item, **kw}


def election(title: str, seats: int, candidates: list[str]) -> dict:
    return {"title": title, "item": 3, "kind": "election", "seats": seats, "candidates": candidates}


def draft_meeting(convener: Account, project: Project, matters: list[dict], **settings) -> Meeting:
    with clock.frozen(T0 - dt.timedelta(hours=1)):
        meeting = services.create_meeting(
            actor=convener,
            project_id=project.pk,
            convener_kind="committee",
            title="2026年第一次临时业主大会",
            voting_starts_at=T_START,
            voting_ends_at=T_END,
            **settings,
        )
        for m in matters:
            services.add_matter(actor=convener, meeting_id=meeting.pk, **m)
        services.upload_publicity_file(
            actor=convener,
            meeting_id=meeting.pk,
            kind="meeting_notice",
            title="会议通知",
            upload=notice_file(),
        )
    return meeting


def noticed_meeting(convener: Account, project: Project, matters: list[dict], **settings) -> Meeting:
    meeting = draft_meeting(convener, project, matters, **settings)
    with clock.frozen(T0):
        services.publish_notice(actor=convener, meeting_id=meeting.pk)
    return meeting


def open_meeting(convener: Account, project: Project, matters: list[dict], **settings) -> Meeting:
    """A meeting walked to `open` at T_START (roll frozen then)."""
    meeting = noticed_meeting(convener, project, matters, **settings)
    with clock.frozen(T_START):
        services.open_voting(actor=convener, meeting_id=meeting.pk)
    meeting.refresh_from_db()
    return meeting


def close(convener: Account | None, meeting: Meeting) -> Meeting:
    with clock.frozen(T_END):
        services.close_voting(actor=convener, meeting_id=meeting.pk)
    meeting.refresh_from_db()
    return meeting


def vote(who: Person | Account, matter, u: Unit, choice):
    account = who.account if isinstance(who, Person) else who
    with clock.frozen(T_VOTE):
        return services.cast_ballot(actor=account, matter_id=matter.pk, unit_id=u.pk, choice=choice)
