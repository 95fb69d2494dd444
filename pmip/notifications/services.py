"""Writes of the notifications domain: notify, mark read, channel preferences, and outbox delivery.

Delivery is a transactional outbox. `notify()` writes the inbox item and one `OutboxMessage` per outside channel in
the caller's (business) transaction and asks for delivery only after that transaction commits. `deliver_message()`
(run by the `deliver_outbox` task) then:

1. claims the row in a short transaction (`SELECT … FOR UPDATE SKIP LOCKED`, then state `sending` with a lease
   until now + `PMIP_NOTIFY_LEASE_SECONDS`), and commits;
2. calls the channel with the row's idempotency key (WeChat `client_msg_id`; the SMS de-duplication key);
3. marks the row `sent` with the provider's message id — or `failed` with an exponential back-off, or `dead` after
   `PMIP_NOTIFY_MAX_ATTEMPTS` attempts or a permanent error.

A worker that dies between 2 and 3 leaves the row `sending`; once the lease has passed, `requeue_due()` (the
`deliver_pending` command / `sweep_outbox` task) hands it out again and the provider de-duplicates the second call
by the key, so the recipient gets one message. A `sent` row is never claimed again.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q

from pmip.audit.services import record
from pmip.core import background, clock
from pmip.core.conf import pmip_settings
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.core.idnumbers import check_character
from pmip.notifications import channels, templates
from pmip.notifications.choices import Channel, OutboxState
from pmip.notifications.models import ChannelPreference, Notification, OutboxMessage
from pmip.notifications.selectors import channel_preference_for

if TYPE_CHECKING:  # the user model's type only: notifications sits below identity (it is given accounts)
    from pmip.identity.models import Account

log = logging.getLogger(__name__)

KIND_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
TITLE_MAX = 100
BODY_MAX = 2000
LINK_MAX = 300
ERROR_MAX = 1000
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_CHANNEL_SUFFIX = {Channel.WECHAT_TEMPLATE: "wx", Channel.SMS: "sms"}


# --- settings -------------------------------------------------------------------------------------------------


def max_attempts() -> int:
    return int(pmip_settings().notify_max_attempts)


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=int(pmip_settings().notify_lease_seconds))


def redispatch_after() -> dt.timedelta:
    """How long a row handed to the task queue is left to it before the sweeper hands it out again."""
    return dt.timedelta(seconds=int(pmip_settings().notify_redispatch_seconds))


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try after `attempts` failed tries: base · 2^(attempts−1), capped."""
    base = int(pmip_settings().notify_retry_base_seconds)
    cap = int(pmip_settings().notify_retry_max_seconds)
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


# --- notify ---------------------------------------------------------------------------------------------------


def idempotency_key(notification: Notification, channel: str) -> str:
    """Deterministic per (notification, channel), and unique across databases because it is taken from the
    notification's random uuid rather than its row id. ≤ 32 letters, digits and '-', as WeChat's `client_msg_id`
    requires."""
    return f"{notification.uuid.hex[:24]}-{_CHANNEL_SUFFIX[Channel(channel)]}"


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple | set):
        for v in value:
            yield from _strings(v)


def _refuse_id_numbers(*values: Any) -> None:
    """18-character ID numbers (mainland, residence permits, 2023 foreign permanent-resident cards) never leave
    the platform in a message: refuse any checksum-valid one. Masked numbers (440***********123X) are fine."""
    for text in _strings(values):
        for match in _ID_LIKE.finditer(text):
            number = match.group(1).upper()
            if check_character(number[:17]) == number[17]:
                raise ValueError("消息内容不能包含证件号码。")


# The delivery task (pmip.notifications.tasks imports this module: the task is named by path, not imported).
DELIVER_OUTBOX = "pmip.notifications.tasks.deliver_outbox"


def _enqueue_delivery(message_id: int) -> None:
    background.enqueue(DELIVER_OUTBOX, message_id)


