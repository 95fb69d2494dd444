"""Writes of 互动交流 / 政民互动. Each checks who may act, runs in one transaction, writes an audit entry and tells the
other side through the notifications outbox (never with the asker's name to the offices' audit labels)."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Sequence

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from PIL import Image, UnidentifiedImageError

from pmip.audit.services import record
from pmip.core import clock, stored_files, workdays
from pmip.core.conf import pmip_settings
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.enquiries.models import (
    Category,
    Channel,
    Enquiry,
    EnquiryImage,
    EnquiryMessage,
    Level,
    Rating,
    State,
)
from pmip.identity.models import Account, ScopeLevel, StaffRole
from pmip.identity.scopes import roles_of
from pmip.notifications.services import notify
from pmip.registry.models import District, Project

TITLE_MAX = 60
TEXT_MAX = 2000
MAX_IMAGES = 6
MAX_PIXELS = 40_000_000
LONG_EDGE = 2048

#: who answers each category of 互动交流 first (falls back when the project has no company or committee)
FIRST_LEVEL = {
    Category.CONSULT: Level.COMPANY,
    Category.REPAIR: Level.COMPANY,
    Category.SUGGEST: Level.COMMITTEE,
    Category.COMPLAIN: Level.SUBDISTRICT,
}
NEXT_LEVEL = {
    Level.COMPANY: Level.SUBDISTRICT,
    Level.COMMITTEE: Level.SUBDISTRICT,
    Level.SUBDISTRICT: Level.DISTRICT,
    Level.DISTRICT: Level.CITY,
}


def reply_days() -> int:
    return pmip_settings().enquiry_reply_days


def image_max_bytes() -> int:
    return pmip_settings().enquiry_image_max_bytes


def _text(value, *, label: str, field: str, max_length: int) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if not value:
        raise ValidationFailed(f"请填写{label}。", field=field)
    if len(value) > max_length:
        raise ValidationFailed(f"{label}不能超过{max_length}个字。", field=field)
    return value


def _due() -> dt.date:
    return workdays.add_working_days(clock.today(), reply_days())


# --- routing ----------------------------------------------------------------------------------------------------


def _route(enquiry: Enquiry, level: str) -> None:
    """Point the enquiry at `level` for its project (or its district / the city for 政民互动)."""
    project = enquiry.project
    if level == Level.COMPANY and (project is None or project.company_id is None):
        level = Level.COMMITTEE
    if level == Level.COMMITTEE and (
        project is None or not StaffRole.objects.filter(level=ScopeLevel.COMMITTEE, project=project).exists()
    ):
        level = Level.SUBDISTRICT
    if level == Level.SUBDISTRICT and project is None:
        level = Level.DISTRICT
    if level == Level.DISTRICT and enquiry.district_id is None and project is None:
        level = Level.CITY
    enquiry.level = level
    # a project is known at these two levels (without one the level moved on to the district above)
    enquiry.company_id = project.company_id if level == Level.COMPANY and project is not None else None
    enquiry.subdistrict_id = (
        project.subdistrict_id if level == Level.SUBDISTRICT and project is not None else None
    )
    if level == Level.DISTRICT:
        enquiry.district_id = project.district_id if project is not None else enquiry.district_id
    elif level != Level.CITY:
        enquiry.district_id = None if enquiry.channel == Channel.COMMUNITY else enquiry.district_id


def office_q(account, *, prefix: str = "") -> Q | None:
    """Enquiries the account's office handles now (level and target match one of its roles)."""
    p = prefix
    q = Q(pk__in=[])
    found = False
    for role in roles_of(account):
        found = True
        if role.level == ScopeLevel.COMPANY:
            q |= Q(**{f"{p}level": Level.COMPANY, f"{p}company_id": role.company_id})
        elif role.level == ScopeLevel.COMMITTEE:
            q |= Q(**{f"{p}level": Level.COMMITTEE, f"{p}project_id": role.project_id})
        elif role.level == ScopeLevel.SUBDISTRICT:
            q |= Q(**{f"{p}level": Level.SUBDISTRICT, f"{p}subdistrict_id": role.subdistrict_id})
        elif role.level == ScopeLevel.DISTRICT:
            q |= Q(**{f"{p}level": Level.DISTRICT, f"{p}district_id": role.district_id})
        elif role.level == ScopeLevel.CITY:
            q |= Q(**{f"{p}level": Level.CITY})
    return q if found else None


