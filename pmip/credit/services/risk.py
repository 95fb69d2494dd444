"""Office inspection scores and the risk list (风险名单): a company or project leader enters on a serious bad entry
or a combined score under the threshold, and leaves after `risk_clean_days` clean days."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import NotFound, ValidationFailed
from pmip.credit import scoring
from pmip.credit.choices import SubjectKind
from pmip.credit.models import CreditSubject, InspectionScore, RiskListing
from pmip.credit.services.common import _office_label, _require_manage


def record_inspection_score(*, actor, subject_id: int, year: int, score: int) -> InspectionScore:
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        raise ValidationFailed("考核得分必须是0到100的整数。", field="score")
    if not isinstance(year, int) or not 2000 <= year <= clock.today().year:
        raise ValidationFailed("年度不正确。", field="year")
    with transaction.atomic():
        subject = CreditSubject.objects.select_related("project", "company").filter(pk=subject_id).first()
        if subject is None:
            raise NotFound()
        _require_manage(actor, subject)
        if subject.kind not in (SubjectKind.COMPANY, SubjectKind.PROJECT_LEADER):
            raise ValidationFailed("只有物业企业和项目负责人有主管部门考核得分。")
        issuer, _ = _office_label(actor)
        item, _ = InspectionScore.objects.update_or_create(
            subject=subject,
            year=year,
            defaults={"score": score, "issuer": issuer, "recorded_at": clock.now()},
        )
        record(
            actor=actor,
            action="credit.inspection.recorded",
            obj=item,
            project_id=subject.project_id,
            data={"year": year, "score": score},
        )
        _refresh_subject(subject)
    return item


def _risk_reason(subject: CreditSubject, policy) -> str:
    result = scoring.subject_score(subject, policy)
    if result.serious:
        return "存在严重不良信息"
    combined = scoring.combined_score(subject, policy).combined
    if combined is not None and combined < policy.risk_threshold:
        return f"综合得分 {scoring.fmt(combined)} 低于 {policy.risk_threshold}"
    return ""


def _refresh_subject(subject: CreditSubject, today: dt.date | None = None) -> None:
    """Enter or leave the risk list (companies and project leaders); call inside the transaction."""
    if subject.kind not in (SubjectKind.COMPANY, SubjectKind.PROJECT_LEADER):
        return
    today = today or clock.today()
    policy = scoring.get_policy()
    reason = _risk_reason(subject, policy)
    listing = RiskListing.objects.select_for_update().filter(subject=subject, left_on__isnull=True).first()
    if reason and listing is None:
        listing = RiskListing.objects.create(subject=subject, reason=reason, entered_on=today)
        record(
            actor=None,
            action="credit.risk.entered",
            obj=listing,
            project_id=subject.project_id,
            data={"subject_id": subject.pk, "reason": reason},
        )
    elif reason and listing is not None and listing.clean_since is not None:
        listing.clean_since = None
        listing.save(update_fields=["clean_since"])
    elif not reason and listing is not None:
        if listing.clean_since is None:
            listing.clean_since = today
            listing.save(update_fields=["clean_since"])
        if (today - listing.clean_since).days >= policy.risk_clean_days:
            listing.left_on = today
            listing.save(update_fields=["left_on"])
            record(
                actor=None,
                action="credit.risk.left",
                obj=listing,
                project_id=subject.project_id,
                data={"subject_id": subject.pk},
            )


def refresh_risk_list(today: dt.date | None = None) -> int:
    """The daily pass (periodic task): every company and project leader. Returns how many are on the list."""
    for subject in (
        CreditSubject.objects.filter(Q(kind=SubjectKind.COMPANY) | Q(kind=SubjectKind.PROJECT_LEADER))
        .select_related("project", "company")
        .iterator()
    ):
        with transaction.atomic():
            _refresh_subject(subject, today)
    return RiskListing.objects.filter(left_on__isnull=True).count()
