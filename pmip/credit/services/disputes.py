"""异议: the subject disputes an entry (异议处理中 at once); the issuing office upholds or withdraws it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import NotFound, ValidationFailed
from pmip.credit import scoring, selectors
from pmip.credit.choices import DisputeState, EntryStatus
from pmip.credit.models import CreditDispute, CreditEntry
from pmip.credit.services.common import _office_label, _text
from pmip.credit.services.risk import _refresh_subject
from pmip.identity.models import ScopeLevel
from pmip.identity.scopes import is_city, roles_of
from pmip.notifications.services import notify


def _store_attachment(upload) -> str:
    """Store the file in STORAGES["credit_attachments"] (private: never served publicly) with a random name;
    returns the stored name."""
    import secrets
    from pathlib import Path

    from pmip.core import stored_files

    suffix = Path(upload.name or "").suffix.lower()
    relative = f"credit/disputes/{clock.today():%Y/%m}/{secrets.token_hex(16)}{suffix}"
    return stored_files.save("credit_attachments", relative, upload)


def file_dispute(*, actor, entry_id: int, reasons: str, attachment=None) -> CreditDispute:
    """异议: the subject disputes an entry; it shows 异议处理中 at once."""
    text = _text(reasons, field="reasons", label="异议理由", max_length=1000, required=True)
    if attachment is not None:
        if attachment.size > 5 * 1024 * 1024:
            raise ValidationFailed("附件不能超过5MB。", field="attachment")
        name = (attachment.name or "").lower()
        if not name.endswith((".pdf", ".jpg", ".jpeg", ".png")):
            raise ValidationFailed("附件只能是 PDF、JPG 或 PNG。", field="attachment")
    with transaction.atomic():
        entry = (
            CreditEntry.objects.select_for_update(of=("self",))
            .select_related("subject")
            .filter(pk=entry_id)
            .first()
        )
        if entry is None or not selectors.is_own(actor, entry.subject):
            raise NotFound()
        if entry.status == EntryStatus.WITHDRAWN:
            raise ValidationFailed("该信息已撤销，无需提出异议。")
        if entry.status == EntryStatus.DISPUTED:
            raise ValidationFailed("该信息的异议正在处理中。")
        policy = scoring.get_policy()
        dispute = CreditDispute(
            entry=entry,
            filed_by=actor,
            reasons=text,
            filed_at=clock.now(),
            deadline=clock.today() + dt.timedelta(days=policy.dispute_days),
        )
        if attachment is not None:
            dispute.attachment_name = _text(
                attachment.name, field="attachment", label="附件名", max_length=120
            )
            dispute.stored_name = _store_attachment(attachment)
        dispute.save()
        entry.status = EntryStatus.DISPUTED
        entry.save(update_fields=["status"])
        record(
            actor=actor,
            action="credit.dispute.filed",
            obj=dispute,
            project_id=entry.subject.project_id,
            data={"entry_id": entry.pk},
        )
    return dispute


def _may_decide(actor, entry: CreditEntry) -> bool:
    if is_city(actor):
        return True
    return entry.issuer_district_id is not None and any(
        r.level == ScopeLevel.DISTRICT and r.district_id == entry.issuer_district_id for r in roles_of(actor)
    )


def decide_dispute(*, actor, dispute_id: int, uphold: bool, note: str) -> CreditDispute:
    """The issuing office upholds the entry (back to 有效) or withdraws it (已撤销, no longer counted)."""
    text = _text(note, field="note", label="处理意见", max_length=1000, required=True)
    with transaction.atomic():
        dispute = (
            CreditDispute.objects.select_for_update(of=("self",))
            .select_related("entry", "entry__subject", "entry__subject__project")
            .filter(pk=dispute_id)
            .first()
        )
        if dispute is None or not _may_decide(actor, dispute.entry):
            raise NotFound()
        _office_label(actor)  # a read-only role in scope reads the dispute but decides nothing
        if dispute.state != DisputeState.PENDING:
            raise ValidationFailed("该异议已处理。")
        entry = dispute.entry
        dispute.state = DisputeState.UPHELD if uphold else DisputeState.WITHDRAWN
        dispute.decided_by = actor
        dispute.decided_at = clock.now()
        dispute.decision_note = text
        dispute.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        entry.status = EntryStatus.ACTIVE if uphold else EntryStatus.WITHDRAWN
        entry.save(update_fields=["status"])
        record(
            actor=actor,
            action="credit.dispute.upheld" if uphold else "credit.dispute.withdrawn",
            obj=dispute,
            project_id=entry.subject.project_id,
            data={"entry_id": entry.pk},
        )
        notify(
            recipient=dispute.filed_by,
            kind="credit.dispute_decided",
            title="您的信用异议已处理",
            body=f"“{entry.title[:60]}”：{'维持原信息' if uphold else '已撤销该信息'}。",
            link="/credit/mine/",
        )
        _refresh_subject(entry.subject)
    return dispute
