"""Demo 业主评价 and 信用信息 for the demo city: `seed_demo_transparency(*, project_ids, seed)`.

Called by `demo_city` after the registry. Same seed, same data. For every project: evaluations of the 物业管理处
(and of the committee where one is in office) over the last three quarters by synthetic owner accounts (a few
projects stay under the ranking's min_count), replies from the project manager to some; then credit records of all
six subject types with good and bad entries, inspection scores, one dispute in progress, and the risk list refreshed.
Tallies are rebuilt from the evaluations at the end (the same rows the incremental updates produce).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Sequence

from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock
from pmip.credit.choices import Category, DisputeState, EntryStatus, Polarity, Severity, SubjectKind
from pmip.credit.models import CreditDispute, CreditEntry, CreditSubject, InspectionScore
from pmip.credit.services import _refresh_subject, default_validity
from pmip.evaluation import periods
from pmip.evaluation.choices import Target
from pmip.evaluation.models import Evaluation, EvaluationItem, ItemScore, Reply
from pmip.evaluation.services import current_committee, get_policy, rebuild_tallies
from pmip.identity.models import Account, AccountKind
from pmip.registry.models import CommitteeMember, Practitioner, Project, PropertyCompany
from pmip.registry.pinyin import initials

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
COMMENTS = [
    "保洁及时，小区环境干净。",
    "电梯维修响应慢，希望改进。",
    "保安巡逻认真，晚上很安心。",
    "收费标准公示清楚。",
    "绿化养护不到位，草坪有枯黄。",
    "",
    "",
    "客服态度很好，有问必答。",
]
REPLIES = [
    "感谢您的肯定，我们会继续努力。",
    "已安排工程部跟进处理，预计本周完成。",
    "已收到意见，将在月度例会上讨论改进。",
]


def _quarters(today: dt.date, n: int) -> list[tuple[str, dt.date]]:
    out = []
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(n):
        start = dt.date(year, 3 * (quarter - 1) + 1, 1)
        out.append((f"{year}Q{quarter}", start))
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
    return out


def seed_demo_transparency(*, project_ids: Sequence[int], seed: int) -> dict[str, int]:
    # Kept whole: one transaction in the fixed order of the seeded random draws (same seed, same data).
    counts: Counter[str] = Counter()
    now = clock.now()
    today = clock.today()
    policy = get_policy()
    with transaction.atomic():
        for company in PropertyCompany.objects.filter(name_initials="").only("pk", "name"):
            PropertyCompany.objects.filter(pk=company.pk).update(name_initials=initials(company.name))
        if Evaluation.objects.exists():
            return dict(counts)
        items = {t: list(EvaluationItem.objects.filter(target=t, active=True)) for t in Target.values}
        projects = list(
            Project.objects.filter(pk__in=list(project_ids)).select_related("company").order_by("pk")
        )
        quarters = (
            _quarters(today, 3) if policy.period_months == 3 else [(periods.period_of(today, 3), today)]
        )
        plans = []
        for index, project in enumerate(projects):
            rng = random.Random(f"{seed}:eval:{project.code}")
            committee = current_committee(project)
            quality = rng.choice([2.6, 3.4, 3.9, 4.3, 4.6])
            for q_index, (period, start) in enumerate(quarters):
                # every fourth project stays under min_count in the newest quarter
                n = (
                    rng.randint(1, policy.min_count - 1)
                    if index % 4 == 3 and q_index == 0
                    else rng.randint(6, 14)
                )
                for k in range(n):
                    stars = max(1, min(5, round(rng.gauss(quality, 0.9))))
                    day = start + dt.timedelta(days=rng.randint(0, 80))
                    at = dt.datetime.combine(min(day, today), dt.time(10, rng.randint(0, 59)), tzinfo=dt.UTC)
                    who = index * 20 + k
                    for target in (Target.OFFICE, Target.COMMITTEE):
                        if target == Target.OFFICE and project.company_id is None:
                            continue
                        if target == Target.COMMITTEE and (committee is None or rng.random() < 0.4):
                            continue
                        plans.append(
                            (who, project, target, committee, period, stars, at, rng.choice(COMMENTS), rng)
                        )
        wanted = sorted({plan[0] for plan in plans})
        Account.objects.bulk_create(
            [
                Account(
                    username=f"demo-eval-{who:05d}",
                    kind=AccountKind.OWNER,
                    password="!",
                    display_name="演示业主",
                )
                for who in wanted
            ],
            ignore_conflicts=True,
        )
        evaluators = {
            int(a.username.removeprefix("demo-eval-")): a
            for a in Account.objects.filter(username__in=[f"demo-eval-{w:05d}" for w in wanted])
        }
        created = []
        for who, project, target, committee, period, stars, at, comment, _rng in plans:
            created.append(
                Evaluation(
                    owner=evaluators[who],
                    submitted_by=evaluators[who],
                    project=project,
                    target=target,
                    company=project.company if target == Target.OFFICE else None,
                    committee=committee if target == Target.COMMITTEE else None,
                    period=period,
                    stars=stars,
                    comment=comment,
                    evaluator_label=f"{SURNAMES[who % len(SURNAMES)]}* · {1 + who % 6}栋",
                    submitted_at=at,
                )
            )
        Evaluation.objects.bulk_create(created, batch_size=2000)
        scores = []
        replies = []
        manager = _manager_account()
        for e, plan in zip(created, plans, strict=True):
            rng = plan[-1]
            for item in items[e.target]:
                scores.append(
                    ItemScore(
                        evaluation=e, item=item, stars=max(1, min(5, e.stars + rng.choice([-1, 0, 0, 1])))
                    )
                )
            if e.comment and e.target == Target.OFFICE and rng.random() < 0.5:
                replies.append(
                    Reply(
                        evaluation=e,
                        author=manager,
                        author_role="项目经理",
                        body=rng.choice(REPLIES),
                        created_at=e.submitted_at + dt.timedelta(hours=5),
                        updated_at=e.submitted_at + dt.timedelta(hours=5),
                    )
                )
        ItemScore.objects.bulk_create(scores, batch_size=5000)
        Reply.objects.bulk_create(replies, batch_size=2000)
        counts["业主评价"] = len(created)
        counts["评价回复"] = len(replies)
        counts["评价统计行"] = rebuild_tallies()
        counts.update(_credit(projects, seed, today, now))
        record(actor=None, action="evaluation.demo.seeded", data=dict(counts))
    return dict(counts)


def _manager_account() -> Account:
    # Looked up each time: a module-level cache outlives the database it came from (tests, flushes).
    account, _ = Account.objects.get_or_create(
        username="demo-reply-author", defaults={"kind": AccountKind.STAFF, "display_name": "演示项目经理"}
    )
    return account


def _credit(projects, seed: int, today: dt.date, now) -> Counter:
    # Kept whole: one pass in the fixed order of the seeded random draws (same seed, same data).
    counts: Counter[str] = Counter()
    rng = random.Random(f"{seed}:credit")
    author = _manager_account()
    subjects: list[CreditSubject] = []
    companies = {p.company_id: p.company for p in projects if p.company_id}
    for company in companies.values():
        subjects.append(
            CreditSubject.objects.create(kind=SubjectKind.COMPANY, name=company.name, company=company)
        )
    for p in Practitioner.objects.filter(project__in=projects, role="project_manager").select_related(
        "project"
    )[:50]:
        subjects.append(
            CreditSubject.objects.create(
                kind=SubjectKind.PROJECT_LEADER,
                name=p.name,
                project=p.project,
                role="项目负责人",
                certificate_no=p.certificate_no,
                company=p.company,
            )
        )
    roles = {
        "chair": SubjectKind.COMMITTEE_MEMBER,
        "member": SubjectKind.COMMITTEE_MEMBER,
        "executive_secretary": SubjectKind.EXECUTIVE_SECRETARY,
        "supervisor": SubjectKind.SUPERVISOR,
    }
    for m in CommitteeMember.objects.filter(committee__project__in=projects).select_related(
        "committee__project"
    )[:60]:
        kind = roles.get(m.role, SubjectKind.COMMITTEE_MEMBER)
        subjects.append(
            CreditSubject.objects.create(
                kind=kind, name=m.name, project=m.committee.project, role=m.get_role_display()
            )
        )
    for i, p in enumerate(projects[:6]):
        subjects.append(
            CreditSubject.objects.create(
                kind=SubjectKind.OWNER, name=f"{SURNAMES[i]}业主", project=p, role="业主"
            )
        )
    entries = []
    for s in subjects:
        for _ in range(rng.randint(0, 2)):
            issued = today - dt.timedelta(days=rng.randint(5, 500))
            entries.append(
                (
                    "good",
                    "",
                    Category.AWARD,
                    "年度优秀物业服务项目" if s.kind == "company" else "履职表现良好",
                    rng.randint(3, 10),
                    issued,
                    s,
                )
            )
        if rng.random() < 0.5:
            severity: str = rng.choice([Severity.MINOR, Severity.MINOR, Severity.GENERAL, Severity.SERIOUS])
            issued = today - dt.timedelta(days=rng.randint(5, 300))
            category = Category.ARREARS if s.kind == SubjectKind.OWNER else Category.CONTRACT
            entries.append(
                (
                    "bad",
                    severity,
                    category,
                    "未按合同约定履行维修义务" if s.kind != "owner" else "拖欠物业服务费",
                    {"minor": 5, "general": 12, "serious": 25}[severity],
                    issued,
                    s,
                )
            )
    objs = []
    for polarity, severity, category, title, points, issued, s in entries:
        objs.append(
            CreditEntry(
                subject=s,
                polarity=polarity,
                severity=severity,
                category=category,
                title=title,
                points=points,
                issuer="深圳市住房和建设局",
                document_no=f"深住建信〔{issued:%Y}〕{rng.randint(1, 999)}号",
                issued_on=issued,
                valid_until=default_validity(polarity, severity, issued),
                created_by=author,
                created_at=now,
            )
        )
    CreditEntry.objects.bulk_create(objs)
    counts["信用信息"] = len(objs)
    counts["信用主体"] = len(subjects)
    bad = [e for e in objs if e.polarity == Polarity.BAD and e.subject.kind == SubjectKind.COMPANY]
    if bad:
        e = bad[0]
        e.status = EntryStatus.DISPUTED
        e.save(update_fields=["status"])
        CreditDispute.objects.create(
            entry=e,
            filed_by=author,
            reasons="已按整改通知完成维修，申请撤销。",
            filed_at=now,
            deadline=today + dt.timedelta(days=15),
            state=DisputeState.PENDING,
        )
        counts["异议处理中"] = 1
    year = today.year
    for s in subjects:
        if s.kind in (SubjectKind.COMPANY, SubjectKind.PROJECT_LEADER):
            InspectionScore.objects.create(
                subject=s,
                year=year,
                score=rng.choice([45, 58, 72, 81, 88, 93]),
                issuer="深圳市住房和建设局",
                recorded_at=now,
            )
            _refresh_subject(s, today)
    from pmip.credit.models import RiskListing

    counts["风险名单"] = RiskListing.objects.filter(left_on__isnull=True).count()
    return counts
