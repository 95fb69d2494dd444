"""Reads of 互动交流 / 政民互动: the asker sees their own; an office sees what its level handles now."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from pmip.core import clock
from pmip.core.errors import NotFound
from pmip.enquiries.models import Enquiry, EnquiryImage, State
from pmip.enquiries.services import office_q


def mine(*, account, channel: str | None = None) -> QuerySet[Enquiry]:
    if not getattr(account, "is_authenticated", False):
        return Enquiry.objects.none()
    qs = Enquiry.objects.filter(asker=account).select_related("project")
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by("-created_at", "-id")


def get_mine(*, account, enquiry_id: int) -> Enquiry:
    enquiry = mine(account=account).filter(pk=enquiry_id).first()
    if enquiry is None:
        raise NotFound("未找到该咨询。")
    return enquiry


def queue(*, actor, state: str = "", overdue: bool = False, category: str = "") -> QuerySet[Enquiry]:
    q = office_q(actor)
    if q is None:
        return Enquiry.objects.none()
    qs = Enquiry.objects.filter(q).select_related("project")
    if state in State.values:
        qs = qs.filter(state=state)
    if category:
        qs = qs.filter(category=category)
    if overdue:
        qs = qs.filter(state__in=[State.PENDING, State.PROCESSING], due_date__lt=clock.today())
    return qs.order_by("due_date", "id")


def queue_counts(*, actor) -> dict[str, int]:
    q = office_q(actor)
    if q is None:
        return {}
    today = clock.today()
    return Enquiry.objects.filter(q).aggregate(
        pending=Count("pk", filter=Q(state=State.PENDING)),
        processing=Count("pk", filter=Q(state=State.PROCESSING)),
        answered=Count("pk", filter=Q(state=State.ANSWERED)),
        overdue=Count("pk", filter=Q(state__in=[State.PENDING, State.PROCESSING], due_date__lt=today)),
    )


def get_for_office(*, actor, enquiry_id: int) -> Enquiry:
    enquiry = queue(actor=actor).filter(pk=enquiry_id).first()
    if enquiry is None:
        raise NotFound("未找到该咨询，或不由您所在部门办理。")
    return enquiry


def image_for(*, account, image_id: int) -> EnquiryImage:
    """The asker's own images, or those of an enquiry the account's office handles."""
    image = EnquiryImage.objects.select_related("enquiry").filter(pk=image_id).first()
    if image is not None:
        if image.enquiry.asker_id == getattr(account, "pk", None):
            return image
        q = office_q(account)
        if q is not None and Enquiry.objects.filter(q).filter(pk=image.enquiry_id).exists():
            return image
    raise NotFound("未找到该图片。")
