"""Reads of the notifications domain. An account sees only its own inbox; there is no way to name another's."""

from __future__ import annotations

from django.db.models import QuerySet

from pmip.core.errors import NotFound
from pmip.notifications.models import ChannelPreference, Notification, OutboxMessage

# pmip.identity.models.AccountKind.OPERATOR (平台运维): notifications sits below identity and does not import it.
OPERATOR = "operator"


def inbox_for(*, account, unread_only: bool = False) -> QuerySet[Notification]:
    """The account's messages, newest first (ready to paginate). Nothing for anonymous users."""
    if not getattr(account, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=account)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(*, account) -> int:
    if not getattr(account, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=account, read_at__isnull=True).count()


def get_notification(*, account, notification_id: int) -> Notification:
    """One of the account's own messages; anyone else's does not exist for them."""
    try:
        return inbox_for(account=account).get(pk=notification_id)
    except Notification.DoesNotExist as exc:
        raise NotFound("未找到该消息。") from exc


def channel_preference_for(*, account) -> ChannelPreference:
    """The account's channel choices; an unsaved default (WeChat on, SMS off) when they never chose."""
    preference = ChannelPreference.objects.filter(account=account).first()
    return preference or ChannelPreference(account=account)


def outbox_for(*, actor, state: str | None = None) -> QuerySet[OutboxMessage]:
    """The delivery queue, for platform operators (平台运维) and superusers only; nothing for anyone else."""
    if not getattr(actor, "is_authenticated", False) or not (actor.is_superuser or actor.kind == OPERATOR):
        return OutboxMessage.objects.none()
    qs = OutboxMessage.objects.select_related("notification")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-id")
