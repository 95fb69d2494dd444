"""Writes of 业主评价: submit (or replace) an evaluation, reply and edit a reply, edit items and the policy.

Each write checks permission, runs in one transaction, writes an audit entry in it, keeps the tallies (counts and
sums per subject and period) up to date in the same transaction, and notifies through the outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.db.models import F

from pmip.audit.services import record
from pmip.core import clock, public_cache
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.core.masking import mask_name
from pmip.core.text import clean_text
from pmip.delegation.models import Delegation
from pmip.delegation.selectors import acting_for, actor_label, owner_display_name, owner_may_vote
from pmip.evaluation import periods
from pmip.evaluation.choices import PERIOD_MONTHS_CHOICES, SubjectKind, Target
from pmip.evaluation.models import (
    COMMENT_MAX,
    ITEM_NAME_MAX,
    REPLY_MAX,
    Evaluation,
    EvaluationItem,
    EvaluationPolicy,
    ItemScore,
    ItemTally,
    PeriodTotal,
    Reply,
    Tally,
)
from pmip.identity.models import Account, AccountKind, BindingStatus, HouseBinding, OwnerIdentity, ScopeLevel
from pmip.identity.scopes import is_city, roles_of
from pmip.notifications.services import notify
from pmip.registry.models import Committee, Project

# Audit action codes of this domain, with their labels (for the audit registry).
ACTIONS = {
    "evaluation.submitted": "提交业主评价",
    "evaluation.replaced": "重新评价（替换本期评价）",
    "evaluation.reply.created": "回复业主评价",
    "evaluation.reply.updated": "修改评价回复",
    "evaluation.item.created": "新增评价项目",
    "evaluation.item.updated": "修改评价项目",
    "evaluation.policy.updated": "修改评价规则",
    "evaluation.demo.seeded": "生成业主评价与信用演示数据",
}

MAX_ITEMS = 20

# Free text shown to others (comments, replies, names, entries): the core cleaner with control characters dropped.
_text = partial(clean_text, required=False, strip_controls=True)

# The public cache namespace of the rankings' pages (pmip.evaluation.ranking): every change of a tally or of the
# policy invalidates it.
RANKING_CACHE = "evaluation-ranking"


def get_policy() -> EvaluationPolicy:
    policy, _ = EvaluationPolicy.objects.get_or_create(pk=1)
    return policy


def current_period(policy: EvaluationPolicy | None = None) -> str:
    policy = policy or get_policy()
    return periods.period_of(clock.today(), policy.period_months)


def _stars(value: object, *, what: str, field: str) -> int:
    if isinstance(value, bool):
        raise ValidationFailed(f"{what}请选择1到5星。", field=field)
    text = str(value).strip()
    try:
        stars = int(text)
    except ValueError:
        raise ValidationFailed(f"{what}请选择1到5星。", field=field) from None
    if text != str(stars) or not 1 <= stars <= 5:
        raise ValidationFailed(f"{what}请选择1到5星。", field=field)
    return stars


# --- who may evaluate -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """On whose behalf `actor` evaluates in `project`: the principal, and the delegation when acting as delegate."""

    principal: Account
    delegation: Delegation | None


def _verified(account) -> bool:
    identity = OwnerIdentity.objects.filter(account=account).first()
    return identity is not None and identity.is_verified


def standing(*, actor, project: Project, on_behalf_of: int | None = None) -> Standing:
    """Bound, verified owners evaluate for themselves unless a delegation is in force; a verified delegate
    evaluates instead of the principal (as for votes). Raises PermissionDenied / NotFound."""
    if not getattr(actor, "is_authenticated", False) or actor.kind != AccountKind.OWNER:
        raise PermissionDenied("请先以业主身份登录。")
    if on_behalf_of is None or on_behalf_of == actor.pk:
        bound = HouseBinding.objects.filter(
            account=actor, project=project, status=BindingStatus.ACTIVE
        ).exists()
        if not bound:
            delegations = acting_for(account=actor, project=project)
            if len(delegations) == 1 and on_behalf_of is None:
                return standing(actor=actor, project=project, on_behalf_of=delegations[0].owner_id)
            raise NotFound("您在本小区没有已绑定的房屋。")
        if not _verified(actor):
            raise PermissionDenied("请先完成业主身份认证（人脸识别或线下认证）后再评价。")
        if not owner_may_vote(account=actor, project=project):
            raise PermissionDenied("委托期内，您不能参与业主评价；如需自己评价，请先解除委托。")
        return Standing(actor, None)
    for delegation in acting_for(account=actor, project=project):
        if delegation.owner_id == on_behalf_of:
            if not _verified(delegation.owner):
                raise PermissionDenied("委托人尚未完成业主身份认证，暂不能评价。")
            return Standing(delegation.owner, delegation)
    raise NotFound("您不是该业主在本小区的被委托人，或委托已解除。")


def current_committee(project: Project) -> Committee | None:
    """The committee owners may evaluate: the latest one whose term has not ended."""
    return (
        Committee.objects.filter(project=project, term_end__gte=clock.today())
        .order_by("-term_start", "-id")
        .first()
    )


DEFAULT_ITEMS = {
    Target.OFFICE: ["服务态度", "环境卫生", "秩序维护", "设施维护", "收费公开"],
    Target.COMMITTEE: ["履职尽责", "公开透明", "沟通协调"],
}


def active_items(target: str) -> list[EvaluationItem]:
    """The active items of a target; the issue's defaults are created when the table is empty (a fresh database)."""
    if not EvaluationItem.objects.exists():
        for t, names in DEFAULT_ITEMS.items():
            for position, name in enumerate(names, start=1):
                EvaluationItem.objects.get_or_create(target=t, name=name, defaults={"position": position})
    return list(EvaluationItem.objects.filter(target=target, active=True).order_by("position", "id"))