def notify(
    *,
    recipient: Account,
    kind: str,
    title: str,
    body: str,
    link: str = "",
    template: str | None = None,
    data: dict[str, Any] | None = None,
) -> Notification:
    """Put a message in `recipient`'s inbox and queue it for their outside channels.

    Must be called inside the business transaction that caused it: the inbox row, the outbox rows and the audit
    entry commit or roll back with the business change, and delivery is enqueued only on commit. No permission
    check: this is called by other services, which have checked theirs.

    `template` names the registry entry (`pmip.notifications.templates.KINDS`) to use instead of `kind`; `data`
    gives that template's named fields. Outbox rows: WeChat when the kind has a template, the account accepts
    WeChat (default) and has an openid; SMS when the kind allows it, the account opted in and has a mobile.

    Raises ValueError (a programming error, not a user error) when called outside a transaction, for a malformed
    kind, an empty or too-long title, a link that is not site-relative, template data that does not fit, or any
    text containing an ID number.
    """
    title, body = _checked_message(kind=kind, title=title, body=body, link=link, data=data)
    spec = templates.spec_for(template or kind)
    if template and spec is None:
        raise ValueError(f"no notification template {template!r}")
    now = clock.now()
    payloads = _channel_payloads(spec, recipient=recipient, title=title, link=link, data=data, now=now)
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, title=title, body=body, link=link, created_at=now
    )
    messages = [
        OutboxMessage.objects.create(
            notification=notification,
            channel=channel,
            payload=payload,
            idempotency_key=idempotency_key(notification, channel),
            next_attempt_at=now,
            dispatched_at=now,  # enqueued on commit, just below
            created_at=now,
            updated_at=now,
        )
        for channel, payload in payloads.items()
    ]
    record(
        actor=None,
        action="notifications.notification.created",
        obj=notification,
        data={"kind": kind, "recipient_id": recipient.pk, "channels": [m.channel for m in messages]},
    )
    for message in messages:
        transaction.on_commit(functools.partial(_enqueue_delivery, message.pk), robust=True)
    return notification


def _checked_message(
    *, kind: str, title: str, body: str, link: str, data: dict[str, Any] | None
) -> tuple[str, str]:
    """notify()'s checks before anything is built: (title, body) stripped; ValueError on a programming error."""
    if not transaction.get_connection().in_atomic_block:
        raise ValueError("notify() must be called inside the business transaction")
    if not KIND_RE.fullmatch(kind or ""):
        raise ValueError(f"bad notification kind {kind!r}")
    title = (title or "").strip()
    body = (body or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise ValueError(f"消息标题应为1至{TITLE_MAX}个字。")
    if len(body) > BODY_MAX:
        raise ValueError(f"消息内容不能超过{BODY_MAX}个字。")
    if link and (not link.startswith("/") or link.startswith("//") or len(link) > LINK_MAX):
        raise ValueError("消息链接必须是本站内的相对地址。")
    _refuse_id_numbers(title, body, link, data)
    return title, body


def _channel_payloads(
    spec: templates.KindSpec | None,
    *,
    recipient: Account,
    title: str,
    link: str,
    data: dict[str, Any] | None,
    now: dt.datetime,
) -> dict[str, dict]:
    """The outbox payload of each outside channel the kind has and the recipient accepts (none without a spec)."""
    payloads: dict[str, dict] = {}
    if spec is None:
        return payloads
    preference = channel_preference_for(account=recipient)
    if spec.wechat is not None:
        # Built (and checked) before anything is written, and whether or not it is sent, so a bad call fails
        # the same way for every recipient and leaves nothing behind.
        wechat_payload = {
            "template": spec.wechat.name,
            "data": templates.wechat_data(spec.wechat, fixed=spec.fixed, data=data, at=now),
            "link": link,
        }
        if preference.wechat and recipient.wechat_openid:
            payloads[Channel.WECHAT_TEMPLATE] = wechat_payload
    if spec.sms and preference.sms and recipient.mobile:
        payloads[Channel.SMS] = {
            "template": templates.SMS_TEMPLATE,
            "params": templates.sms_params(title=title),
        }
    return payloads


# --- inbox ----------------------------------------------------------------------------------------------------


def _require_account(actor) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录。")


def mark_read(*, actor: Account, notification_id: int) -> Notification:
    """Mark one of the actor's own messages read. Someone else's message does not exist for them (NotFound).

    Reading a message already read changes nothing and writes no audit entry.
    """
    _require_account(actor)
    with transaction.atomic():
        try:
            notification = Notification.objects.select_for_update().get(pk=notification_id, recipient=actor)
        except Notification.DoesNotExist as exc:
            raise NotFound("未找到该消息。") from exc
        if notification.read_at is None:
            notification.read_at = clock.now()
            notification.save(update_fields=["read_at"])
            record(actor=actor, action="notifications.notification.read", obj=notification)
    return notification


def mark_all_read(*, actor: Account) -> int:
    """Mark all of the actor's unread messages read; returns how many changed."""
    _require_account(actor)
    with transaction.atomic():
        count = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=clock.now())
        if count:
            record(actor=actor, action="notifications.notification.read_all", data={"count": count})
    return count


