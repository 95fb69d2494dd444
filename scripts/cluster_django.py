"""The Django-side steps of the cluster test (scripts/cluster.py runs `python scripts/cluster_django.py STEP ARGS`
with the cluster's environment; the last stdout line is JSON)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

TITLE = "集群演练通知"
PREFIX = "cluster_owner_"


def setup(owners: int, matters: int) -> dict:
    """A project with `owners` bound, verified owners (one unit each, a WeChat openid each), a meeting open for voting
    now with `matters` questions, and an owner session + CSRF token for each."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils.crypto import get_random_string

    from pmip.core import clock
    from pmip.core.idnumbers import make_mainland_number
    from pmip.decisions import services
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
    from pmip.ops.sessions import SessionStore  # settings.SESSION_ENGINE: sessions with their account
    from pmip.registry.models import Building, District, Project, Subdistrict, TitleRecord, Unit

    now = clock.now()
    district, _ = District.objects.get_or_create(code="440398", defaults={"name": "演练区"})
    sub = Subdistrict.objects.create(district=district, name="演练街道")
    project = Project.objects.create(
        code="440398001",
        name="演练花园",
        address="深圳市演练区演练街道1号",
        district=district,
        subdistrict=sub,
    )
    building = Building.objects.create(project=project, number="1", floors=30)
    units = Unit.objects.bulk_create(
        [
            Unit(
                project=project,
                building=building,
                number=f"{i + 1:04d}",
                floor=1,
                area=Decimal("80.00") + i % 50,
            )
            for i in range(owners)
        ]
    )
    accounts = Account.objects.bulk_create(
        [
            Account(username=f"{PREFIX}{i:05d}", kind=AccountKind.OWNER, mobile=f"+86136{i:08d}", password="!",
                    wechat_openid=f"o-cluster-{i:05d}")
            for i in range(owners)
        ]
    )  # fmt: skip
    identities, titles = [], []
    for i, (account, unit) in enumerate(zip(accounts, units, strict=True)):
        number = make_mainland_number("440304", dt.date(1961, 1, 1) + dt.timedelta(days=i), i % 1000)
        identity = OwnerIdentity(
            account=account, holder_name=f"演练业主{i}", mobile=account.mobile, agreement_accepted_at=now,
            verification=VerificationMethod.FACE, verified_at=now, created_at=now, updated_at=now,
        )  # fmt: skip
        identity.set_id_number("mainland", number)
        identities.append(identity)
        title = TitleRecord(
            unit=unit, holder_name=f"演练业主{i}", share=Decimal("1"), registered_on=dt.date(2015, 6, 1)
        )
        title.set_id_number("mainland", number)
        titles.append(title)
    OwnerIdentity.objects.bulk_create(identities)
    titles = TitleRecord.objects.bulk_create(titles)
    HouseBinding.objects.bulk_create(
        [
            HouseBinding(
                account=a, unit=u, project=project, title_record=t, status=BindingStatus.ACTIVE, bound_at=now
            )
            for a, u, t in zip(accounts, units, titles, strict=True)
        ]
    )
    convener = Account.objects.create_user(username="cluster_convener", password=None, kind=AccountKind.STAFF)
    StaffRole.objects.create(account=convener, level=ScopeLevel.COMMITTEE, project=project, can_edit=True)
    starts, ends = now - dt.timedelta(hours=1), now + dt.timedelta(hours=6)
    with clock.frozen(now - dt.timedelta(days=20)):
        meeting = services.create_meeting(
            actor=convener, project_id=project.pk, convener_kind="committee", title="集群演练表决",
            voting_starts_at=starts, voting_ends_at=ends,
        )  # fmt: skip
        for k in range(matters):
            services.add_matter(actor=convener, meeting_id=meeting.pk, title=f"演练议题{k + 1}", item=9)
        services.upload_publicity_file(
            actor=convener, meeting_id=meeting.pk, kind="meeting_notice", title="会议通知",
            upload=SimpleUploadedFile("n.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
        )  # fmt: skip
        services.publish_notice(actor=convener, meeting_id=meeting.pk)
    with clock.frozen(starts):
        try:
            services.open_voting(actor=convener, meeting_id=meeting.pk)
        except services.MeetingStateError:
            # The start is already past, so a worker's advance_meetings (or the task publish_notice deferred to the
            # start) may open the meeting first; that is the same opening, not a failure.
            meeting.refresh_from_db()
            if meeting.state != "open":
                raise
    sessions = []
    for account, unit in zip(accounts, units, strict=True):
        store = SessionStore()
        store["_auth_user_id"] = str(account.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = account.get_session_auth_hash()
        store.create()
        sessions.append({"session": store.session_key, "csrf": get_random_string(32), "unit": unit.pk})
    return {
        "meeting": meeting.pk,
        "matters": list(meeting.matters.order_by("order").values_list("pk", flat=True)),
        "sessions": sessions,
    }


def fanout(batch: int, pause: str = "0.1") -> dict:
    """notify() every drill owner, `batch` per transaction, retrying a batch (without duplicating) when the database
    goes away (fail-over)."""
    from django.db import connection, transaction
    from django.db.utils import Error as DbError

    from pmip.identity.models import Account
    from pmip.notifications.models import Notification
    from pmip.notifications.services import notify

    ids = list(
        Account.objects.filter(username__startswith=PREFIX).order_by("pk").values_list("pk", flat=True)
    )
    done, retries = 0, 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        while True:
            try:
                with transaction.atomic():
                    have = set(
                        Notification.objects.filter(recipient_id__in=chunk, title=TITLE).values_list(
                            "recipient_id", flat=True
                        )
                    )
                    for account in Account.objects.filter(pk__in=[pk for pk in chunk if pk not in have]):
                        notify(recipient=account, kind="delegation.granted", title=TITLE, body="集群演练：消息扇出。",
                               data={"project": "演练花园", "party": "演练业主"})  # fmt: skip
                done += len(chunk)
                break
            except DbError:
                retries += 1
                connection.close()
                time.sleep(0.5)
        time.sleep(float(pause))
    return {"notified": done, "retries": retries}


def work_left() -> dict:
    """What the workers still have to do: messages to deliver, and audit entries to seal (the periodic sealer)."""
    from pmip.audit import chain
    from pmip.notifications.models import OutboxMessage

    unsealed, _ = chain.unsealed()
    left = OutboxMessage.objects.filter(notification__title=TITLE).exclude(state="sent").count()
    return {"left": left + unsealed, "outbox": left, "unsealed": unsealed}


def verify(meeting_id: int, acknowledged_file: str, standin_log: str) -> dict:
    from django_tasks_db.models import DBTaskResult

    from pmip.audit import chain
    from pmip.decisions.models import Ballot, Meeting
    from pmip.decisions.selectors import count_discrepancies
    from pmip.notifications.models import Notification, OutboxMessage

    meeting = Meeting.objects.get(pk=meeting_id)
    acknowledged = set(json.loads(Path(acknowledged_file).read_text()))
    ballots = list(Ballot.objects.filter(meeting=meeting).values_list("receipt", "matter_id", "owner_token"))
    receipts = {r for r, _, _ in ballots}
    pairs = Counter((m, o) for _, m, o in ballots)
    outbox = OutboxMessage.objects.filter(notification__title=TITLE)
    keys = set(outbox.values_list("idempotency_key", flat=True))
    calls: Counter = Counter()
    path = Path(standin_log)
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            key = json.loads(line)["client_msg_id"]
            if key in keys:
                calls[key] += 1
    notes = Counter(Notification.objects.filter(title=TITLE).values_list("recipient_id", flat=True))
    tasks = Counter(DBTaskResult.objects.values_list("status", flat=True))
    claims = Counter(len(w or []) for w in DBTaskResult.objects.values_list("worker_ids", flat=True))
    audit = chain.verify()  # sealed by the cluster's own workers, across the fail-over
    return {
        "audit": "ok"
        if audit.ok and not audit.unsealed
        else f"{audit.reason or 'unsealed'} ({audit.unsealed})",
        "audit_entries": audit.checked,
        "stored": len(ballots),
        "lost": len(acknowledged - receipts),
        "duplicates": sum(n - 1 for n in pairs.values() if n > 1)
        + sum(n - 1 for n in notes.values() if n > 1),
        "counters": "exact" if not count_discrepancies(meeting) else "WRONG",
        "notifications": len(notes),
        "outbox_total": len(keys),
        "outbox_undelivered": outbox.exclude(state="sent").count() + sum(1 for k in keys if calls[k] == 0),
        "outbox_duplicates": sum(n - 1 for n in calls.values() if n > 1),
        "tasks": dict(tasks),
        "tasks_claimed_more_than_once": sum(n for k, n in claims.items() if k > 1),
    }


if __name__ == "__main__":
    step, args = sys.argv[1], sys.argv[2:]
    steps = {"setup": setup, "fanout": fanout, "work_left": work_left, "verify": verify}
    converted = [int(a) if a.isdigit() else a for a in args]
    print(json.dumps(steps[step](*converted), ensure_ascii=False))