# --- tallies ----------------------------------------------------------------------------------------------------


def _subjects(evaluation: Evaluation) -> list[tuple[str, int, str, str, int | None]]:
    """(kind, subject_id, code, name, project_id) of every ranked subject an evaluation counts for."""
    project = evaluation.project
    if evaluation.target == Target.OFFICE:
        company = evaluation.company
        assert company is not None  # an office evaluation names its company (constraint eval_target_object)
        return [
            (SubjectKind.PROJECT, project.pk, project.code, project.name, project.pk),
            (SubjectKind.COMPANY, company.pk, company.credit_code, company.name, None),
        ]
    committee = evaluation.committee
    assert committee is not None  # a committee evaluation names its committee (constraint eval_target_object)
    return [
        (
            SubjectKind.COMMITTEE,
            committee.pk,
            f"{project.code}-{committee.pk}",
            f"{project.name}{committee.get_kind_display()}",
            project.pk,
        )
    ]


def _apply(evaluation: Evaluation, scores: Mapping[int, int], sign: int) -> None:
    """Add (sign=1) or remove (sign=-1) one evaluation from the tallies of its subjects and period."""
    public_cache.invalidate(RANKING_CACHE)
    stars = evaluation.stars
    for kind, subject_id, code, name, project_id in _subjects(evaluation):
        tally, _ = Tally.objects.get_or_create(
            period=evaluation.period,
            kind=kind,
            subject_id=subject_id,
            defaults={"code": code, "name": name, "project_id": project_id},
        )
        Tally.objects.filter(pk=tally.pk).update(
            count=F("count") + sign,
            total=F("total") + sign * stars,
            **{f"s{stars}": F(f"s{stars}") + sign},
            name=name,
        )
        for item_id, item_stars in scores.items():
            it, _ = ItemTally.objects.get_or_create(
                period=evaluation.period, kind=kind, subject_id=subject_id, item_id=item_id
            )
            ItemTally.objects.filter(pk=it.pk).update(
                count=F("count") + sign, total=F("total") + sign * item_stars
            )
        total, _ = PeriodTotal.objects.get_or_create(period=evaluation.period, kind=kind)
        PeriodTotal.objects.filter(pk=total.pk).update(
            count=F("count") + sign, total=F("total") + sign * stars, version=F("version") + 1
        )


def _evaluator_label(principal, project: Project) -> str:
    binding = (
        HouseBinding.objects.filter(account=principal, project=project, status=BindingStatus.ACTIVE)
        .select_related("unit__building")
        .order_by("unit__building__number", "unit_id")
        .first()
    )
    building = f" · {binding.unit.building}" if binding is not None else ""
    return f"{mask_name(owner_display_name(principal))}{building}"[:60]


# --- submit -----------------------------------------------------------------------------------------------------


