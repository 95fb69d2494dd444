"""The house-information queue (房屋信息补录, "未能找到您的房屋"): subdistrict roles see their subdistricts'
submissions and mark them resolved (已补录) or rejected with a reply."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import NotFound, ValidationFailed
from pmip.identity.models import (
    Account,
    HouseInfoSubmission,
)
from pmip.identity.offline.common import REPLY_MAX, subdistrict_ids
from pmip.notifications.services import notify

# --- house-information queue --------------------------------------------------------------------------------


def house_submissions_for_staff(*, actor, status: str = "") -> QuerySet[HouseInfoSubmission]:
    """Submissions of the actor's subdistricts (subdistrict roles only), oldest pending first."""
    ids = subdistrict_ids(actor)
    if not ids:
        return HouseInfoSubmission.objects.none()
    qs = HouseInfoSubmission.objects.select_related("subdistrict", "account", "handled_by").filter(
        subdistrict_id__in=ids
    )
    if status:
        qs = qs.filter(status=status)
    pending_first = Case(
        When(status=HouseInfoSubmission.Status.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return qs.order_by(pending_first, "submitted_at", "id")


def get_house_submission_for_staff(*, actor, submission_id: int) -> HouseInfoSubmission:
    try:
        return house_submissions_for_staff(actor=actor).get(pk=submission_id)
    except HouseInfoSubmission.DoesNotExist as exc:
        raise NotFound("未找到该房屋信息补录申请，或不在您的管辖范围内。") from exc


def _handle_submission(*, actor, submission_id: int, status: str, reply: str) -> HouseInfoSubmission:
    reply = (reply or "").strip()
    if status == HouseInfoSubmission.Status.REJECTED and not reply:
        raise ValidationFailed("请填写不予补录的原因，业主将看到这条答复。", field="reply")
    if len(reply) > REPLY_MAX:
        raise ValidationFailed(f"答复不能超过{REPLY_MAX}个字。", field="reply")
    ids = subdistrict_ids(actor)
    with transaction.atomic():
        submission = (
            HouseInfoSubmission.objects.select_for_update()
            .filter(pk=submission_id, subdistrict_id__in=ids)
            .first()
        )
        if submission is None:
            raise NotFound("未找到该房屋信息补录申请，或不在您的管辖范围内。")
        if submission.status != HouseInfoSubmission.Status.PENDING:
            raise ValidationFailed(f"该申请已处理（{submission.get_status_display()}），不能再修改。")
        submission.status = status
        submission.handled_by = actor
        submission.handled_at = clock.now()
        submission.reply = reply or "已补录到基础数据库，请重新进行业主身份绑定。"
        submission.save(update_fields=["status", "handled_by", "handled_at", "reply"])
        resolved = status == HouseInfoSubmission.Status.RESOLVED
        record(
            actor=actor,
            action="identity.house_submission." + ("resolved" if resolved else "rejected"),
            obj=submission,
            data={"reply": submission.reply},
        )
        house = f"{submission.project_name}{submission.building_number}栋{submission.unit_number}"
        notify(
            recipient=submission.account,
            kind="identity.house_submission." + ("resolved" if resolved else "rejected"),
            title="房屋信息已补录" if resolved else "房屋信息未予补录",
            body=f"您提交的房屋信息（{house}）{'已补录' if resolved else '未予补录'}。答复：{submission.reply}",
        )
    return submission


def resolve_house_submission(*, actor: Account, submission_id: int, reply: str = "") -> HouseInfoSubmission:
    """补录完成. Raises NotFound (not the actor's subdistrict), ValidationFailed (handled already, reply too long).
    Audit: identity.house_submission.resolved; the owner gets an inbox message."""
    return _handle_submission(
        actor=actor, submission_id=submission_id, status=HouseInfoSubmission.Status.RESOLVED, reply=reply
    )


def reject_house_submission(*, actor: Account, submission_id: int, reply: str) -> HouseInfoSubmission:
    """不予补录, with a reply. Raises NotFound, ValidationFailed (handled already, no reply).
    Audit: identity.house_submission.rejected; the owner gets an inbox message."""
    return _handle_submission(
        actor=actor, submission_id=submission_id, status=HouseInfoSubmission.Status.REJECTED, reply=reply
    )