def office_label(enquiry: Enquiry) -> str:
    # (a foreign key whose id is None reads as None without a query)
    if enquiry.level == Level.COMPANY and enquiry.company is not None:
        return enquiry.company.name[:60]
    if enquiry.level == Level.COMMITTEE and enquiry.project is not None:
        return f"{enquiry.project.name}业主委员会"[:60]
    if enquiry.level == Level.SUBDISTRICT and enquiry.subdistrict is not None:
        return enquiry.subdistrict.name[:60]
    if enquiry.level == Level.DISTRICT and enquiry.district is not None:
        return f"{enquiry.district.name}住房和建设局"[:60]
    return Level(enquiry.level).label


def _office_accounts(enquiry: Enquiry) -> list[Account]:
    level = enquiry.level
    roles = StaffRole.objects.none()
    if level == Level.COMPANY:
        roles = StaffRole.objects.filter(level=ScopeLevel.COMPANY, company_id=enquiry.company_id)
    # (routing always sets the target of its level; a role of these levels always names its target)
    elif level == Level.COMMITTEE and enquiry.project_id is not None:
        roles = StaffRole.objects.filter(level=ScopeLevel.COMMITTEE, project_id=enquiry.project_id)
    elif level == Level.SUBDISTRICT and enquiry.subdistrict_id is not None:
        roles = StaffRole.objects.filter(level=ScopeLevel.SUBDISTRICT, subdistrict_id=enquiry.subdistrict_id)
    elif level == Level.DISTRICT and enquiry.district_id is not None:
        roles = StaffRole.objects.filter(level=ScopeLevel.DISTRICT, district_id=enquiry.district_id)
    elif level == Level.CITY:
        roles = StaffRole.objects.filter(level=ScopeLevel.CITY)
    return list(Account.objects.filter(pk__in=roles.values("account_id"))[:50])


def _tell_office(enquiry: Enquiry, title: str, body: str) -> None:
    for account in _office_accounts(enquiry):
        notify(
            recipient=account,
            kind="enquiries.office.notice",
            title=title[:100],
            body=body,
            link=f"/office/enquiries/{enquiry.pk}/",
        )


def _tell_asker(enquiry: Enquiry, title: str, body: str, *, stage: str) -> None:
    """Inbox + WeChat template message (SMS for those who chose it) to the asker."""
    notify(
        recipient=enquiry.asker,
        kind="enquiries.asker.notice",
        title=title[:100],
        body=body,
        link=f"/enquiries/{enquiry.pk}/",
        data={
            "project": enquiry.project.name if enquiry.project is not None else "政民互动",
            "subject": enquiry.title,
            "stage": stage,
        },
    )


# --- asker ------------------------------------------------------------------------------------------------------


def _may_ask_about(account, project: Project) -> bool:
    from pmip.delegation.selectors import delegated_projects, grantable_projects

    return (
        grantable_projects(account=account).filter(pk=project.pk).exists()
        or delegated_projects(account=account).filter(pk=project.pk).exists()
    )


def _reencode(upload: UploadedFile) -> tuple[bytes, int, int]:
    assert upload.size is not None  # an uploaded file always knows its size
    if upload.size > image_max_bytes():
        raise ValidationFailed(f"每张图片不能超过{image_max_bytes() // (1024 * 1024)}MB。", field="images")
    upload.seek(0)
    raw = upload.read(image_max_bytes() + 1)
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in ("JPEG", "PNG", "WEBP", "GIF"):
                raise ValidationFailed("只能上传JPG、PNG、WEBP或GIF图片。", field="images")
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationFailed("图片尺寸过大。", field="images")
            probe.verify()
        with Image.open(io.BytesIO(raw)) as opened:
            opened.seek(0)
            image = opened.convert("RGB")  # drops EXIF/GPS and any other metadata with the original container
            image.thumbnail((LONG_EDGE, LONG_EDGE))
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85, optimize=True)
            return out.getvalue(), image.width, image.height
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise ValidationFailed("图片无法识别，请换一张。", field="images") from exc


IMAGES = "enquiry_images"  # the name in settings' STORAGES (pmip.core.stored_files)


def open_image(image: EnquiryImage) -> File | None:
    """The stored JPEG of `image` opened for reading (the caller closes it); None when it is missing."""
    return stored_files.open_stored(IMAGES, image.stored_name)