def submit_evaluation(
    *,
    actor,
    project_id: int,
    target: str,
    stars: object,
    item_stars: Mapping[int, object],
    comment: str = "",
    on_behalf_of: int | None = None,
) -> Evaluation:
    """我要评价: submit the overall stars, the stars of every active item of the target and an optional comment.

    Replaces the principal's current evaluation of the same object in the same period (the old one is kept)."""
    # Kept whole: one transaction: the current evaluation locked, its tallies undone, the new one's applied.
    if target not in Target.values:
        raise ValidationFailed("请选择评价对象：物业管理处或业委会。", field="target")
    overall = _stars(stars, what="总体评价", field="stars")
    text = _text(comment, field="comment", label="评价意见", max_length=COMMENT_MAX)
    if not isinstance(item_stars, Mapping) or len(item_stars) > MAX_ITEMS:
        raise ValidationFailed("评价项目不正确。")
    with transaction.atomic():
        project = Project.objects.select_related("company").filter(pk=project_id).first()
        if project is None:
            raise NotFound("未找到该小区。")
        who = standing(actor=actor, project=project, on_behalf_of=on_behalf_of)
        company = committee = None
        if target == Target.OFFICE:
            company = project.company
            if company is None:
                raise ValidationFailed("本小区未登记物业服务企业，暂不能评价物业管理处。")
        else:
            committee = current_committee(project)
            if committee is None:
                raise ValidationFailed("本小区尚未成立业主委员会（或任期已届满），暂不能评价业委会。")
        items = active_items(target)
        given: dict[int, object] = {}
        for key, value in item_stars.items():
            try:
                given[int(key)] = value
            except (TypeError, ValueError):
                raise ValidationFailed("评价项目不正确。") from None
        unknown = set(given) - {i.pk for i in items}
        if unknown:
            raise ValidationFailed("评价项目已更新，请刷新页面后重新评价。")
        scores: dict[int, int] = {}
        for item in items:
            if item.pk not in given:
                raise ValidationFailed(f"请为“{item.name}”评分。", field=f"item_{item.pk}")
            scores[item.pk] = _stars(given[item.pk], what=f"“{item.name}”", field=f"item_{item.pk}")
        policy = get_policy()
        period = current_period(policy)
        previous = (
            Evaluation.objects.select_for_update(of=("self",))  # not the nullable company/committee joins
            .select_related("project", "company", "committee")
            .filter(owner=who.principal, project=project, target=target, period=period, is_current=True)
            .first()
        )
        if previous is not None:
            old_scores = dict(previous.item_scores.values_list("item_id", "stars"))
            _apply(previous, old_scores, -1)
            previous.is_current = False
            previous.save(update_fields=["is_current"])
        evaluation = Evaluation.objects.create(
            owner=who.principal,
            submitted_by=actor,
            project=project,
            target=target,
            company=company,
            committee=committee,
            period=period,
            stars=overall,
            comment=text,
            evaluator_label=_evaluator_label(who.principal, project),
            submitted_at=clock.now(),
        )
        ItemScore.objects.bulk_create(
            [ItemScore(evaluation=evaluation, item_id=item_id, stars=s) for item_id, s in scores.items()]
        )
        _apply(evaluation, scores, 1)
        if previous is not None:
            previous.replaced_by = evaluation
            previous.save(update_fields=["replaced_by"])
        action = "evaluation.replaced" if previous is not None else "evaluation.submitted"
        data = {
            "target": target,
            "period": period,
            "stars": overall,
            "replaced": previous.pk if previous is not None else None,
        }
        if who.delegation is not None:
            record(
                actor=actor,
                on_behalf_of=who.principal,
                actor_label=actor_label(who.delegation),
                action=action,
                obj=evaluation,
                project_id=project.pk,
                data={**data, "delegation_id": who.delegation.pk},
            )
        else:
            record(actor=actor, action=action, obj=evaluation, data=data)
    return evaluation


# --- replies ----------------------------------------------------------------------------------------------------


def reply_role(actor, evaluation: Evaluation) -> str | None:
    """ "项目经理" for company staff of the project's company (office evaluations); "业委会主任" for the project's
    committee account (committee evaluations); None otherwise."""
    for role in roles_of(actor):
        if (
            evaluation.target == Target.OFFICE
            and role.level == ScopeLevel.COMPANY
            and role.company_id is not None
            and role.company_id in (evaluation.company_id, evaluation.project.company_id)
        ):
            return "项目经理"
        if (
            evaluation.target == Target.COMMITTEE
            and role.level == ScopeLevel.COMMITTEE
            and role.project_id == evaluation.project_id
        ):
            return "业委会主任"
    return None


