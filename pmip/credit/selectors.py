"""Reads of 信用信息. `company_standing` is the one call other domains (tendering) use."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from pmip.core import clock
from pmip.core.errors import NotFound
from pmip.credit import scoring
from pmip.credit.choices import NATURAL_PERSONS, Category, DisputeState, EntryStatus, Polarity, SubjectKind
from pmip.credit.models import CreditDispute, CreditEntry, CreditSubject, RiskListing
from pmip.identity.models import ScopeLevel
from pmip.identity.scopes import is_city, roles_of


@dataclass(frozen=True)
class CompanyStanding:
    grade: str
    score: int
    on_risk_list: bool


def company_standing(company_id: int) -> CompanyStanding:
    """Credit grade and score of a property company today, and whether it is on the risk list.

    A company without a credit record stands at the base score of the policy (no entries)."""
    policy = scoring.get_policy()
    subject = CreditSubject.objects.filter(kind=SubjectKind.COMPANY, company_id=company_id).first()
    if subject is None:
        result = scoring.score_entries([], policy)
        return CompanyStanding(result.grade, result.score, False)
    result = scoring.subject_score(subject, policy)
    on_risk = RiskListing.objects.filter(subject=subject, left_on__isnull=True).exists()
    return CompanyStanding(result.grade, result.score, on_risk)


# --- public -------------------------------------------------------------------------------------------------------


def public_subjects(*, kind: str, query: str = "") -> QuerySet[CreditSubject]:
    qs = CreditSubject.objects.filter(kind=kind).select_related("company", "project")
    query = (query or "").strip()[:50]
    if query:
        qs = qs.filter(
            Q(name__icontains=query) | Q(project__name__icontains=query) | Q(company__credit_code=query)
        )
    return qs.order_by("name", "id")


def public_entries_q(subject: CreditSubject, policy=None) -> Q:
    """Entries anyone may see: withdrawn entries never; an owner's bad entries only in public categories."""
    q = ~Q(status=EntryStatus.WITHDRAWN)
    if subject.kind == SubjectKind.OWNER:
        policy = policy or scoring.get_policy()
        public = [c for c in policy.public_owner_categories if c in Category.values]
        q &= Q(polarity=Polarity.GOOD) | Q(category__in=public)
    return q


def is_own(actor, subject: CreditSubject) -> bool:
    """The data subject: the person's own log-in, or staff of the company."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if subject.account_id is not None and subject.account_id == actor.pk:
        return True
    return subject.kind == SubjectKind.COMPANY and any(
        r.level == ScopeLevel.COMPANY and r.company_id == subject.company_id for r in roles_of(actor)
    )


def may_see_all(actor, subject: CreditSubject) -> bool:
    return is_own(actor, subject) or office_may_manage(actor, subject)


def visible_entries(actor, subject: CreditSubject) -> QuerySet[CreditEntry]:
    qs = subject.entries.prefetch_related("disputes").order_by("-issued_on", "-id")
    if may_see_all(actor, subject):
        return qs
    return qs.filter(public_entries_q(subject))


def visible_score(actor, subject: CreditSubject, policy=None) -> scoring.Score:
    """Score, grade and 失信名单 mark as the actor may see them: from every entry for the subject and the offices in
    scope, from the public entries for anyone else — an owner's bad entries of a category the policy does not make
    public must not show through the score, its explanation (不良信息扣分) or the 失信名单 mark."""
    return scoring.score_entries(list(visible_entries(actor, subject)), policy or scoring.get_policy())


def get_subject(*, subject_id: int) -> CreditSubject:
    subject = CreditSubject.objects.select_related("company", "project").filter(pk=subject_id).first()
    if subject is None:
        raise NotFound("未找到该信用主体。")
    return subject


def blacklist() -> QuerySet[CreditSubject]:
    """失信名单 (public): subjects with a serious bad entry in validity that is not withdrawn and that is public (an
    owner's only in a category the policy makes public)."""
    today = clock.today()
    public = [c for c in scoring.get_policy().public_owner_categories if c in Category.values]
    serious = (
        CreditEntry.objects.filter(
            subject=OuterRef("pk"),
            polarity=Polarity.BAD,
            severity="serious",
            issued_on__lte=today,
            valid_until__gte=today,
        )
        .exclude(status=EntryStatus.WITHDRAWN)
        .filter(~Q(subject__kind=SubjectKind.OWNER) | Q(category__in=public))
    )
    return (
        CreditSubject.objects.filter(Exists(serious))
        .select_related("project", "company")
        .order_by("kind", "name")
    )


def risk_list(*, current_only: bool = True) -> QuerySet[RiskListing]:
    qs = RiskListing.objects.select_related("subject", "subject__project", "subject__company")
    if current_only:
        qs = qs.filter(left_on__isnull=True)
    return qs.order_by("-entered_on", "-id")


# --- offices ------------------------------------------------------------------------------------------------------


def office_district_ids(actor) -> set[int] | None:
    """None = city (all); a set of district ids for district offices; empty = none."""
    if is_city(actor):
        return None
    # a district role always names its district (StaffRole's check constraint)
    return {
        r.district_id for r in roles_of(actor) if r.level == ScopeLevel.DISTRICT and r.district_id is not None
    }


def office_may_manage(actor, subject: CreditSubject) -> bool:
    districts = office_district_ids(actor)
    if districts is None:
        return bool(roles_of(actor))
    if not districts:
        return False
    if subject.project is not None and subject.project.district_id in districts:
        return True
    if subject.company is not None:
        return subject.company.projects.filter(district_id__in=districts).exists()
    return False


def office_subjects(*, actor, kind: str = "", query: str = "") -> QuerySet[CreditSubject]:
    districts = office_district_ids(actor)
    qs = CreditSubject.objects.select_related("company", "project")
    if districts is not None:
        if not districts:
            return CreditSubject.objects.none()
        qs = qs.filter(
            Q(project__district_id__in=districts) | Q(company__projects__district_id__in=districts)
        ).distinct()
    if kind in SubjectKind.values:
        qs = qs.filter(kind=kind)
    query = (query or "").strip()[:50]
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.order_by("kind", "name", "id")


def office_disputes(*, actor, pending_only: bool = True) -> QuerySet[CreditDispute]:
    districts = office_district_ids(actor)
    qs = CreditDispute.objects.select_related("entry", "entry__subject")
    if districts is not None:
        qs = qs.filter(entry__issuer_district_id__in=districts)
    if pending_only:
        qs = qs.filter(state=DisputeState.PENDING)
    return qs.order_by("deadline", "id")


def own_subjects(*, actor) -> QuerySet[CreditSubject]:
    """The credit records the actor is the subject of (person log-in, or company staff)."""
    if not getattr(actor, "is_authenticated", False):
        return CreditSubject.objects.none()
    companies = [r.company_id for r in roles_of(actor) if r.level == ScopeLevel.COMPANY]
    return CreditSubject.objects.filter(
        Q(account=actor) | Q(kind=SubjectKind.COMPANY, company_id__in=companies)
    ).select_related("company", "project")


def is_person_kind(kind: str) -> bool:
    return kind in NATURAL_PERSONS
