"""Fan-out (群发): one event told to many accounts without doing the work in the request.

1. The business service calls `record_broadcast()` inside its own transaction. That writes one `Broadcast` row
   (unique `key` per event: recording the same event again is a no-op) and, on commit, enqueues `expand_broadcast`.
2. The task expands the audience in batches (`PMIP_FANOUT_BATCH`, default 500 recipients) in account-id order. Each
   batch is one short transaction: the broadcast row is locked, the next ids after `cursor` are resolved, one
   inbox item + one `BroadcastRecipient` (unique per event + recipient: the idempotency record) + the outbox rows are
   bulk-inserted, `cursor` advances, commit. A crash loses at most the uncommitted batch, which is redone; a batch
   can never be written twice (cursor under the row lock, and the unique constraint behind it).
3. Outbox rows are spread over one-second slots per channel so that bulk sending stays within the configured
   provider rate (`PMIP_NOTIFY_RATES`, messages per second per channel); each slot's rows are handed to one
   `deliver_outbox_batch` task that runs at the slot's time. Delivery itself is the outbox's (exactly once per row).
4. `resume_broadcasts` (periodic) re-enqueues any expansion whose heartbeat is older than
   `PMIP_FANOUT_STALL_SECONDS` (a worker died mid-way).

Audiences are named resolvers that domains register (`register_audience`): `resolver(params) -> QuerySet` of
accounts (any filter; ordering and slicing are done here). Domains own who is told; this module owns how.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet

from pmip.audit.services import record
from pmip.core import background, clock
from pmip.core.conf import pmip_settings
from pmip.notifications import templates
from pmip.notifications.choices import Channel, OutboxState
from pmip.notifications.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastState,
    ChannelPreference,
    ChannelSlot,
    Notification,
    OutboxMessage,
)
from pmip.notifications.services import (
    BODY_MAX,
    KIND_RE,
    LINK_MAX,
    TITLE_MAX,
    _refuse_id_numbers,
    idempotency_key,
)

if TYPE_CHECKING:  # the user model's type only: notifications sits below identity (it is given accounts)
    from pmip.identity.models import Account

Resolver = Callable[[dict[str, Any]], "QuerySet[Account]"]
_AUDIENCES: dict[str, Resolver] = {}
DEFAULT_RATES = {Channel.WECHAT_TEMPLATE: 200, Channel.SMS: 50}


def register_audience(name: str, resolver: Resolver) -> None:
    """Register (or replace, on reload) the resolver of an audience name."""
    _AUDIENCES[name] = resolver


def audience(name: str) -> Resolver:
    try:
        return _AUDIENCES[name]
    except KeyError as exc:
        raise ValueError(f"unknown audience {name!r}") from exc


# --- settings -------------------------------------------------------------------------------------------------


def batch_size() -> int:
    return max(1, min(pmip_settings().fanout_batch, 5000))


def task_budget_seconds() -> float:
    """How long one expansion task works before handing over to a fresh task (keeps tasks short)."""
    return pmip_settings().fanout_task_seconds


def lead_seconds() -> float:
    """How far ahead of the providers' rate an expansion may run (`PMIP_FANOUT_LEAD_SECONDS`, default 30): beyond
    that it pauses, so a city-wide event does not take the workers and the database from the web pages to write
    messages that could not be sent for minutes anyway."""
    return pmip_settings().fanout_lead_seconds


def stall_after() -> dt.timedelta:
    return dt.timedelta(seconds=pmip_settings().fanout_stall_seconds)


def rate(channel: str) -> int:
    """Messages per second the provider allows for `channel` (settings `PMIP_NOTIFY_RATES`)."""
    rates = {**DEFAULT_RATES, **pmip_settings().notify_rates}
    return max(1, int(rates.get(channel, 10)))


# --- record ---------------------------------------------------------------------------------------------------


def record_broadcast(
    *,
    key: str,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    data: dict[str, Any] | None = None,
    audience_name: str,
    params: dict[str, Any] | None = None,
    project_id: int | None = None,
) -> tuple[Broadcast, bool]:
    """Record an event to tell an audience, inside the business transaction. Returns (broadcast, created).

    The same `key` again returns the existing row and does nothing (exactly once per event). Checks everything that
    would make every recipient's message fail (kind, lengths, link, template data, ID numbers) before writing.
    """
    if not transaction.get_connection().in_atomic_block:
        raise ValueError("record_broadcast() must be called inside the business transaction")
    if not key or len(key) > 120:
        raise ValueError("bad broadcast key")
    if not KIND_RE.fullmatch(kind or ""):
        raise ValueError(f"bad notification kind {kind!r}")
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > TITLE_MAX or len(body) > BODY_MAX:
        raise ValueError("消息标题或内容长度不符合要求。")
    if link and (not link.startswith("/") or link.startswith("//") or len(link) > LINK_MAX):
        raise ValueError("消息链接必须是本站内的相对地址。")
    audience(audience_name)
    _refuse_id_numbers(title, body, link, data)
    spec = templates.spec_for(kind)
    if spec is not None and spec.wechat is not None:
        templates.wechat_data(spec.wechat, fixed=spec.fixed, data=data, at=clock.now())
    existing = Broadcast.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    now = clock.now()
    broadcast = Broadcast.objects.create(
        key=key,
        kind=kind,
        title=title,
        body=body,
        link=link,
        data=data or {},
        audience=audience_name,
        audience_params=params or {},
        project_id=project_id,
        created_at=now,
        updated_at=now,
    )
    record(
        actor=None,
        action="notifications.broadcast.recorded",
        obj=broadcast,
        project_id=project_id,
        data={"key": key, "kind": kind, "audience": audience_name},
    )
    transaction.on_commit(functools.partial(_enqueue_expand, broadcast.pk), robust=True)
    return broadcast, True


# The tasks (pmip.notifications.tasks imports this module: they are named by path, not imported).
EXPAND_BROADCAST = "pmip.notifications.tasks.expand_broadcast"
DELIVER_OUTBOX_BATCH = "pmip.notifications.tasks.deliver_outbox_batch"


def _enqueue_expand(broadcast_id: int) -> None:
    background.enqueue(EXPAND_BROADCAST, broadcast_id)


# --- expand ---------------------------------------------------------------------------------------------------


def _reserve_slots(channel: str, count: int, now: dt.datetime) -> list[dt.datetime]:
    """Send times for `count` messages on `channel`: consecutive one-second slots of `rate(channel)` messages,
    after those already handed out. The slot row is locked for the rest of the (short) batch transaction."""
    per_second = rate(channel)
    slot, _ = ChannelSlot.objects.get_or_create(channel=channel, defaults={"next_free_at": now})
    slot = ChannelSlot.objects.select_for_update().get(pk=slot.pk)
    start = max(now, slot.next_free_at)
    seconds = math.ceil(count / per_second)
    slot.next_free_at = start + dt.timedelta(seconds=seconds)
    slot.save(update_fields=["next_free_at"])
    return [start + dt.timedelta(seconds=i // per_second) for i in range(count)]


def expand_batch(broadcast_id: int) -> int:
    """Expand the next batch of one broadcast. Returns how many recipients were added; 0 when it is finished
    (or another worker holds it: then that worker goes on)."""
    with transaction.atomic():
        broadcast = (
            Broadcast.objects.select_for_update(skip_locked=True)
            .filter(pk=broadcast_id)
            .exclude(state=BroadcastState.DONE)
            .first()
        )
        if broadcast is None:
            return 0
        now = clock.now()
        resolver = audience(broadcast.audience)
        ids = list(
            resolver(broadcast.audience_params)
            .filter(pk__gt=broadcast.cursor)
            .order_by("pk")
            .values_list("pk", flat=True)
            .distinct()[: batch_size()]
        )
        if not ids:
            broadcast.state = BroadcastState.DONE
            broadcast.finished_at = now
            broadcast.updated_at = now
            broadcast.save(update_fields=["state", "finished_at", "updated_at"])
            record(
                actor=None,
                action="notifications.broadcast.done",
                obj=broadcast,
                project_id=broadcast.project_id,
                data={"key": broadcast.key, "recipients": broadcast.recipients},
            )
            return 0
        # Defensive: ids already told (the cursor makes this empty unless rows were written outside it).
        told = set(
            BroadcastRecipient.objects.filter(broadcast=broadcast, account_id__in=ids).values_list(
                "account_id", flat=True
            )
        )
        new_ids = [i for i in ids if i not in told]
        added = _write_batch(broadcast, new_ids, now) if new_ids else 0
        broadcast.cursor = ids[-1]
        broadcast.recipients += added
        broadcast.state = BroadcastState.EXPANDING
        broadcast.updated_at = now
        broadcast.save(update_fields=["cursor", "recipients", "state", "updated_at"])
        return max(added, 1)


def _write_batch(broadcast: Broadcast, account_ids: list[int], now: dt.datetime) -> int:
    spec = templates.spec_for(broadcast.kind)
    accounts = list(get_user_model().objects.filter(pk__in=account_ids).only("pk", "wechat_openid", "mobile"))
    preferences = {
        p.account_id: p
        for p in ChannelPreference.objects.filter(account_id__in=account_ids).only(
            "account_id", "wechat", "sms"
        )
    }
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=a.pk,
                kind=broadcast.kind,
                title=broadcast.title,
                body=broadcast.body,
                link=broadcast.link,
                created_at=now,
            )
            for a in accounts
        ]
    )
    BroadcastRecipient.objects.bulk_create(
        [
            BroadcastRecipient(broadcast=broadcast, account_id=n.recipient_id, notification=n)
            for n in notifications
        ]
    )
    if spec is None:
        return len(notifications)
    wanted = _wanted_messages(spec, broadcast, notifications, accounts, preferences, now)
    for channel, rows in wanted.items():
        if not rows:
            continue
        times = _reserve_slots(channel, len(rows), now)
        messages = OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(
                    notification=n,
                    channel=channel,
                    payload=payload,
                    idempotency_key=idempotency_key(n, channel),
                    state=OutboxState.PENDING,
                    next_attempt_at=at,
                    dispatched_at=at,
                    created_at=now,
                    updated_at=now,
                )
                for (n, payload), at in zip(rows, times, strict=True)
            ]
        )
        by_slot: dict[dt.datetime, list[int]] = {}
        for message, at in zip(messages, times, strict=True):
            by_slot.setdefault(at, []).append(message.pk)
        for at, ids in by_slot.items():
            transaction.on_commit(functools.partial(_enqueue_delivery_batch, ids, at), robust=True)
    return len(notifications)


def _wanted_messages(
    spec: templates.KindSpec,
    broadcast: Broadcast,
    notifications: list[Notification],
    accounts: list,
    preferences: dict,
    now: dt.datetime,
) -> dict[str, list[tuple[Notification, dict]]]:
    """Per outside channel, the (notification, payload) pairs its recipients accept (WeChat by default, SMS only
    when opted in) and can receive (an openid, a mobile)."""
    by_account = {a.pk: a for a in accounts}
    wanted: dict[str, list[tuple[Notification, dict]]] = {Channel.WECHAT_TEMPLATE: [], Channel.SMS: []}
    wechat_payload = None
    if spec.wechat is not None:
        wechat_payload = {
            "template": spec.wechat.name,
            "data": templates.wechat_data(spec.wechat, fixed=spec.fixed, data=broadcast.data, at=now),
            "link": broadcast.link,
        }
    sms_payload = {"template": templates.SMS_TEMPLATE, "params": templates.sms_params(title=broadcast.title)}
    for n in notifications:
        account = by_account[n.recipient_id]
        preference = preferences.get(account.pk)
        accepts_wechat = preference.wechat if preference else True
        accepts_sms = preference.sms if preference else False
        if wechat_payload is not None and accepts_wechat and account.wechat_openid:
            wanted[Channel.WECHAT_TEMPLATE].append((n, wechat_payload))
        if spec.sms and accepts_sms and account.mobile:
            wanted[Channel.SMS].append((n, sms_payload))
    return wanted


def _enqueue_delivery_batch(message_ids: list[int], at: dt.datetime) -> None:
    later = at > clock.now() and background.can_defer(DELIVER_OUTBOX_BATCH)
    background.enqueue(DELIVER_OUTBOX_BATCH, message_ids, run_after=at if later else None)


def ahead_seconds() -> float:
    """How far the furthest channel's next free send slot is ahead of now (0 when sending keeps up)."""
    latest = ChannelSlot.objects.order_by("-next_free_at").values_list("next_free_at", flat=True).first()
    return max(0.0, (latest - clock.now()).total_seconds()) if latest else 0.0


def resume_delay() -> float:
    """Seconds to wait before expanding more: until the slots handed out are within the lead again."""
    return max(0.0, ahead_seconds() - lead_seconds())


def expand(broadcast_id: int, *, budget_seconds: float | None = None) -> bool:
    """Expand batches until the broadcast is finished (True), or the time budget is spent or the expansion has run
    `lead_seconds()` ahead of the providers' rate (False: go on later, after `resume_delay()`)."""
    budget = task_budget_seconds() if budget_seconds is None else budget_seconds
    started = time.monotonic()
    while True:
        if expand_batch(broadcast_id) == 0:
            return True
        if time.monotonic() - started >= budget or resume_delay() > 0:
            return False


def stalled_broadcasts() -> list[int]:
    """Broadcasts not finished whose expansion has not moved for `PMIP_FANOUT_STALL_SECONDS`."""
    cutoff = clock.now() - stall_after()
    return list(
        Broadcast.objects.exclude(state=BroadcastState.DONE)
        .filter(updated_at__lt=cutoff)
        .values_list("pk", flat=True)[:100]
    )