def _reply_link() -> str:
    return "/evaluation/records/"


def reply_to_evaluation(*, actor, evaluation_id: int, body: str) -> Reply:
    text = _text(body, field="body", label="回复内容", max_length=REPLY_MAX, required=True)
    with transaction.atomic():
        evaluation = (
            Evaluation.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(pk=evaluation_id)
            .first()
        )
        if evaluation is None:
            raise NotFound()
        role = reply_role(actor, evaluation)
        if role is None:
            raise NotFound()
        if Reply.objects.filter(evaluation=evaluation).exists():
            raise ValidationFailed(
                "该评价已回复；每条评价只能回复一次，可在24小时内修改回复。", code="already_replied"
            )
        now = clock.now()
        reply = Reply.objects.create(
            evaluation=evaluation, author=actor, author_role=role, body=text, created_at=now, updated_at=now
        )
        record(
            actor=actor,
            action="evaluation.reply.created",
            obj=reply,
            project_id=evaluation.project_id,
            data={"evaluation_id": evaluation.pk},
        )
        notify(
            recipient=evaluation.owner,
            kind="evaluation.replied",
            title="您的业主评价收到回复",
            body=f"{evaluation.project.name}的{role}回复了您对{evaluation.get_target_display()}的评价。",
            link=_reply_link(),
        )
    return reply


def reply_editable_until(reply: Reply, policy: EvaluationPolicy | None = None) -> dt.datetime:
    policy = policy or get_policy()
    return reply.created_at + dt.timedelta(hours=policy.reply_edit_hours)


def edit_reply(*, actor, reply_id: int, body: str) -> Reply:
    text = _text(body, field="body", label="回复内容", max_length=REPLY_MAX, required=True)
    with transaction.atomic():
        reply = (
            Reply.objects.select_for_update(of=("self",))
            .select_related("evaluation__project")
            .filter(pk=reply_id)
            .first()
        )
        if reply is None or reply_role(actor, reply.evaluation) is None:
            raise NotFound()
        if reply.author_id != actor.pk:
            raise PermissionDenied("只能修改本人的回复。")
        if clock.now() > reply_editable_until(reply):
            raise ValidationFailed("回复已超过可修改时间，不能再修改。", code="reply_locked")
        reply.body = text
        reply.updated_at = clock.now()
        reply.save(update_fields=["body", "updated_at"])
        record(
            actor=actor,
            action="evaluation.reply.updated",
            obj=reply,
            project_id=reply.evaluation.project_id,
            data={"evaluation_id": reply.evaluation_id},
        )
    return reply


# --- items and policy (city) ------------------------------------------------------------------------------------


def _require_city(actor) -> None:
    if not is_city(actor) or not any(r.can_edit for r in roles_of(actor) if r.level == ScopeLevel.CITY):
        raise PermissionDenied("只有市级管理部门可以修改评价项目和评价规则。")


def save_item(
    *, actor, target: str, name: str, position: int = 0, active: bool = True, item_id: int | None = None
) -> EvaluationItem:
    _require_city(actor)
    if target not in Target.values:
        raise ValidationFailed("评价对象不正确。", field="target")
    text = _text(name, field="name", label="项目名称", max_length=ITEM_NAME_MAX, required=True)
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position <= 999:
        raise ValidationFailed("排序必须是0到999的整数。", field="position")
    with transaction.atomic():
        same_name = EvaluationItem.objects.filter(target=target, name=text)
        if item_id is not None:
            same_name = same_name.exclude(pk=item_id)
        if same_name.exists():
            raise ValidationFailed("评价项目名称重复。", field="name")
        if item_id is None:
            if EvaluationItem.objects.filter(target=target, active=True).count() >= MAX_ITEMS and active:
                raise ValidationFailed(f"每个评价对象最多{MAX_ITEMS}个启用的评价项目。")
            item = EvaluationItem.objects.create(
                target=target, name=text, position=position, active=bool(active)
            )
            action = "evaluation.item.created"
        else:
            found = EvaluationItem.objects.select_for_update().filter(pk=item_id).first()
            if found is None:
                raise NotFound()
            item = found
            if item.target != target:
                raise ValidationFailed("不能修改评价项目所属的评价对象。", field="target")
            item.name, item.position, item.active = text, position, bool(active)
            item.save(update_fields=["name", "position", "active"])
            action = "evaluation.item.updated"
        record(
            actor=actor,
            action=action,
            obj=item,
            data={"target": target, "name": text, "position": position, "active": bool(active)},
        )
    return item


