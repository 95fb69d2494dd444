"""Rows that make several nodes behave as one: stored API answers per Idempotency-Key, named leases, sessions."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q

from pmip.core import clock


class IdempotencyRecord(models.Model):
    """The first answer to an API write sent with an `Idempotency-Key` header, kept until `expires_at`.

    The row is inserted in the same transaction as the write it guards, so either both are stored or neither
    (a node killed mid-request leaves nothing behind, and the client's retry runs the write afresh). A second
    request with the same key waits on the unique index until the first commits, then gets the stored answer.
    """

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=200, blank=True)
    body = models.BinaryField(blank=True)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "幂等请求记录"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "key"],
                name="idempotency_unique_account_key",
                violation_error_message="该幂等键已使用。",
            ),
            models.CheckConstraint(
                condition=Q(status__gte=100) & Q(status__lt=600),
                name="idempotency_status_http",
                violation_error_message="状态码必须是 HTTP 状态码。",
            ),
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.key} → {self.status}"


class Lease(models.Model):
    """A named lease held by one process until `expires_at` (e.g. the scheduler: one active across nodes)."""

    name = models.CharField(max_length=100, primary_key=True)
    holder = models.CharField(max_length=200)
    expires_at = models.DateTimeField()
    acquired_at = models.DateTimeField(default=clock.now)
    renewed_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = verbose_name_plural = "租约"

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder} until {self.expires_at:%H:%M:%S}"


class PeriodicRun(models.Model):
    """When the scheduler last enqueued one periodic task (its dotted path), shared by every node: a restart or
    a take-over by another node continues the schedule instead of starting it again (pmip.ops.scheduler)."""

    task = models.CharField(max_length=200, primary_key=True)
    last_enqueued_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "定时任务运行记录"

    def __str__(self) -> str:
        return f"{self.task} last enqueued {self.last_enqueued_at:%Y-%m-%d %H:%M:%S}"


class AccountSession(AbstractBaseSession):
    """A session (Django's database sessions: key, encoded data, expiry) that also names its logged-in account, so
    that one statement reads the session and the account on every request (pmip.ops.sessions.SessionStore) instead
    of two. The account column is written from the session's own `_auth_user_id` whenever the session is saved;
    revocation is unchanged (log-out deletes the row, timeouts and 退出所有设备 end it, the auth hash is checked)."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = verbose_name_plural = "会话"

    @classmethod
    def get_session_store_class(cls):
        from importlib import import_module

        return import_module(settings.SESSION_ENGINE).SessionStore  # pmip.ops.sessions
