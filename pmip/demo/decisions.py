"""A live demo of 业主决策: meetings in every state, relative to *now* (issue 12).

`seed_demo_decisions()` runs after the demo city is loaded (`demo_city`, hence `make run`). For every demo project
(the flagship 莲花山庄 first, then the others by code, at most `MAX_PROJECTS` in all so the larger scales stay quick)
it creates, through the ordinary services and with the clock set back while it does so:

- a meeting whose voting closed last week and whose results are published (online ballots of most owners, so the
  result is a decision);
- a meeting open for voting now (for the next 14 days) with ballots already cast online by other owners;
- a meeting whose notice is published and whose voting starts in 16 days;
- in the flagship only, a rehearsal meeting (演练): noticed an hour before its voting started (minutes, not days),
  open now for three days, a few ballots in — owners try voting there without it counting as a decision.

The decision events (notice, voting opened, results) are told through the notification fan-out; the demo expands
them at once, so the owners' inboxes hold the messages even before the worker runs.

Before that it binds the demo owners 张伟明 and 陈建国 (docs/demo.md) to their units with face verification, so
they are on the open meeting's roll and can vote within a minute of `make run`: log in with their phone number and
the SMS code from the stand-in inbox. The other demo owners stay unbound to show binding, nomination and offline
verification. The "other owners" are sole holders bound (face-verified) in bulk by the demo; they vote through the
ordinary casting service. The convener is `demo_subdistrict` (街道办：莲花街道) in 莲花街道, `demo_city` elsewhere.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q

from pmip.core import clock
from pmip.decisions import services
from pmip.decisions.choices import Choice, ConvenerKind, MeetingState, PublicityKind
from pmip.decisions.models import Meeting, RollEntry
from pmip.identity.models import (
    Account,
    AccountKind,
    BindingStatus,
    HouseBinding,
    OwnerIdentity,
    VerificationMethod,
)
from pmip.registry.models import Project, TitleRecord

ENTRY_CLERK = "demo_subdistrict"  # convenes in 莲花街道 (the flagship and the second project)
CHECK_CLERK = "demo_city"  # convenes elsewhere (city scope)
FLAGSHIP = "4403040001"
MAX_PROJECTS = (
    12  # medium and city scales: the flagship and the first 11 others (ballots are cast one by one)
)
VOTING_NOW = ("plain", "multi")  # demo owners bound and face-verified by the demo (docs/demo.md)

# A one-page PDF (the meeting notice file the services require before a notice can be published).
NOTICE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass(frozen=True)
class _Plan:
    key: str
    title: str
    matters: tuple[tuple[str, int], ...]  # (title, Art. 278 item)
    notice: dt.timedelta  # relative to now
    starts: dt.timedelta
    ends: dt.timedelta
    turnout: float  # share of owners on the roll who vote online
    yes: float  # share of those who agree
    rehearsal: bool = False
    flagship_only: bool = False
    # Outside the flagship the matters concern one building ("{b}" is its number): the other projects are larger,
    # and casting every owner's ballot one by one through the services would slow `make run` down.
    building_matters: tuple[tuple[str, int], ...] = ()


PLANS = (
    _Plan(
        "closed",
        "{year}年第一次临时业主大会（已公布结果）",
        (("续聘物业服务企业", 5), ("使用维修资金更换1栋电梯", 6)),
        notice=dt.timedelta(days=-40),
        starts=dt.timedelta(days=-21),
        ends=dt.timedelta(days=-7),
        turnout=1.0,  # every bound owner: sole holders are about four in five units, so the quorum is reached
        yes=0.9,
        building_matters=(("{b}栋电梯更新改造", 7), ("使用维修资金更换{b}栋消防水泵", 5)),
    ),
    _Plan(
        "open",
        "{year}年第二次临时业主大会（投票进行中）",
        (("制定小区停车管理规约", 1), ("使用维修资金维修2栋外墙", 6)),
        notice=dt.timedelta(days=-20),
        starts=dt.timedelta(days=-2),
        ends=dt.timedelta(days=14),
        turnout=0.35,
        yes=0.7,
        building_matters=(("{b}栋外墙翻新", 7), ("使用维修资金维修{b}栋屋面防水", 5)),
    ),
    _Plan(
        "noticed",
        "{year}年第三次临时业主大会（会议通知已公告）",
        (("修改业主大会议事规则", 1),),
        notice=dt.timedelta(hours=-1),
        starts=dt.timedelta(days=16),
        ends=dt.timedelta(days=30),
        turnout=0,
        yes=0,
        building_matters=(("{b}栋增设电动自行车充电设施", 8),),
    ),
    _Plan(
        "rehearsal",
        "{year}年业主试投票",
        (("试投票：是否同意在小区公告栏增设电子投票操作指引", 9),),
        notice=dt.timedelta(hours=-2),
        starts=dt.timedelta(hours=-1),  # a rehearsal's notice period counts in minutes: an hour is plenty
        ends=dt.timedelta(days=3),
        turnout=0.2,
        yes=0.8,
        rehearsal=True,
        flagship_only=True,
    ),
)
REHEARSAL_NOTICE_MINUTES = 30


def _at(now: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """A whole hour, so the pages show tidy times."""
    return (now + delta).replace(minute=0, second=0, microsecond=0)


def seed_demo_decisions(
    *, seed: int = 1, now: dt.datetime | None = None, max_projects: int = MAX_PROJECTS
) -> dict[str, int]:
    """Create the demo meetings (see the module docstring). Returns counts. Needs the demo staff accounts."""
    from pmip.decisions.rules import convener_project_q

    now = now or clock.now()
    entry_clerk = Account.objects.get(username=ENTRY_CLERK)
    check_clerk = Account.objects.get(username=CHECK_CLERK)
    flagship = Project.objects.get(code=FLAGSHIP)  # its shape is the same at every scale
    projects = [
        flagship,
        *Project.objects.exclude(pk=flagship.pk).order_by("code")[: max(0, max_projects - 1)],
    ]
    local = set(
        Project.objects.filter(convener_project_q(entry_clerk) or Q(pk__in=[])).values_list("pk", flat=True)
    )
    counts = {
        "meetings": 0,
        "rehearsal_meetings": 0,
        "online_ballots": 0,
        "bound_demo_owners": 0,
        "bound_other_owners": 0,
        "open_repairs": 0,
        "inbox_messages": 0,
    }
    with clock.frozen(now - dt.timedelta(days=60)):
        counts["bound_demo_owners"] = _bind_demo_owners()
        for project in projects:
            counts["bound_other_owners"] += _bind_other_owners(project, _rng(seed, project), share=0.95)
    for project in projects:
        rng = _rng(seed, project, "meetings")
        clerk = entry_clerk if project.pk in local else check_clerk
        for plan in PLANS:
            if plan.flagship_only and project.pk != flagship.pk:
                continue
            _run_plan(
                plan,
                project,
                now,
                rng,
                clerk,
                counts,
                None if project.pk == flagship.pk else _building(project),
            )
        with clock.frozen(now - dt.timedelta(days=1)):
            counts["open_repairs"] += _open_repair(project, clerk)
    counts["inbox_messages"] = _tell_now()
    return counts


def _rng(seed: int, project, what: str = "owners") -> random.Random:
    """One random stream per project and purpose: the flagship's data do not depend on how many projects follow."""
    return random.Random(f"decisions-{seed}-{project.code}-{what}")