def set_channel_preference(*, actor: Account, wechat: bool, sms: bool) -> ChannelPreference:
    """The actor chooses their own outside channels. SMS needs a mobile on the account (ValidationFailed)."""
    _require_account(actor)
    if sms and not actor.mobile:
        raise ValidationFailed("请先绑定手机号，再开启短信通知。", field="sms")
    with transaction.atomic():
        preference, created = ChannelPreference.objects.select_for_update().get_or_create(account=actor)
        before = {"wechat": preference.wechat, "sms": preference.sms}
        preference.wechat = bool(wechat)
        preference.sms = bool(sms)
        preference.updated_at = clock.now()
        preference.save()
        after = {"wechat": preference.wechat, "sms": preference.sms}
        if created or after != before:
            record(
                actor=actor,
                action="notifications.preference.updated",
                obj=preference,
                data={"before": before, "after": after},
            )
    return preference


# --- delivery -------------------------------------------------------------------------------------------------


def _due_q(now: dt.datetime) -> Q:
    """Rows a worker may claim now: waiting ones whose time has come, and `sending` ones whose lease has passed."""
    waiting = Q(state__in=[OutboxState.PENDING, OutboxState.FAILED], next_attempt_at__lte=now)
    abandoned = Q(state=OutboxState.SENDING, sending_until__lt=now)
    return waiting | abandoned


def _claim(message_id: int) -> tuple[OutboxMessage, str] | str:
    """Short transaction: lock the row (skipping it if another worker holds it), check it is due, take a lease."""
    now = clock.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(_due_q(now), pk=message_id)
            .first()
        )
        if message is None:
            return "skipped"
        if message.attempts >= max_attempts():
            # Only a row abandoned mid-send gets here: its last allowed attempt was interrupted.
            _mark_dead(message, now=now, error=message.last_error or "发送中断，且已达到最大尝试次数。")
            return "dead"
        token = uuid.uuid4().hex
        message.state = OutboxState.SENDING
        message.sending_until = now + lease()
        message.claim_token = token
        message.attempts += 1
        message.updated_at = now
        message.save(update_fields=["state", "sending_until", "claim_token", "attempts", "updated_at"])
    return message, token


def _mark_dead(message: OutboxMessage, *, now: dt.datetime, error: str) -> None:
    message.state = OutboxState.DEAD
    message.sending_until = None
    message.last_error = error[:ERROR_MAX]
    message.updated_at = now
    message.save(update_fields=["state", "sending_until", "last_error", "updated_at"])
    record(
        actor=None,
        action="notifications.outbox.dead",
        obj=message,
        data={
            "channel": message.channel,
            "attempts": message.attempts,
            "notification_id": message.notification_id,
        },
    )
    log.warning("outbox %s dead after %s attempts: %s", message.pk, message.attempts, message.last_error)