def update_policy(
    *, actor, prior_weight: int, min_count: int, period_months: int, reply_edit_hours: int
) -> EvaluationPolicy:
    _require_city(actor)
    checks = (
        ("prior_weight", prior_weight, 0, 1000, "先验权重"),
        ("min_count", min_count, 1, 10000, "最少评价数"),
        ("reply_edit_hours", reply_edit_hours, 1, 720, "回复可修改小时数"),
    )
    for field, value, low, high, what in checks:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationFailed(f"{what}必须是{low}到{high}的整数。", field=field)
    if period_months not in dict(PERIOD_MONTHS_CHOICES):
        raise ValidationFailed("评价周期不正确。", field="period_months")
    with transaction.atomic():
        policy = get_policy()
        policy = EvaluationPolicy.objects.select_for_update().get(pk=policy.pk)
        before = {
            "prior_weight": policy.prior_weight,
            "min_count": policy.min_count,
            "period_months": policy.period_months,
            "reply_edit_hours": policy.reply_edit_hours,
        }
        policy.prior_weight = prior_weight
        policy.min_count = min_count
        policy.period_months = period_months
        policy.reply_edit_hours = reply_edit_hours
        policy.updated_at = clock.now()
        policy.updated_by = actor
        policy.save()
        public_cache.invalidate(RANKING_CACHE)
        record(
            actor=actor,
            action="evaluation.policy.updated",
            obj=policy,
            data={
                "before": before,
                "after": {
                    "prior_weight": prior_weight,
                    "min_count": min_count,
                    "period_months": period_months,
                    "reply_edit_hours": reply_edit_hours,
                },
            },
        )
    return policy


def rebuild_tallies(*, periods_: list[str] | None = None) -> int:
    """Recompute every tally from the current evaluations (after a bulk load, or to repair). Returns the rows.

    Runs in one transaction; the incremental updates of `submit_evaluation` produce the same rows."""
    # Kept whole: one transaction that empties the tallies and recounts them from the evaluations.
    from collections import defaultdict

    with transaction.atomic():
        public_cache.invalidate(RANKING_CACHE)
        qs = Evaluation.objects.filter(is_current=True).select_related("project", "company", "committee")
        if periods_:
            qs = qs.filter(period__in=periods_)
            for model in (Tally, ItemTally, PeriodTotal):
                model.objects.filter(period__in=periods_).delete()
        else:
            for model in (Tally, ItemTally, PeriodTotal):
                model.objects.all().delete()
        tallies: dict = {}
        items: dict = defaultdict(lambda: [0, 0])
        totals: dict = defaultdict(lambda: [0, 0, 0])
        scores = defaultdict(list)
        for evaluation_id, item_id, stars in ItemScore.objects.filter(evaluation__in=qs).values_list(
            "evaluation_id", "item_id", "stars"
        ):
            scores[evaluation_id].append((item_id, stars))
        for e in qs.iterator(chunk_size=2000):
            for kind, subject_id, code, name, project_id in _subjects(e):
                key = (e.period, kind, subject_id)
                t = tallies.get(key)
                if t is None:
                    t = tallies[key] = Tally(
                        period=e.period,
                        kind=kind,
                        subject_id=subject_id,
                        code=code,
                        name=name,
                        project_id=project_id,
                    )
                t.count += 1
                t.total += e.stars
                setattr(t, f"s{e.stars}", getattr(t, f"s{e.stars}") + 1)
                for item_id, stars in scores[e.pk]:
                    it = items[(e.period, kind, subject_id, item_id)]
                    it[0] += 1
                    it[1] += stars
                total = totals[(e.period, kind)]
                total[0] += 1
                total[1] += e.stars
                total[2] += 1
        Tally.objects.bulk_create(tallies.values(), batch_size=2000)
        ItemTally.objects.bulk_create(
            [
                ItemTally(period=p, kind=k, subject_id=s, item_id=i, count=c, total=t)
                for (p, k, s, i), (c, t) in items.items()
            ],
            batch_size=2000,
        )
        PeriodTotal.objects.bulk_create(
            [
                PeriodTotal(period=p, kind=k, count=c, total=t, version=v)
                for (p, k), (c, t, v) in totals.items()
            ]
        )
    return len(tallies)