def _building(project):
    """The residential building the demo's matters concern outside the flagship: the smallest one with flats."""
    from django.db.models import Count

    from pmip.registry.choices import UnitUse
    from pmip.registry.models import Building

    return (
        Building.objects.filter(project=project, units__use=UnitUse.RESIDENTIAL)
        .annotate(n=Count("units"))
        .order_by("n", "number")
        .first()
    )


def _tell_now() -> int:
    """Expand the demo's decision events into the owners' inboxes at once (the worker would do it a moment later;
    expanding twice is harmless: each batch advances the broadcast's cursor under its row lock)."""
    from pmip.notifications import fanout
    from pmip.notifications.models import Broadcast, Notification

    before = Notification.objects.count()
    for pk in (
        Broadcast.objects.filter(key__startswith="decisions.meeting.")
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        while fanout.expand_batch(pk):
            pass
    return Notification.objects.count() - before


def _open_repair(project, clerk) -> int:
    """A repair registered and not yet charged (维修申报, draft), as officers see them while the owners decide."""
    from pmip.funds import services as funds_services
    from pmip.registry.models import Building

    building = (
        Building.objects.filter(project=project, number="2").first()
        or Building.objects.filter(project=project).exclude(number="地库").order_by("number").first()
    )
    if building is None:
        return 0
    funds_services.create_repair(
        actor=clerk,
        project=project,
        title=f"{building.number}栋外墙渗水维修",
        amount="86500.00",
        scope_kind="buildings",
        building_ids=[building.pk],
        description=f"演示数据：{building.number}栋外墙多处渗水，待业主大会表决通过后分摊。",
        contractor="深圳市安居建筑维修工程有限公司",
    )
    return 1


def _bind_demo_owners() -> int:
    """Bind the voting demo owners to every unit they hold, with face verification (as if done 60 days ago)."""
    from pmip.demo.specs import DEMO_OWNERS

    bound = 0
    stamp = clock.now()
    for spec in DEMO_OWNERS:
        if spec.key not in VOTING_NOW:
            continue
        titles = list(
            TitleRecord.objects.current().for_id(spec.id_type, spec.id_number).select_related("unit")
        )
        if not titles:
            continue
        account = Account.objects.filter(mobile=spec.phone).first()
        if account is None:
            account = Account.objects.create(
                username=f"owner_demo_{spec.key}", kind=AccountKind.OWNER, mobile=spec.phone
            )
            account.set_unusable_password()
            account.save(update_fields=["password"])
        identity = OwnerIdentity(
            account=account,
            holder_name=spec.name,
            mobile=spec.phone,
            agreement_accepted_at=stamp,
            face_consent_at=stamp,
            verification=VerificationMethod.FACE,
            verified_at=stamp,
            created_at=stamp,
            updated_at=stamp,
        )
        identity.set_id_number(spec.id_type, spec.id_number)
        identity.save()
        for record in titles:
            HouseBinding.objects.create(
                account=account,
                unit=record.unit,
                project_id=record.unit.project_id,
                title_record=record,
                status=BindingStatus.ACTIVE,
                bound_at=stamp,
            )
        bound += 1
    return bound


def _run_plan(plan, project, now, rng, entry_clerk, counts, building=None) -> Meeting:
    year = clock.local(now).year
    with clock.frozen(_at(now, plan.notice) - dt.timedelta(hours=1)):
        meeting = services.create_meeting(
            actor=entry_clerk,
            project_id=project.pk,
            convener_kind=ConvenerKind.SUBDISTRICT,
            title=plan.title.format(year=year),
            description="演示数据：由演示城市自动生成。",
            voting_starts_at=_at(now, plan.starts),
            voting_ends_at=_at(now, plan.ends),
            rehearsal=plan.rehearsal,
            notice_minutes=REHEARSAL_NOTICE_MINUTES if plan.rehearsal else None,
        )
        if building is None:
            for title, item in plan.matters:
                services.add_matter(actor=entry_clerk, meeting_id=meeting.pk, title=title, item=item)
        else:
            for title, item in plan.building_matters:
                services.add_matter(
                    actor=entry_clerk,
                    meeting_id=meeting.pk,
                    title=title.format(b=building.number),
                    item=item,
                    scope="buildings",
                    building_ids=[building.pk],
                )
        services.upload_publicity_file(
            actor=entry_clerk,
            meeting_id=meeting.pk,
            kind=PublicityKind.MEETING_NOTICE,
            title="会议通知",
            upload=SimpleUploadedFile("会议通知.pdf", NOTICE_PDF, content_type="application/pdf"),
        )
    with clock.frozen(_at(now, plan.notice)):
        services.publish_notice(actor=entry_clerk, meeting_id=meeting.pk)
    counts["rehearsal_meetings" if plan.rehearsal else "meetings"] += 1
    if plan.key == "noticed":
        return meeting
    with clock.frozen(_at(now, plan.starts)):
        services.open_voting(actor=None, meeting_id=meeting.pk)
    with clock.frozen(_at(now, plan.starts) + dt.timedelta(hours=2)):
        counts["online_ballots"] += _online_ballots(meeting, plan, rng)
    if plan.key in ("open", "rehearsal"):
        return meeting
    with clock.frozen(_at(now, plan.ends)):
        services.close_voting(actor=None, meeting_id=meeting.pk)
    with clock.frozen(_at(now, plan.ends) + dt.timedelta(days=1)):
        services.publish_results(actor=entry_clerk, meeting_id=meeting.pk)
    meeting.refresh_from_db()
    if meeting.state != MeetingState.PUBLISHED:  # pragma: no cover - the services refused; say so loudly
        raise RuntimeError(f"demo meeting {meeting.pk} ended in state {meeting.state}")
    return meeting


def _bind_other_owners(project, rng, share: float) -> int:
    """Bind `share` of the project's sole holders (not the demo owners) to their units, face-verified, in bulk:
    the "other owners" whose online ballots the demo meetings already hold."""
    # Kept whole: one pass in the fixed order of the seeded random draws (same seed, same data).
    holders: dict[tuple[str, str], list[TitleRecord]] = {}
    for record in (
        TitleRecord.objects.current()
        .filter(unit__project=project, share=1)
        .exclude(unit__bindings__status=BindingStatus.ACTIVE)
        .order_by("unit_id")
    ):
        holders.setdefault((record.id_type, record.id_number_hash), []).append(record)
    stamp = clock.now()
    accounts, identities, bindings = [], [], []
    for n, (_key, records) in enumerate(sorted(holders.items())):
        if n >= 10_000:
            break  # the synthetic mobiles below have four digits for the holder
        if rng.random() >= share:
            continue
        first = records[0]
        account = Account(
            username=f"owner_demo_{project.code}_{n}",
            kind=AccountKind.OWNER,
            # +86 199 PPPP NNNN: unique per (project, holder) even when primary keys have more than three digits
            # (PostgreSQL sequences are not reset between tests; truncating made two holders share a number)
            mobile=f"+86199{project.pk % 10_000:04d}{n:04d}",
        )
        account.set_unusable_password()
        accounts.append(account)
        identities.append(
            OwnerIdentity(
                account=account,
                holder_name=first.holder_name,
                id_type=first.id_type,
                id_number_enc=first.id_number_enc,
                id_number_hash=first.id_number_hash,
                id_number_masked=first.id_number_masked,
                mobile=account.mobile,
                agreement_accepted_at=stamp,
                face_consent_at=stamp,
                verification=VerificationMethod.FACE,
                verified_at=stamp,
                created_at=stamp,
                updated_at=stamp,
            )
        )
        bindings += [
            HouseBinding(
                account=account,
                unit_id=r.unit_id,
                project=project,
                title_record=r,
                status=BindingStatus.ACTIVE,
                bound_at=stamp,
            )
            for r in records
        ]
    Account.objects.bulk_create(accounts)
    for identity in identities:
        identity.account_id = identity.account.pk
    for binding in bindings:
        binding.account_id = binding.account.pk
    OwnerIdentity.objects.bulk_create(identities)
    HouseBinding.objects.bulk_create(bindings)
    return len(accounts)


def _online_ballots(meeting, plan, rng) -> int:
    """Other owners (bound by the demo) vote online, each with one call of the ordinary casting service."""
    demo_accounts = set(
        Account.objects.filter(username__in=[f"owner_demo_{k}" for k in VOTING_NOW]).values_list(
            "pk", flat=True
        )
    )
    entries = RollEntry.objects.filter(meeting=meeting, eligible=True, delegated=False)
    if not meeting.matters.filter(scope="project").exists():  # every matter concerns the same building
        entries = entries.filter(building_id__in=meeting.matters.values("buildings"))
    voters: dict[int, int] = {}
    for unit_id, principal in entries.order_by("unit_id").values_list("unit_id", "principal_id"):
        if principal not in demo_accounts:
            voters.setdefault(principal, unit_id)
    accounts = Account.objects.in_bulk(list(voters))
    matters = list(meeting.matters.order_by("order"))
    cast = 0
    for principal, unit_id in sorted(voters.items()):
        if rng.random() >= plan.turnout:
            continue
        answers = {}
        for matter in matters:
            r = rng.random()
            answers[matter.pk] = (
                Choice.YES
                if r < plan.yes
                else Choice.NO
                if r < plan.yes + (1 - plan.yes) / 2
                else Choice.ABSTAIN
            )
        services.cast_ballots(
            actor=accounts[principal], meeting_id=meeting.pk, unit_id=unit_id, answers=answers
        )
        cast += 1
    return cast