def _mark_sent(message: OutboxMessage, *, provider_message_id: str) -> None:
    now = clock.now()
    with transaction.atomic():
        # Having been sent is a fact: record it whatever another worker did with the row meanwhile.
        updated = (
            OutboxMessage.objects.filter(pk=message.pk)
            .exclude(state=OutboxState.SENT)
            .update(
                state=OutboxState.SENT,
                sent_at=now,
                provider_message_id=provider_message_id[:128],
                sending_until=None,
                last_error="",
                updated_at=now,
            )
        )
        if updated:
            record(
                actor=None,
                action="notifications.outbox.sent",
                obj=message,
                data={
                    "channel": message.channel,
                    "attempts": message.attempts,
                    "notification_id": message.notification_id,
                },
            )


def _mark_failed(message: OutboxMessage, *, token: str, error: str, permanent: bool) -> str:
    now = clock.now()
    with transaction.atomic():
        current = (
            OutboxMessage.objects.select_for_update()
            .filter(pk=message.pk, state=OutboxState.SENDING, claim_token=token)
            .first()
        )
        if current is None:  # our lease passed and another worker owns the row now; it decides
            return "lost"
        if permanent or current.attempts >= max_attempts():
            _mark_dead(current, now=now, error=error)
            return "dead"
        current.state = OutboxState.FAILED
        current.sending_until = None
        current.last_error = error[:ERROR_MAX]
        current.next_attempt_at = now + backoff(current.attempts)
        current.updated_at = now
        fields = ["state", "sending_until", "last_error", "next_attempt_at", "updated_at"]
        if _task_backend_can_defer():
            # Backends that can defer (the database backend) get the retry now, for its time; with others the
            # sweeper hands it out once it is due.
            current.dispatched_at = current.next_attempt_at
            fields.append("dispatched_at")
            transaction.on_commit(
                functools.partial(_enqueue_retry, current.pk, current.next_attempt_at), robust=True
            )
        current.save(update_fields=fields)
    return "retry"


def _task_backend_can_defer() -> bool:
    return background.can_defer(DELIVER_OUTBOX)


def _enqueue_retry(message_id: int, run_after: dt.datetime) -> None:
    background.enqueue(DELIVER_OUTBOX, message_id, run_after=run_after)


def deliver_message(*, message_id: int) -> str:
    """Deliver one outbox row if it is due. Returns "sent", "retry", "dead", "skipped" (not due, already sent,
    or held by another worker) or "lost" (our lease ran out and another worker took the row over).
    Safe to run twice or concurrently for the same row.

    Exceptions that are not `Exception` (SystemExit, KeyboardInterrupt: the worker is stopping) propagate and
    leave the row `sending`; the sweeper hands it out again after the lease.
    """
    claimed = _claim(message_id)
    if isinstance(claimed, str):
        return claimed
    message, token = claimed
    message = OutboxMessage.objects.select_related("notification__recipient").get(pk=message.pk)
    try:
        provider_message_id = channels.get_sender(message.channel).send(message)
    except channels.PermanentDeliveryError as exc:
        return _mark_failed(message, token=token, error=str(exc), permanent=True)
    except Exception as exc:
        log.warning("outbox %s attempt %s failed: %s", message.pk, message.attempts, type(exc).__name__)
        return _mark_failed(message, token=token, error=f"{type(exc).__name__}: {exc}", permanent=False)
    _mark_sent(message, provider_message_id=provider_message_id)
    return "sent"


def requeue_due(*, limit: int = 500, inline: bool = False) -> int:
    """The sweeper: hand out every due row again (pending/failed whose time has come, `sending` past its lease).

    A row already handed to the task queue within `PMIP_NOTIFY_REDISPATCH_SECONDS` is left to it, so a busy
    worker's backlog is not multiplied every minute. Handing a row out twice is harmless anyway: only one worker
    can claim it. `inline=True` delivers in this process instead of enqueueing (when no worker runs), and then
    takes every due row. Returns how many rows were handed out.
    """
    now = clock.now()
    due = OutboxMessage.objects.filter(_due_q(now))
    if inline:
        ids = list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
        for message_id in ids:
            deliver_message(message_id=message_id)
        return len(ids)
    due = due.filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lte=now - redispatch_after()))
    ids = list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
    OutboxMessage.objects.filter(pk__in=ids).update(dispatched_at=now)
    for message_id in ids:
        _enqueue_delivery(message_id)
    return len(ids)
