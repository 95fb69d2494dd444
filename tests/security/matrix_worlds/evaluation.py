"""Access-matrix world: the victim's evaluation of the project's 物业管理处 with the property company's reply
(through the evaluation services), and the period and kind of the public ranking and open data."""

from __future__ import annotations

from pmip.evaluation import services
from pmip.evaluation.choices import SubjectKind, Target
from pmip.identity.models import ScopeLevel
from pmip.registry.models import Project
from tests.decisions import factories as f


def build(*, project: Project, owner) -> dict[str, object]:
    """`owner`: a bound, verified owner of `project`, which has a property company."""
    items = services.active_items(Target.OFFICE)
    evaluation = services.submit_evaluation(
        actor=owner,
        project_id=project.pk,
        target=Target.OFFICE,
        stars=2,
        item_stars={item.pk: 2 for item in items},
        comment="陈受害的评价意见",
    )
    manager = f.staff("victim_manager", level=ScopeLevel.COMPANY, company=project.company, can_edit=True)
    services.reply_to_evaluation(actor=manager, evaluation_id=evaluation.pk, body="物业公司的回复")
    return {
        "evaluation": evaluation.pk,
        "project_id": project.pk,
        "target": Target.OFFICE,
        "period": evaluation.period,
        "ranking_kind": SubjectKind.PROJECT,
    }
