"""Demo maintenance-fund and common-fund data for the demo city: `seed_demo_funds(*, project_ids, seed)`.

Called by the `demo_city` command after the registry is loaded. For every listed project that has no fund data yet:
- 首期 for every unit (area × cost standard by lift × 2 %, the platform defaults), dated at the project's delivery;
- 日常 for the last `months` months before the demo reference date (area × monthly rate);
- one quarter's interest, received into the pool and allocated to the sub-ledgers pro rata to balance (largest
  remainders, exactly like `allocate_interest`);
- in about half of the projects one or two repairs charged to a building (some large enough to bring units below
  the replenishment line), with their shares;
- for projects whose owners' assembly has a data-sharing bank: a common-fund account, a few months of flows
  (advertising, parking, a large outflow that gets a published large-transfer disclosure);
- for every project a published quarterly report (the last quarter ended before the reference date) with a few
  lines.

Same seed, same data (each project draws from `random.Random(f"{seed}:{project code}")`). Maintained balances are
computed in Python and written with the entries (reconcile() finds no difference). Bulk writes: COPY on
PostgreSQL, bulk_create elsewhere; one transaction; one audit entry `funds.demo.seeded`. Projects that already have
ledger entries are skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.display import format_money
from pmip.core.money import CENT
from pmip.funds.apportion import Weighted, area_weight, from_fen, largest_remainder, to_fen
from pmip.funds.choices import (
    DisclosureKind,
    DisclosureStatus,
    EntryKind,
    EntrySource,
    FlowDirection,
    FlowSource,
    RepairScopeKind,
    RepairStatus,
    ReportSection,
    ReportStatus,
)
from pmip.funds.ledger import figure_deltas
from pmip.funds.models import (
    ZERO,
    BankFlow,
    BuildingBalance,
    CommonFundAccount,
    Disclosure,
    LedgerEntry,
    ProjectBalance,
    QuarterlyReport,
    Repair,
    RepairShare,
    ReportLine,
    UnitBalance,
    mask_counterparty,
)
from pmip.funds.policy import platform_policy
from pmip.registry.models import OwnersAssembly, Project, Unit

try:  # the demo city's fixed "today", so demo data never depends on the clock
    from pmip.demo.specs import REFERENCE_DATE
except ImportError:  # pragma: no cover
    REFERENCE_DATE = dt.date(2026, 11, 1)

CHUNK = 50
BATCH = 5_000
_ENTRY_COLUMNS = (
    "project_id",
    "building_id",
    "unit_id",
    "kind",
    "category",
    "amount",
    "occurred_on",
    "period",
    "source",
    "reference",
    "batch",
    "repair_id",
    "reversal_of_id",
    "memo",
    "calc",
    "posted_at",
    "posted_by_id",
)
_FIGURES = UnitBalance.FIGURES


def _month_end(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1) - dt.timedelta(days=1)


def _months_before(reference: dt.date, n: int) -> list[dt.date]:
    """Month-ends of the n full months before `reference`, oldest first."""
    out = []
    day = reference.replace(day=1) - dt.timedelta(days=1)
    for _ in range(n):
        out.append(day)
        day = day.replace(day=1) - dt.timedelta(days=1)
    return list(reversed(out))


class _Writer:
    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def entries(self, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.postgres:
            by_attname = {f.attname: f.column for f in LedgerEntry._meta.concrete_fields}
            cols = ", ".join(f'"{by_attname[c]}"' for c in _ENTRY_COLUMNS)
            sql = f'COPY "{LedgerEntry._meta.db_table}" ({cols}) FROM STDIN'
            calc_at = _ENTRY_COLUMNS.index("calc")
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    row = list(row)
                    row[calc_at] = json.dumps(row[calc_at], ensure_ascii=False)
                    copy.write_row(row)
            return
        # Elsewhere (SQLite): executemany with each value prepared by its field, which is what bulk_create does
        # without building a model instance and an SQL compiler per row (several times faster for demo volumes).
        fields = {f.attname: f for f in LedgerEntry._meta.concrete_fields}
        prepared = [fields[c] for c in _ENTRY_COLUMNS]
        cols = ", ".join(connection.ops.quote_name(f.column) for f in prepared)
        marks = ", ".join(["%s"] * len(prepared))
        table = connection.ops.quote_name(LedgerEntry._meta.db_table)
        sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608 (identifiers from the model, values bound)
        with connection.cursor() as cursor:
            for start in range(0, len(rows), BATCH):
                cursor.executemany(
                    sql,
                    [
                        [
                            field.get_db_prep_save(value, connection)
                            for field, value in zip(prepared, row, strict=True)
                        ]
                        for row in rows[start : start + BATCH]
                    ],
                )


def seed_demo_funds(*, project_ids: Sequence[int], seed: int, months: int = 3) -> dict[str, int]:
    """Seed demo fund data for the given projects (see the module docstring). Returns counts."""
    # Kept whole: one transaction seeding chunk by chunk in the fixed order of the seeded random draws.
    counts: Counter[str] = Counter()
    writer = _Writer()
    now = clock.now()
    policy = platform_policy()
    with transaction.atomic():
        has_data = set(
            LedgerEntry.objects.filter(project_id__in=list(project_ids))
            .values_list("project_id", flat=True)
            .distinct()
        )
        projects = list(
            Project.objects.filter(pk__in=[p for p in project_ids if p not in has_data]).order_by("code")
        )
        counts["projects_skipped"] = len(has_data)
        banks = dict(
            OwnersAssembly.objects.filter(project__in=projects, bank_account_bank__isnull=False).values_list(
                "project_id", "bank_account_bank_id"
            )
        )
        for start in range(0, len(projects), CHUNK):
            chunk = projects[start : start + CHUNK]
            units_by_project: dict[int, list[tuple]] = defaultdict(list)
            for row in (
                Unit.objects.filter(project__in=chunk)
                .order_by("building_id", "id")
                .values_list(
                    "id",
                    "project_id",
                    "building_id",
                    "area",
                    "building__number",
                    "number",
                    "building__has_lift",
                )
            ):
                units_by_project[row[1]].append(row)
            rows: list[tuple] = []
            unit_balances: list[UnitBalance] = []
            building_balances: list[BuildingBalance] = []
            project_balances: list[ProjectBalance] = []
            for project in chunk:
                rng = random.Random(f"{seed}:{project.code}")
                units = units_by_project.get(project.pk, [])
                if not units:
                    continue
                seeded = _seed_project(project, units, rng, policy, months, now, counts)
                rows += seeded.rows
                for unit_id, figures in seeded.units.items():
                    unit_balances.append(
                        UnitBalance(
                            unit_id=unit_id,
                            building_id=seeded.unit_building[unit_id],
                            project_id=project.pk,
                            **figures,
                        )
                    )
                for building_id, figures in seeded.buildings.items():
                    building_balances.append(
                        BuildingBalance(building_id=building_id, project_id=project.pk, **figures)
                    )
                project_balances.append(ProjectBalance(project_id=project.pk, **seeded.project))
                counts["projects"] += 1
                if project.pk in banks:
                    _seed_common_funds(project, banks[project.pk], rng, policy, now, counts)
                _seed_quarterly_report(project, rng, now, counts)
            writer.entries(rows)
            counts["entries"] += len(rows)
            UnitBalance.objects.bulk_create(unit_balances, batch_size=BATCH)
            BuildingBalance.objects.bulk_create(building_balances, batch_size=BATCH)
            ProjectBalance.objects.bulk_create(project_balances, batch_size=BATCH)
        record(
            actor=None,
            action="funds.demo.seeded",
            data={"seed": seed, "months": months, "counts": dict(counts)},
            actor_label="系统（demo_city）",
        )
    return dict(counts)


class _Seeded:
    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.units: dict[int, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(_FIGURES, ZERO))
        self.buildings: dict[int, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(_FIGURES, ZERO))
        self.project: dict[str, Decimal] = dict.fromkeys(ProjectBalance.FIGURES, ZERO)
        self.unit_building: dict[int, int] = {}
        self.seq = 0

    def add(
        self,
        project,
        *,
        kind,
        amount,
        occurred_on,
        now,
        unit=None,
        building=None,
        period="",
        repair_id=None,
        memo="",
        calc=None,
        category=None,
    ) -> None:
        self.seq += 1
        category = category or kind
        self.rows.append(
            (
                project.pk,
                building,
                unit,
                kind,
                category,
                amount,
                occurred_on,
                period,
                EntrySource.DEMO,
                f"DEMO-{project.code}-{self.seq}",
                "demo",
                repair_id,
                None,
                memo,
                calc or {},
                now,
                None,
            )
        )
        project_level = unit is None
        for name, value in figure_deltas(category, amount, project_level=project_level).items():
            self.project[name] += value
            if not project_level and name != "pool":
                self.units[unit][name] += value
                self.buildings[building][name] += value
        if unit is not None:
            self.unit_building[unit] = building


def _seed_project(project, units, rng, policy, months, now, counts) -> _Seeded:
    # Kept whole: one pass in the fixed order of the seeded random draws (same seed, same data).
    out = _Seeded()
    delivered = REFERENCE_DATE - dt.timedelta(days=rng.randint(3 * 365, 20 * 365))
    # 首期
    for unit_id, _p, building_id, area, _bn, _un, has_lift in units:
        standard = policy.cost_standard_lift if has_lift else policy.cost_standard_no_lift
        amount = (area * standard * policy.first_deposit_rate).quantize(CENT, rounding=ROUND_HALF_UP)
        out.add(
            project,
            kind=EntryKind.FIRST_DEPOSIT,
            amount=amount,
            occurred_on=delivered,
            now=now,
            unit=unit_id,
            building=building_id,
            memo="首期维修资金",
            calc={"area": str(area), "cost_standard": str(standard), "rate": str(policy.first_deposit_rate)},
        )
    # 日常
    for month_end in _months_before(REFERENCE_DATE, months):
        period = f"{month_end:%Y-%m}"
        for unit_id, _p, building_id, area, _bn, _un, _lift in units:
            amount = (area * policy.monthly_rate).quantize(CENT, rounding=ROUND_HALF_UP)
            if amount > 0:
                out.add(
                    project,
                    kind=EntryKind.MONTHLY,
                    amount=amount,
                    occurred_on=month_end,
                    now=now,
                    unit=unit_id,
                    building=building_id,
                    period=period,
                    memo=f"{month_end.year}年{month_end.month}月日常维修资金",
                )
    # Repairs (before the interest, so interest follows the reduced balances)
    by_building: dict[int, list[tuple]] = defaultdict(list)
    for unit in units:
        by_building[unit[2]].append(unit)
    repair_day = REFERENCE_DATE - dt.timedelta(days=rng.randint(40, 300))
    if rng.random() < 0.5:
        for building_id in rng.sample(sorted(by_building), k=min(len(by_building), rng.choice((1, 2)))):
            scope = by_building[building_id]
            held = sum((out.units[u[0]]["balance"] for u in scope), ZERO)
            big = rng.random() < 0.4
            share = Decimal(rng.randint(72, 90) if big else rng.randint(5, 30)) / 100
            bill = (held * share).quantize(CENT)
            if bill <= 0:
                continue
            title, kind = rng.choice(
                (
                    ("电梯主机更换", "lift"),
                    ("屋面防水翻新", "roof"),
                    ("外墙瓷砖修缮", "facade"),
                    ("消防管网改造", ""),
                )
            )
            repair = Repair.objects.create(
                project=project,
                title=f"{scope[0][4]}栋{title}",
                description="演示数据",
                contractor="深圳市安泰建设工程有限公司",
                amount=bill,
                started_on=repair_day - dt.timedelta(days=30),
                finished_on=repair_day,
                scope_kind=RepairScopeKind.BUILDINGS,
                emergency_kind=kind if rng.random() < 0.3 else "",
                decision_ref=f"JC{repair_day:%Y}{rng.randint(1, 999):03d}",
                status=RepairStatus.CHARGED,
                created_at=now,
                charged_at=now,
                charged_on=repair_day,
            )
            repair.buildings.set([building_id])
            items = sorted(
                (Weighted(key=u[0], label=f"{u[4]}-{u[5]}", weight=area_weight(u[3])) for u in scope),
                key=lambda w: (w.label, w.key),
            )
            allocations = largest_remainder(to_fen(bill), items)
            area_of = {u[0]: u[3] for u in scope}
            RepairShare.objects.bulk_create(
                [
                    RepairShare(
                        repair=repair, unit_id=a.key, label=a.label, area=area_of[a.key], amount=a.amount
                    )
                    for a in allocations
                ]
            )
            for a in allocations:
                if a.amount > 0:
                    out.add(
                        project,
                        kind=EntryKind.REPAIR_CHARGE,
                        amount=-a.amount,
                        occurred_on=repair_day,
                        now=now,
                        unit=a.key,
                        building=building_id,
                        repair_id=repair.pk,
                        memo=f"维修分摊：{repair.title}",
                    )
            counts["repairs"] += 1
    # Interest of the last quarter: into the pool, then allocated pro rata to period-end balance.
    quarter_end = _months_before(REFERENCE_DATE, 1)[0]
    weights = [
        Weighted(key=u[0], label=f"{u[4]}-{u[5]}", weight=to_fen(out.units[u[0]]["balance"]))
        for u in units
        if out.units[u[0]]["balance"] > 0
    ]
    total_balance = sum((out.units[u[0]]["balance"] for u in units), ZERO)
    interest = (total_balance * Decimal("0.0035")).quantize(CENT)
    if weights and interest > 0:
        out.add(
            project,
            kind=EntryKind.INTEREST,
            amount=interest,
            occurred_on=quarter_end,
            now=now,
            memo="利息收益（待分配）",
        )
        building_of = {u[0]: u[2] for u in units}
        for a in largest_remainder(to_fen(interest), weights):
            if a.amount > 0:
                out.add(
                    project,
                    kind=EntryKind.INTEREST,
                    amount=a.amount,
                    occurred_on=quarter_end,
                    now=now,
                    unit=a.key,
                    building=building_of[a.key],
                    memo="利息收益分配",
                    calc={"method": "period_end", "weight": a.weight},
                )
        out.add(
            project,
            kind=EntryKind.INTEREST,
            amount=-interest,
            occurred_on=quarter_end,
            now=now,
            memo="利息收益分配至分户账",
        )
    return out


def _seed_common_funds(project, bank_id, rng, policy, now, counts) -> None:
    # Kept whole: one pass in the fixed order of the seeded random draws (same seed, same data).
    account = CommonFundAccount(
        project=project,
        bank_id=bank_id,
        name=f"{project.name}业主大会",
        created_at=now,
        opened_on=REFERENCE_DATE - dt.timedelta(days=400),
    )
    account.set_number("6222" + "".join(str(rng.randint(0, 9)) for _ in range(15)))
    account.save()
    balance = Decimal(rng.randint(50_000, 300_000)).quantize(CENT)
    flows = []
    day = REFERENCE_DATE - dt.timedelta(days=120)
    seq = 0
    templates = [
        (FlowDirection.IN, "深圳市万象广告传媒有限公司", "电梯广告收入", 3_000, 12_000),
        (FlowDirection.IN, "停车场管理处", "临时停车收入", 8_000, 30_000),
        (FlowDirection.IN, "深圳市便民商行", "架空层场地租金", 2_000, 6_000),
        (FlowDirection.OUT, "深圳市安泰建设工程有限公司", "公共设施维护", 1_000, 9_000),
    ]
    for _ in range(rng.randint(6, 12)):
        direction, counterparty, memo, low, high = rng.choice(templates)
        amount = (Decimal(rng.randint(low * 100, high * 100)) / 100).quantize(CENT)
        day += dt.timedelta(days=rng.randint(3, 12))
        if direction == FlowDirection.OUT and amount > balance:
            continue
        balance += amount if direction == FlowDirection.IN else -amount
        seq += 1
        flows.append((day, direction, amount, counterparty, memo, balance, seq))
    if balance > Decimal("60000"):
        amount = (balance * Decimal("0.6")).quantize(CENT)
        if amount > policy.disclosure_threshold:
            day += dt.timedelta(days=5)
            balance -= amount
            seq += 1
            flows.append(
                (
                    day,
                    FlowDirection.OUT,
                    amount,
                    "深圳市安泰建设工程有限公司",
                    "小区道路改造工程款",
                    balance,
                    seq,
                )
            )
    created = BankFlow.objects.bulk_create(
        [
            BankFlow(
                account=account,
                project=project,
                occurred_on=d,
                direction=direction,
                amount=amount,
                counterparty=mask_counterparty(cp),
                memo=memo,
                balance_after=bal,
                bank_reference=f"DEMO{project.code}{n:05d}",
                source=FlowSource.DEMO,
                recorded_at=now,
                batch="demo",
            )
            for d, direction, amount, cp, memo, bal, n in flows
        ]
    )
    CommonFundAccount.objects.filter(pk=account.pk).update(balance=balance)
    counts["bank_flows"] += len(created)
    counts["common_fund_accounts"] += 1
    for flow in created:
        if flow.direction == FlowDirection.OUT and flow.amount > policy.disclosure_threshold:
            Disclosure.objects.create(
                project=project,
                kind=DisclosureKind.LARGE_TRANSFER,
                status=DisclosureStatus.PUBLISHED,
                title=f"大额资金转账公示：{flow.occurred_on:%Y年%m月%d日}支出{format_money(flow.amount)}元",
                body=f"支出金额：{format_money(flow.amount)} 元\n收款方：{flow.counterparty}\n用途/摘要：{flow.memo}",
                amount=flow.amount,
                bank_flow=flow,
                threshold=policy.disclosure_threshold,
                created_at=now,
                published_at=now,
            )
            counts["disclosures"] += 1


def _seed_quarterly_report(project, rng, now, counts) -> None:
    """The last quarter complete before the demo's reference date, published (every project: owners see a
    季度收支报表 wherever they look). The quarter has ended by then, as publishing requires."""
    q_end = REFERENCE_DATE.replace(day=1) - dt.timedelta(days=1)
    while q_end.month % 3:
        q_end = q_end.replace(day=1) - dt.timedelta(days=1)
    report = QuarterlyReport.objects.create(
        project=project,
        year=q_end.year,
        quarter=q_end.month // 3,
        status=ReportStatus.PUBLISHED,
        created_at=now,
        published_at=now,
    )
    lines = [
        (ReportSection.RECEIVABLE, "物业服务费欠缴", "", "", rng.randint(5_000, 60_000)),
        (
            ReportSection.BUSINESS_INCOME,
            "电梯广告收入",
            "深圳市万象广告传媒有限公司",
            "0001",
            rng.randint(3_000, 12_000),
        ),
        (ReportSection.BUSINESS_INCOME, "临时停车收入", "", "0002", rng.randint(8_000, 30_000)),
        (
            ReportSection.BUSINESS_EXPENSE,
            "公共设施维护",
            "深圳市安泰建设工程有限公司",
            "0003",
            rng.randint(1_000, 9_000),
        ),
    ]
    ReportLine.objects.bulk_create(
        [
            ReportLine(
                report=report,
                section=s,
                item=item,
                counterparty=cp,
                voucher_no=v,
                amount=from_fen(amount * 100),
                position=i,
            )
            for i, (s, item, cp, v, amount) in enumerate(lines, start=1)
        ]
    )
    counts["quarterly_reports"] += 1
