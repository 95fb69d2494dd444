"""Notifications (消息通知): every account's in-app inbox, and a transactional outbox for outside channels.

- `Notification` is one inbox item (站内消息). It is written by `services.notify()` inside the business
  transaction that caused it, so a rolled-back business change leaves no message behind.
- `OutboxMessage` is one (notification, channel) delivery, written in that same transaction and delivered after
  commit by the `deliver_outbox` task. Its `idempotency_key` is handed to the provider (WeChat `client_msg_id`,
  the SMS de-duplication key) so that a redelivery after a crash is de-duplicated: a message is sent once.
- `ChannelPreference` says which outside channels an account accepts. Without a row: WeChat on, SMS off.

Payloads never contain ID numbers (services refuse them) nor the recipient's address: the WeChat openid or the
mobile is read from the account at delivery time.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from pmip.core import clock
from pmip.notifications.choices import Channel, OutboxState


class Notification(models.Model):
    """One inbox item (站内消息) for one account. Read state is the recipient's alone."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=80, help_text="namespaced code, e.g. identity.binding.approved")
    title = models.CharField(max_length=100)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True, help_text="site-relative URL, e.g. /portal/houses/")
    created_at = models.DateTimeField(default=clock.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "站内消息"
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(link="") | (Q(link__startswith="/") & ~Q(link__startswith="//")),
                name="notification_link_site_relative",
                violation_error_message="消息链接必须是本站内的相对地址。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class OutboxMessage(models.Model):
    """One delivery of a notification through one outside channel (发送队列).

    States: pending → sending (claimed, with a lease until `sending_until`) → sent; a failed attempt goes to
    `failed` with `next_attempt_at` pushed back exponentially; after the last attempt, `dead`. A row stuck in
    `sending` past its lease (the worker died) is claimed again by the sweeper. `sent` is final: never sent again.
    """

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="outbox")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    payload = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=clock.now)
    sending_until = models.DateTimeField(
        null=True, blank=True, help_text="lease of the worker that claimed it"
    )
    dispatched_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="last handed to the task queue; the sweeper waits before handing it again",
    )
    claim_token = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=128, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = "消息发送队列"
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["state", "sending_until"], name="outbox_lease_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                name="outbox_unique_idempotency_key",
                violation_error_message="该消息已在发送队列中。",
            ),
            models.UniqueConstraint(
                fields=["notification", "channel"],
                name="outbox_unique_notification_channel",
                violation_error_message="同一条消息在同一渠道只发送一次。",
            ),
            models.CheckConstraint(
                condition=Q(attempts__gte=0),
                name="outbox_attempts_not_negative",
                violation_error_message="发送次数不能为负数。",
            ),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False),
                name="outbox_sent_has_time",
                violation_error_message="已发送的消息必须有发送时间。",
            ),
            models.CheckConstraint(
                condition=~Q(state="sending") | Q(sending_until__isnull=False),
                name="outbox_sending_has_lease",
                violation_error_message="发送中的消息必须有租约到期时间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} [{self.state}]"


class ChannelPreference(models.Model):
    """Which outside channels an account accepts (接收渠道). No row means the defaults: WeChat on, SMS off.

    The in-app inbox is always on and is not a preference.
    """

    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preference"
    )
    wechat = models.BooleanField(default=True, help_text="微信模板消息")
    sms = models.BooleanField(default=False, help_text="短信（仅在本人同意后发送）")
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = verbose_name_plural = "消息接收渠道"

    def __str__(self) -> str:
        return f"{self.account_id}: wechat={self.wechat} sms={self.sms}"


class BroadcastState(models.TextChoices):
    PENDING = "pending", "待展开"
    EXPANDING = "expanding", "展开中"
    DONE = "done", "已完成"


class Broadcast(models.Model):
    """One event to tell many people (群发): recorded by the request, expanded to recipients by tasks in batches.

    `key` names the event (e.g. ``decisions.meeting.42.notice``) and is unique: recording the same event twice is a
    no-op, so each event is told once. `audience` names a registered resolver (`pmip.notifications.fanout`) and
    `audience_params` its arguments; the recipients are resolved at expansion time, in account-id order, and
    `cursor` is the last account id expanded, so a crashed expansion resumes where its last committed batch ended.
    """

    key = models.CharField(max_length=120)
    kind = models.CharField(max_length=80)
    title = models.CharField(max_length=100)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True, help_text="template fields (same for every recipient)")
    audience = models.CharField(max_length=80)
    audience_params = models.JSONField(default=dict, blank=True)
    project_id = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=BroadcastState.choices, default=BroadcastState.PENDING)
    cursor = models.BigIntegerField(default=0, help_text="last recipient account id expanded")
    recipients = models.IntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now, help_text="heartbeat of the expansion")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "群发事件"
        constraints = [
            models.UniqueConstraint(
                fields=["key"], name="broadcast_unique_key", violation_error_message="该事件已通知。"
            ),
        ]
        indexes = [models.Index(fields=["state", "updated_at"], name="broadcast_state_idx")]

    def __str__(self) -> str:
        return f"{self.key} [{self.state}] {self.recipients}"


class BroadcastRecipient(models.Model):
    """One recipient of one broadcast: the idempotency record (unique per event + recipient)."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="deliveries")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    notification = models.OneToOneField(Notification, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "群发接收人"
        constraints = [
            models.UniqueConstraint(
                fields=["broadcast", "account"],
                name="broadcast_unique_recipient",
                violation_error_message="同一事件对同一人只通知一次。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id} → {self.account_id}"


class ChannelSlot(models.Model):
    """Per outside channel, the earliest time a new bulk batch may start sending: the configured rate
    (`PMIP_NOTIFY_RATES`, messages per second) is kept by handing out one-second slots from here."""

    channel = models.CharField(max_length=20, choices=Channel.choices, primary_key=True)
    next_free_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = verbose_name_plural = "渠道发送时段"

    def __str__(self) -> str:
        return f"{self.channel} free at {self.next_free_at}"