def open_enquiry(
    *,
    actor,
    channel: str,
    category: str,
    title: str,
    text: str,
    project_id: int | None = None,
    district_id: int | None = None,
    images: Sequence[UploadedFile] = (),
    public_consent: bool = False,
) -> Enquiry:
    """Open an enquiry. 互动交流: an owner or delegate of the project; 政民互动: any logged-in user, to the
    district's housing bureau (when a district or project is given) or the city's."""
    # Kept whole: the checks, then one transaction (enquiry, first message, images, audit, office told).
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    if channel not in Channel.values:
        raise ValidationFailed("请选择咨询渠道。", field="channel")
    if category not in Category.values:
        raise ValidationFailed("请选择类别。", field="category")
    title = _text(title, label="标题", field="title", max_length=TITLE_MAX)
    text = _text(text, label="内容", field="text", max_length=TEXT_MAX)
    if len(images) > MAX_IMAGES:
        raise ValidationFailed(f"最多上传{MAX_IMAGES}张图片。", field="images")
    encoded = [_reencode(upload) for upload in images]
    project = Project.objects.filter(pk=project_id).first() if project_id else None
    if channel == Channel.COMMUNITY and (project is None or not _may_ask_about(actor, project)):
        raise ValidationFailed("请选择您已绑定（或受委托）的小区。", field="project_id")
    district = District.objects.filter(pk=district_id).first() if district_id else None
    with transaction.atomic():
        enquiry = Enquiry(
            channel=channel,
            category=category,
            title=title,
            text=text,
            asker=actor,
            project=project,
            district=district or (project.district if project and channel == Channel.GOVERNMENT else None),
            due_date=_due(),
            public_consent=bool(public_consent) and channel == Channel.GOVERNMENT,
        )
        first = FIRST_LEVEL[Category(category)] if channel == Channel.COMMUNITY else Level.DISTRICT
        _route(enquiry, first)
        enquiry.save()
        EnquiryMessage.objects.create(
            enquiry=enquiry, role=EnquiryMessage.Role.ASKER, author=actor, text=text
        )
        for data, width, height in encoded:
            name = stored_files.save(IMAGES, f"enquiries/{uuid.uuid4().hex}.jpg", data)
            EnquiryImage.objects.create(
                enquiry=enquiry, stored_name=name, width=width, height=height, size=len(data)
            )
        record(
            actor=actor,
            action="enquiries.enquiry.opened",
            obj=enquiry,
            project_id=project.pk if project else None,
            data={"channel": channel, "category": category, "level": enquiry.level, "images": len(encoded)},
        )
        _tell_office(
            enquiry,
            f"新的{Category(category).label}：{title}",
            f"请于{enquiry.due_date:%Y年%m月%d日}前答复。",
        )
    return enquiry


def _own(actor, enquiry_id: int) -> Enquiry:
    enquiry = Enquiry.objects.select_for_update().filter(pk=enquiry_id, asker=actor).first()
    if enquiry is None:
        raise NotFound("未找到该咨询。")
    return enquiry


def withdraw(*, actor, enquiry_id: int) -> Enquiry:
    with transaction.atomic():
        enquiry = _own(actor, enquiry_id)
        if enquiry.state not in (State.PENDING, State.PROCESSING):
            raise ValidationFailed("已答复或已办结的咨询不能撤回。")
        enquiry.state = State.WITHDRAWN
        enquiry.closed_at = clock.now()
        enquiry.save(update_fields=["state", "closed_at"])
        record(actor=actor, action="enquiries.enquiry.withdrawn", obj=enquiry, project_id=enquiry.project_id)
    return enquiry


def rate(*, actor, enquiry_id: int, rating: str) -> Enquiry:
    """The asker rates the answer: 满意 closes it (已办结); 不满意 is kept and the asker may still reopen once."""
    if rating not in Rating.values:
        raise ValidationFailed("请选择满意或不满意。", field="rating")
    with transaction.atomic():
        enquiry = _own(actor, enquiry_id)
        if enquiry.state != State.ANSWERED:
            raise ValidationFailed("答复后才能评价。")
        enquiry.rating = rating
        fields = ["rating"]
        if rating == Rating.SATISFIED or enquiry.reopened:
            enquiry.state = State.CLOSED
            enquiry.closed_at = clock.now()
            fields += ["state", "closed_at"]
        enquiry.save(update_fields=fields)
        record(actor=actor, action="enquiries.enquiry.rated", obj=enquiry, data={"rating": rating})
    return enquiry


def reopen(*, actor, enquiry_id: int, reason: str) -> Enquiry:
    """Once: an answered enquiry goes back to the office that answered, with a new deadline."""
    reason = _text(reason, label="重新打开的原因", field="reason", max_length=TEXT_MAX)
    with transaction.atomic():
        enquiry = _own(actor, enquiry_id)
        if enquiry.state != State.ANSWERED:
            raise ValidationFailed("只有已答复的咨询可以重新打开。")
        if enquiry.reopened:
            raise ValidationFailed("每个咨询只能重新打开一次。")
        enquiry.reopened = True
        enquiry.state = State.PROCESSING
        enquiry.due_date = _due()
        enquiry.save(update_fields=["reopened", "state", "due_date"])
        EnquiryMessage.objects.create(
            enquiry=enquiry, role=EnquiryMessage.Role.ASKER, author=actor, text=reason
        )
        record(actor=actor, action="enquiries.enquiry.reopened", obj=enquiry, project_id=enquiry.project_id)
        _tell_office(
            enquiry, f"咨询被重新打开：{enquiry.title}", f"请于{enquiry.due_date:%Y年%m月%d日}前答复。"
        )
    return enquiry


