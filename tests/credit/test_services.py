"""信用信息: entries, score and grade, disputes, import, privacy, risk list and company_standing."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.core.errors import NotFound, PermissionDenied, ValidationFailed
from pmip.core.tables import ImportRejected
from pmip.credit import scoring, selectors, services
from pmip.credit.choices import Category, EntryStatus, Polarity, Severity, SubjectKind
from pmip.credit.models import CreditEntry, CreditSubject, RiskListing
from tests.identity.factories_offline import owner_account

pytestmark = pytest.mark.django_db


def company_subject(city, staff, key="wanjia"):
    return services.create_subject(
        actor=staff["city"], kind=SubjectKind.COMPANY, company_id=city.companies[key].pk
    )


def entry(staff, subject, polarity, points, *, severity="", who="city", days_ago=10, **kw):
    return services.add_entry(
        actor=staff[who],
        subject_id=subject.pk,
        polarity=polarity,
        severity=severity,
        title=kw.pop("title", "检查结果"),
        points=points,
        document_no="深住建〔2026〕1号",
        issued_on=clock.today() - dt.timedelta(days=days_ago),
        **kw,
    )


def test_company_standing_defaults_and_grades(city, staff):
    s = selectors.company_standing(city.companies["wanjia"].pk)
    assert (s.grade, s.score, s.on_risk_list) == ("A", 80, False)
    subject = company_subject(city, staff)
    entry(staff, subject, Polarity.GOOD, 15)
    entry(staff, subject, Polarity.GOOD, 10)  # capped at 20
    assert selectors.company_standing(city.companies["wanjia"].pk).score == 100
    assert selectors.company_standing(city.companies["wanjia"].pk).grade == "AAA"
    entry(staff, subject, Polarity.BAD, 12, severity=Severity.MINOR)
    s = selectors.company_standing(city.companies["wanjia"].pk)
    assert (s.score, s.grade) == (88, "AA")


def test_expired_entries_do_not_count(city, staff):
    subject = company_subject(city, staff)
    e = entry(staff, subject, Polarity.BAD, 30, severity=Severity.MINOR, days_ago=400)
    assert e.valid_until == e.issued_on + dt.timedelta(days=365)
    assert scoring.subject_score(subject).score == 80
    serious = entry(staff, subject, Polarity.BAD, 30, severity=Severity.SERIOUS)
    assert serious.valid_until == serious.issued_on + dt.timedelta(days=1095)
    assert subject in selectors.blacklist()
    assert RiskListing.objects.filter(subject=subject, left_on__isnull=True).exists()
    assert selectors.company_standing(city.companies["wanjia"].pk).on_risk_list


def test_only_offices_in_scope_enter(city, staff):
    subject = company_subject(city, staff, "anju")  # serves 景华苑 (futian) and 海岸城 (nanshan)
    with pytest.raises(PermissionDenied):
        entry(staff, subject, Polarity.GOOD, 1, who="lianhua")  # subdistrict office
    entry(staff, subject, Polarity.GOOD, 1, who="futian")
    with pytest.raises(ValidationFailed):
        entry(staff, subject, Polarity.BAD, 1)  # no severity
    with pytest.raises(ValidationFailed):
        entry(staff, subject, Polarity.GOOD, 101)


def test_read_only_offices_issue_nothing(city, staff):
    """A read-only role reads credit data in its scope but enters, decides and configures nothing (as in funds and
    tendering): the access matrix found a read-only city account adding an entry and withdrawing a dispute."""
    from pmip.identity.models import StaffRole

    subject = company_subject(city, staff)
    bad = entry(staff, subject, Polarity.BAD, 10, severity=Severity.GENERAL, who="futian")
    dispute = services.file_dispute(actor=staff["company"], entry_id=bad.pk, reasons="已整改完毕")
    StaffRole.objects.filter(account__in=[staff["futian"], staff["city"]]).update(can_edit=False)
    for who in ("futian", "city"):
        staff[who].__dict__.pop("_pmip_roles", None)  # roles are cached per request on the account
    entries, audit = CreditEntry.objects.count(), AuditEntry.objects.count()
    for who in ("futian", "city"):
        with pytest.raises(PermissionDenied, match="只读"):
            entry(staff, subject, Polarity.GOOD, 1, who=who)
        with pytest.raises(PermissionDenied, match="只读"):
            services.decide_dispute(actor=staff[who], dispute_id=dispute.pk, uphold=False, note="撤销")
        with pytest.raises(PermissionDenied, match="只读"):
            services.create_subject(
                actor=staff[who], kind=SubjectKind.COMPANY, company_id=city.companies["wanjia"].pk
            )
    with pytest.raises(PermissionDenied):
        services.update_policy(actor=staff["city"], values={}, public_owner_categories=[])
    bad.refresh_from_db()
    assert bad.status == EntryStatus.DISPUTED
    assert (CreditEntry.objects.count(), AuditEntry.objects.count()) == (entries, audit)


def test_dispute_flow_audited(city, staff):
    subject = company_subject(city, staff)
    bad = entry(staff, subject, Polarity.BAD, 10, severity=Severity.GENERAL, who="futian")
    with pytest.raises(NotFound):
        services.file_dispute(actor=staff["yuehai"], entry_id=bad.pk, reasons="不是我们")
    d = services.file_dispute(actor=staff["company"], entry_id=bad.pk, reasons="已整改完毕")
    bad.refresh_from_db()
    assert bad.status == EntryStatus.DISPUTED and d.deadline == clock.today() + dt.timedelta(days=15)
    with pytest.raises(ValidationFailed):
        services.file_dispute(actor=staff["company"], entry_id=bad.pk, reasons="再次")
    with pytest.raises(NotFound):
        services.decide_dispute(actor=staff["lianhua"], dispute_id=d.pk, uphold=False, note="x")
    services.decide_dispute(actor=staff["futian"], dispute_id=d.pk, uphold=False, note="核实后撤销")
    bad.refresh_from_db()
    assert bad.status == EntryStatus.WITHDRAWN
    assert scoring.subject_score(subject).score == 80
    actions = set(
        AuditEntry.objects.filter(action__startswith="credit.dispute").values_list("action", flat=True)
    )
    assert actions == {"credit.dispute.filed", "credit.dispute.withdrawn"}


def test_owner_bad_entry_private_unless_policy(city, staff):
    owner = owner_account("credit_owner", name="张三")
    subject = services.create_subject(
        actor=staff["city"], kind=SubjectKind.OWNER, name="张三", project_code="440304001", account=owner
    )
    entry(staff, subject, Polarity.BAD, 5, severity=Severity.MINOR, category=Category.ARREARS)
    assert selectors.visible_entries(None, subject).count() == 0
    assert selectors.visible_entries(owner, subject).count() == 1
    assert selectors.visible_entries(staff["city"], subject).count() == 1
    values = {f: getattr(scoring.get_policy(), f) for f in services.POLICY_FIELDS}
    services.update_policy(actor=staff["city"], values=values, public_owner_categories=["arrears"])
    assert selectors.visible_entries(None, subject).count() == 1
    assert subject.public_name == "张*"


def test_import_all_or_nothing(city, staff):
    header = "主体类型,名称,统一社会信用代码,物业项目编号,信息类型,严重程度,类别,标题,内容,分值,文书编号,发布日期,有效期至\n"
    good = "物业企业,,91440300MA5F000001,,良好信息,,表彰奖励,优秀物业项目,,5,深住建〔2026〕9号,2026-01-10,\n"
    person = (
        "项目负责人,李经理,,440304001,不良信息,一般,合同履约,未按合同维修,,8,深住建〔2026〕10号,2026-01-11,\n"
    )
    broken = "业主,王五,,999,不良信息,很严重,其他,x,,5,n,2026-13-01,\n"
    with clock.frozen(dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)):
        with pytest.raises(ImportRejected) as exc:
            services.import_entries(
                actor=staff["city"], file=io.BytesIO((header + good + broken).encode()), filename="c.csv"
            )
        assert [e.row for e in exc.value.errors] == [3]
        assert not CreditEntry.objects.exists() and not CreditSubject.objects.exists()
        n = services.import_entries(
            actor=staff["city"], file=io.BytesIO((header + good + person).encode()), filename="c.csv"
        )
    assert n == 2
    assert CreditSubject.objects.filter(kind=SubjectKind.PROJECT_LEADER, name="李经理").exists()
    assert AuditEntry.objects.filter(action="credit.entries.imported").count() == 1


def test_risk_list_leaves_after_clean_period(city, staff):
    subject = company_subject(city, staff)
    services.record_inspection_score(
        actor=staff["city"], subject_id=subject.pk, year=clock.today().year, score=40
    )
    listing = RiskListing.objects.get(subject=subject)
    assert "综合得分" in listing.reason
    services.record_inspection_score(
        actor=staff["city"], subject_id=subject.pk, year=clock.today().year, score=90
    )
    listing.refresh_from_db()
    assert listing.left_on is None and listing.clean_since == clock.today()
    services.refresh_risk_list(today=clock.today() + dt.timedelta(days=181))
    listing.refresh_from_db()
    assert listing.left_on is not None
    assert not selectors.company_standing(city.companies["wanjia"].pk).on_risk_list
