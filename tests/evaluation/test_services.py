"""业主评价 services: who may evaluate, replacement within the period, tallies, replies, items and policy."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.evaluation import opendata, ranking, selectors, services
from pmip.evaluation.choices import SubjectKind, Target
from pmip.evaluation.models import Evaluation, EvaluationItem, PeriodTotal, Reply, Tally
from pmip.identity.models import OwnerIdentity, VerificationMethod
from pmip.notifications.models import Notification
from tests.evaluation.conftest import delegate_for
from tests.identity.factories_offline import owner_account

pytestmark = pytest.mark.django_db


def all_items(target, stars=4):
    return {i.pk: stars for i in EvaluationItem.objects.filter(target=target, active=True)}


def evaluate(actor, project, stars, *, target=Target.OFFICE, comment="", on_behalf_of=None):
    return services.submit_evaluation(
        actor=actor,
        project_id=project.pk,
        target=target,
        stars=stars,
        item_stars=all_items(target),
        comment=comment,
        on_behalf_of=on_behalf_of,
    )


def test_default_items_and_policy():
    assert [i.name for i in selectors.items(Target.OFFICE)] == [
        "服务态度",
        "环境卫生",
        "秩序维护",
        "设施维护",
        "收费公开",
    ]
    assert [i.name for i in selectors.items(Target.COMMITTEE)] == ["履职尽责", "公开透明", "沟通协调"]
    policy = services.get_policy()
    assert (policy.prior_weight, policy.min_count, policy.period_months) == (10, 5, 3)


def test_submit_counts_for_project_and_company(city, owners):
    project = city.projects["lianhua"]
    e = evaluate(owners[0], project, 5, comment="保洁很好")
    assert e.is_current and e.company == city.companies["wanjia"]
    assert e.evaluator_label == "李* · 1栋"
    period = services.current_period()
    t = Tally.objects.get(period=period, kind=SubjectKind.PROJECT, subject_id=project.pk)
    assert (t.count, t.total, t.s5, t.code) == (1, 5, 1, project.code)
    c = Tally.objects.get(period=period, kind=SubjectKind.COMPANY, subject_id=city.companies["wanjia"].pk)
    assert (c.count, c.total, c.code) == (1, 5, "91440300MA5F000001")
    assert AuditEntry.objects.filter(action="evaluation.submitted", object_id=str(e.pk)).exists()


def test_resubmit_in_period_replaces_and_keeps_history(city, owners):
    project = city.projects["lianhua"]
    first = evaluate(owners[0], project, 2)
    second = evaluate(owners[0], project, 5)
    first.refresh_from_db()
    assert not first.is_current and first.replaced_by == second
    assert Evaluation.objects.filter(owner=owners[0], is_current=True).count() == 1
    t = Tally.objects.get(kind=SubjectKind.PROJECT, subject_id=project.pk)
    assert (t.count, t.total, t.s2, t.s5) == (1, 5, 0, 1)
    total = PeriodTotal.objects.get(kind=SubjectKind.PROJECT)
    assert (total.count, total.total) == (1, 5)
    assert AuditEntry.objects.filter(action="evaluation.replaced").count() == 1
    assert selectors.own_evaluations(actor=owners[0]).count() == 2


def test_next_period_is_a_new_evaluation(city, owners):
    project = city.projects["lianhua"]
    with clock.frozen(dt.datetime(2026, 3, 30, 10, tzinfo=dt.UTC)):
        evaluate(owners[0], project, 3)
    with clock.frozen(dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)):
        evaluate(owners[0], project, 4)
    assert set(Evaluation.objects.filter(is_current=True).values_list("period", flat=True)) == {
        "2026Q1",
        "2026Q2",
    }


def test_unbound_unverified_and_delegated_owners_cannot_evaluate(city, owners):
    project = city.projects["lianhua"]
    stranger = owner_account("stranger")
    with pytest.raises(NotFound):
        evaluate(stranger, project, 5)
    OwnerIdentity.objects.filter(account=owners[1]).update(verification=VerificationMethod.NONE)
    with pytest.raises(PermissionDenied):
        evaluate(owners[1], project, 5)
    delegate = delegate_for(owners[2], project)
    with pytest.raises(PermissionDenied, match="委托期内"):
        evaluate(owners[2], project, 5)
    # the delegate evaluates instead, for the principal
    e = evaluate(delegate, project, 4)
    assert e.owner == owners[2] and e.submitted_by == delegate
    entry = AuditEntry.objects.get(action="evaluation.submitted", object_id=str(e.pk))
    assert entry.on_behalf_of == owners[2] and "王*" in entry.actor_label and "钱*" in entry.actor_label
    assert Evaluation.objects.filter(is_current=True).count() == 1


def test_bad_input_is_refused(city, owners):
    project = city.projects["lianhua"]
    for stars in (0, 6, "5.0", None, True):
        with pytest.raises(ValidationFailed):
            evaluate(owners[0], project, stars)
    with pytest.raises(ValidationFailed, match="请为"):
        services.submit_evaluation(
            actor=owners[0], project_id=project.pk, target=Target.OFFICE, stars=5, item_stars={}
        )
    with pytest.raises(ValidationFailed):
        evaluate(owners[0], project, 5, comment="好" * 501)
    with pytest.raises(ValidationFailed, match="业委会"):
        evaluate(owners[0], project, 5, target=Target.COMMITTEE)  # no committee yet
    assert not Evaluation.objects.exists() and not Tally.objects.exists()


def test_committee_evaluation_and_reply_by_committee(city, owners, committee, staff):
    project = city.projects["lianhua"]
    e = evaluate(owners[0], project, 4, target=Target.COMMITTEE, comment="公开及时")
    t = Tally.objects.get(kind=SubjectKind.COMMITTEE)
    assert t.code == f"{project.code}-{committee.pk}" and t.count == 1
    with pytest.raises(NotFound):
        services.reply_to_evaluation(actor=staff["company"], evaluation_id=e.pk, body="谢谢")
    reply = services.reply_to_evaluation(actor=staff["committee"], evaluation_id=e.pk, body="谢谢支持")
    assert reply.author_role == "业委会主任"


def test_reply_once_edit_24h_audited_and_notifies(city, owners, staff):
    project = city.projects["lianhua"]
    e = evaluate(owners[0], project, 2, comment="电梯常坏")
    with pytest.raises(NotFound):  # a company that does not serve the project
        services.reply_to_evaluation(actor=staff["futian"], evaluation_id=e.pk, body="x")
    start = clock.now()
    with clock.frozen(start):
        reply = services.reply_to_evaluation(actor=staff["company"], evaluation_id=e.pk, body="已安排维修")
    assert reply.author_role == "项目经理"
    assert Notification.objects.filter(recipient=owners[0], kind="evaluation.replied").count() == 1
    with pytest.raises(ValidationFailed):
        services.reply_to_evaluation(actor=staff["company"], evaluation_id=e.pk, body="再回复")
    with clock.frozen(start + dt.timedelta(hours=23)):
        services.edit_reply(actor=staff["company"], reply_id=reply.pk, body="已修好")
    assert Reply.objects.get().body == "已修好"
    with clock.frozen(start + dt.timedelta(hours=25)), pytest.raises(ValidationFailed):
        services.edit_reply(actor=staff["company"], reply_id=reply.pk, body="晚了")
    assert AuditEntry.objects.filter(action__startswith="evaluation.reply.").count() == 2
    with pytest.raises(ValidationFailed):
        services.reply_to_evaluation(actor=staff["company"], evaluation_id=e.pk, body="   ")


def test_items_and_policy_city_only(staff):
    with pytest.raises(PermissionDenied):
        services.save_item(actor=staff["futian"], target=Target.OFFICE, name="绿化养护")
    item = services.save_item(actor=staff["city"], target=Target.OFFICE, name="绿化养护", position=6)
    assert item in selectors.items(Target.OFFICE)
    with pytest.raises(ValidationFailed):
        services.save_item(actor=staff["city"], target=Target.OFFICE, name="绿化养护")
    services.save_item(
        actor=staff["city"], target=Target.OFFICE, name="绿化养护", active=False, item_id=item.pk
    )
    assert not EvaluationItem.objects.get(pk=item.pk).active
    with pytest.raises(PermissionDenied):
        services.update_policy(
            actor=staff["lianhua"], prior_weight=5, min_count=3, period_months=3, reply_edit_hours=24
        )
    with pytest.raises(ValidationFailed):
        services.update_policy(
            actor=staff["city"], prior_weight=5, min_count=0, period_months=3, reply_edit_hours=24
        )
    with pytest.raises(ValidationFailed):
        services.update_policy(
            actor=staff["city"], prior_weight=5, min_count=3, period_months=4, reply_edit_hours=24
        )
    policy = services.update_policy(
        actor=staff["city"], prior_weight=5, min_count=3, period_months=12, reply_edit_hours=48
    )
    assert (policy.prior_weight, policy.min_count, policy.period_months) == (5, 3, 12)
    assert AuditEntry.objects.filter(action="evaluation.policy.updated").exists()


def test_ranking_formula_and_ties(city, owners, staff):
    services.update_policy(
        actor=staff["city"], prior_weight=2, min_count=2, period_months=3, reply_edit_hours=24
    )
    lianhua, jinghua = city.projects["lianhua"], city.projects["jinghua"]
    evaluate(owners[0], lianhua, 5)
    evaluate(owners[1], lianhua, 3)
    evaluate(owners[2], lianhua, 4)
    other = [owner_account(f"j{i}") for i in range(2)]
    from tests.identity.factories_offline import mainland_owner

    j_owners = [
        mainland_owner(city, f"jo{i}", 40 + i, project_key="jinghua", unit=("1", u))
        for i, u in enumerate(["102", "201"])
    ]
    evaluate(j_owners[0], jinghua, 5)
    evaluate(j_owners[1], jinghua, 5)
    assert other  # unused accounts do not count
    period = services.current_period()
    r = ranking.ranking(period=period, kind=SubjectKind.PROJECT)
    c = Fraction(22, 5)
    s_l = (2 * c + 12) / 5
    s_j = (2 * c + 10) / 4
    assert r.global_mean == "4.40"
    assert [(row.code, row.rank, row.score) for row in r.ranked] == [
        (jinghua.code, 1, ranking.round2(s_j)),
        (lianhua.code, 2, ranking.round2(s_l)),
    ]
    # the ranking moves after a new evaluation (cache keyed by version)
    evaluate(owners[3], lianhua, 5)
    r2 = ranking.ranking(period=period, kind=SubjectKind.PROJECT)
    assert r2.total_count == 6
    companies = ranking.ranking(period=period, kind=SubjectKind.COMPANY)
    assert {row.code: row.count for row in companies.ranked} == {
        "91440300MA5F000001": 4,
        "91440300MA5F000002": 2,
    }


def test_published_ranking_equals_verifier_on_open_data(city, owners, committee):
    from pmip_verify import ranking as verify

    lianhua = city.projects["lianhua"]
    for i, owner in enumerate(owners):
        evaluate(owner, lianhua, [5, 4, 4, 3][i])
        evaluate(owner, lianhua, [5, 5, 4, 2][i], target=Target.COMMITTEE)
    period = services.current_period()
    for kind in SubjectKind.values:
        doc = opendata.scores_document(period=period, kind=kind)
        assert set(doc) == {"prior_weight", "min_count", "subjects"}
        assert verify(doc) == ranking.ranking(period=period, kind=kind).published()