# --- office -----------------------------------------------------------------------------------------------------


def _handled(actor, enquiry_id: int) -> Enquiry:
    q = office_q(actor)
    enquiry = None
    if q is not None:
        enquiry = (
            Enquiry.objects.select_for_update(of=("self",))
            .filter(q)
            .filter(pk=enquiry_id)
            .select_related("project", "company", "subdistrict", "district", "asker")
            .first()
        )
    if enquiry is None:
        raise NotFound("未找到该咨询，或不由您所在部门办理。")
    return enquiry


def accept(*, actor, enquiry_id: int) -> Enquiry:
    with transaction.atomic():
        enquiry = _handled(actor, enquiry_id)
        if enquiry.state != State.PENDING:
            raise ValidationFailed("该咨询已受理。")
        enquiry.state = State.PROCESSING
        enquiry.save(update_fields=["state"])
        record(actor=actor, action="enquiries.enquiry.accepted", obj=enquiry, project_id=enquiry.project_id)
    return enquiry


def answer(*, actor, enquiry_id: int, text: str) -> Enquiry:
    text = _text(text, label="答复内容", field="text", max_length=TEXT_MAX)
    with transaction.atomic():
        enquiry = _handled(actor, enquiry_id)
        if not enquiry.is_open:
            raise ValidationFailed("该咨询当前不需要答复。")
        label = office_label(enquiry)
        EnquiryMessage.objects.create(
            enquiry=enquiry, role=EnquiryMessage.Role.OFFICE, author=actor, office_label=label, text=text
        )
        enquiry.state = State.ANSWERED
        enquiry.answered_at = clock.now()
        enquiry.save(update_fields=["state", "answered_at"])
        record(actor=actor, action="enquiries.enquiry.answered", obj=enquiry, project_id=enquiry.project_id)
        _tell_asker(
            enquiry, f"您的咨询已答复：{enquiry.title}", f"{label}已答复，请查看并评价。", stage="已答复"
        )
    return enquiry


def escalate_overdue(*, today=None) -> int:
    """Periodic: every open enquiry past its deadline goes to the next level with a new deadline; the asker and
    both offices are told. The city level has no next level: it stays (and stays counted as overdue)."""
    today = today or clock.today()
    moved = 0
    ids = list(
        Enquiry.objects.filter(state__in=[State.PENDING, State.PROCESSING], due_date__lt=today)
        .exclude(level=Level.CITY)
        .values_list("pk", flat=True)[:500]
    )
    for enquiry_id in ids:
        with transaction.atomic():
            enquiry = (
                Enquiry.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=enquiry_id, state__in=[State.PENDING, State.PROCESSING], due_date__lt=today)
                .select_related("project", "company", "subdistrict", "district", "asker")
                .first()
            )
            if enquiry is None:
                continue
            before = office_label(enquiry)
            _tell_office(
                enquiry, f"咨询已超期转办：{enquiry.title}", "该咨询未在期限内答复，已转上级部门办理。"
            )
            previous = enquiry.level
            _route(enquiry, NEXT_LEVEL[Level(enquiry.level)])
            if enquiry.district_id is None and enquiry.project is not None:
                enquiry.district_id = enquiry.project.district_id if enquiry.level == Level.DISTRICT else None
            enquiry.escalations += 1
            enquiry.state = State.PENDING
            enquiry.due_date = workdays.add_working_days(today, reply_days())
            enquiry.save()
            after = office_label(enquiry)
            EnquiryMessage.objects.create(
                enquiry=enquiry,
                role=EnquiryMessage.Role.SYSTEM,
                text=f"{before}未在期限内答复，已转{after}办理，答复期限{enquiry.due_date:%Y年%m月%d日}。",
            )
            record(
                actor=None,
                action="enquiries.enquiry.escalated",
                obj=enquiry,
                project_id=enquiry.project_id,
                data={"from": previous, "to": enquiry.level},
            )
            _tell_office(
                enquiry, f"超期转办的咨询：{enquiry.title}", f"请于{enquiry.due_date:%Y年%m月%d日}前答复。"
            )
            _tell_asker(
                enquiry,
                f"您的咨询已转{after}办理",
                f"答复期限{enquiry.due_date:%Y年%m月%d日}。",
                stage="已转办",
            )
            moved += 1
    return moved
