"""Access-matrix world: credit records entered by the victim district's office through the credit services — the
victim's property company (public), the victim as an owner with a bad entry of a category that is not public and a
pending dispute on it, and the project's 项目负责人 (a natural person: public with a masked name, never the phone)."""

from __future__ import annotations

from pmip.core import clock
from pmip.credit import services
from pmip.credit.choices import Category, Polarity, Severity, SubjectKind
from pmip.credit.models import CreditSubject
from pmip.identity.models import ScopeLevel
from pmip.registry.models import Project
from tests.decisions import factories as f

# What only the subject and the offices in scope may see: shown to nobody else, even on the public pages.
PRIVATE = ("陈受害", "欠缴物业费", "异议理由", "周经理", "13900001234", "13900005678")


def build(*, project: Project, owner) -> dict[str, object]:
    """`owner`: an owner account of `project`, which has a property company."""
    office = f.staff("victim_credit", level=ScopeLevel.DISTRICT, district=project.district, can_edit=True)
    today = clock.today()
    company = services.create_subject(actor=office, kind=SubjectKind.COMPANY, company_id=project.company_id)
    services.add_entry(
        actor=office, subject_id=company.pk, polarity=Polarity.GOOD, category=Category.AWARD,
        title="年度优秀物业服务企业", points=5, document_no="深南住建〔2026〕1号", issued_on=today,
    )  # fmt: skip
    person = services.create_subject(
        actor=office, kind=SubjectKind.OWNER, name="陈受害", project_code=project.code, account=owner
    )
    private = services.add_entry(
        actor=office, subject_id=person.pk, polarity=Polarity.BAD, severity=Severity.GENERAL,
        category=Category.ARREARS, title="欠缴物业费", points=10, document_no="深南住建〔2026〕2号",
        issued_on=today,
    )  # fmt: skip
    dispute = services.file_dispute(actor=owner, entry_id=private.pk, reasons="异议理由：已缴清")
    leader = services.create_subject(
        actor=office, kind=SubjectKind.PROJECT_LEADER, name="周经理", project_code=project.code,
        role="项目负责人", certificate_no="WY-2026-0001",
    )  # fmt: skip
    CreditSubject.objects.filter(pk=person.pk).update(phone="+8613900001234")
    CreditSubject.objects.filter(pk=leader.pk).update(phone="+8613900005678")
    return {
        "credit_company": company.pk,
        "credit_person": person.pk,
        "credit_leader": leader.pk,
        "credit_dispute": dispute.pk,
        "credit_code": project.company.credit_code,
    }
