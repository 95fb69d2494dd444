"""Reads of 业主评价, scoped to the actor: owners see the projects where they are a bound owner or a delegate;
staff see evaluations of projects in their scope; rankings and open data are public."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from pmip.core.errors import NotFound
from pmip.decisions.selectors import owner_project_ids
from pmip.delegation.selectors import acting_for
from pmip.evaluation import periods
from pmip.evaluation.choices import SubjectKind, Target
from pmip.evaluation.models import Evaluation, EvaluationItem, ItemScore, ItemTally, PeriodTotal, Reply, Tally
from pmip.evaluation.rounding import round2
from pmip.evaluation.services import current_committee, current_period, get_policy
from pmip.identity.scopes import project_q
from pmip.registry.models import Project


def owner_projects(*, actor) -> list[Project]:
    ids = owner_project_ids(actor=actor)
    if not ids:
        return []
    return list(Project.objects.filter(pk__in=ids).select_related("company").order_by("name", "code"))


def get_owner_project(*, actor, project_id: int) -> Project:
    if project_id not in owner_project_ids(actor=actor):
        raise NotFound("未找到该小区，或您不是该小区的业主或被委托人。")
    return Project.objects.select_related("company", "district", "subdistrict").get(pk=project_id)


@dataclass(frozen=True)
class Targets:
    office: bool
    committee: object | None


def targets(project: Project) -> Targets:
    return Targets(office=project.company_id is not None, committee=current_committee(project))


def principals(*, actor, project: Project) -> list:
    """Delegations through which the actor evaluates in the project (for the 代业主 choice)."""
    return acting_for(account=actor, project=project)


def _with_details(qs: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    scores = Prefetch(
        "item_scores", queryset=ItemScore.objects.select_related("item").order_by("item__position")
    )
    return qs.select_related("project", "reply").prefetch_related(scores)


def project_evaluations(*, project: Project, target: str, period: str | None = None) -> QuerySet[Evaluation]:
    """评价详情: current evaluations of one object of a project, newest first (all periods unless given)."""
    qs = Evaluation.objects.filter(project=project, target=target, is_current=True)
    if period:
        qs = qs.filter(period=period)
    return _with_details(qs).order_by("-submitted_at", "-id")


def own_evaluations(*, actor) -> QuerySet[Evaluation]:
    """评价记录: the evaluations the actor made or that were made for the actor, replaced ones included."""
    if not getattr(actor, "is_authenticated", False):
        return Evaluation.objects.none()
    return _with_details(
        Evaluation.objects.filter(owner=actor) | Evaluation.objects.filter(submitted_by=actor)
    ).order_by("-submitted_at", "-id")


def subject_of(project: Project, target: str) -> tuple[str, int] | None:
    if target == Target.OFFICE:
        return (SubjectKind.PROJECT, project.pk)
    committee = current_committee(project)
    return (SubjectKind.COMMITTEE, committee.pk) if committee is not None else None


@dataclass(frozen=True)
class ObjectStats:
    period: str
    tally: Tally | None
    items: list[tuple[str, str]]  # (item name, average "4.20")


def object_stats(*, project: Project, target: str, period: str) -> ObjectStats:
    """评价统计: star distribution and item averages, from the tallies."""
    from fractions import Fraction

    subject = subject_of(project, target)
    if subject is None:
        return ObjectStats(period, None, [])
    kind, subject_id = subject
    tally = Tally.objects.filter(period=period, kind=kind, subject_id=subject_id).first()
    items = [
        (t.item.name, round2(Fraction(t.total, t.count)))
        for t in ItemTally.objects.filter(
            period=period, kind=kind, subject_id=subject_id, count__gt=0
        ).select_related("item")
    ]
    return ObjectStats(period, tally, items)


def available_periods(*, kind: str | None = None) -> list[str]:
    qs = PeriodTotal.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    found = set(qs.values_list("period", flat=True))
    found.add(current_period())
    return sorted(found, reverse=True)


def default_period(kind: str) -> str:
    """The newest period with evaluations of the kind, else the current one."""
    latest = (
        PeriodTotal.objects.filter(kind=kind, count__gt=0)
        .order_by("-period")
        .values_list("period", flat=True)
    )
    return latest.first() or current_period()


def parse_period(value: str | None, kind: str) -> str:
    if value and periods.is_valid(value):
        return value
    return default_period(kind)


def items(target: str | None = None) -> QuerySet[EvaluationItem]:
    qs = EvaluationItem.objects.all()
    if target:
        qs = qs.filter(target=target)
    return qs.order_by("target", "position", "id")


def staff_evaluations(
    *, actor, target: str | None = None, unreplied: bool = False, project_code: str = ""
) -> QuerySet[Evaluation]:
    """Evaluations of projects in the staff account's scope, current ones, newest first."""
    q = project_q(actor, prefix="project__")
    if q is None:
        return Evaluation.objects.none()
    qs = Evaluation.objects.filter(q, is_current=True)
    if target in Target.values:
        qs = qs.filter(target=target)
    if unreplied:
        qs = qs.filter(reply__isnull=True)
    if project_code:
        qs = qs.filter(project__code=project_code)
    return _with_details(qs).order_by("-submitted_at", "-id")


def get_staff_evaluation(*, actor, evaluation_id: int) -> Evaluation:
    evaluation = staff_evaluations(actor=actor).filter(pk=evaluation_id).first()
    if evaluation is None:
        raise NotFound()
    return evaluation


def reply_of(evaluation: Evaluation) -> Reply | None:
    try:
        return evaluation.reply
    except Reply.DoesNotExist:
        return None


def policy():
    return get_policy()
