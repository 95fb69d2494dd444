"""Imports of the funds domain, all or nothing and idempotent (formats: docs/fund-import-format.md).

- `import_fund_entries(*, actor, rows, source)`: maintenance-fund entries from the fund centre's files (资金中心导出的
  缴存、利息、使用、退款、划转、冲正明细). Every row is validated before anything is written; any error rejects the
  whole file (`ImportRejected` lists every error by row number) and nothing is written. Entries are matched by
  业务流水号 (reference, unique for the fund centre): a row whose reference is already in the ledger with the same
  facts is skipped, with different facts it is an error. Re-importing a file changes nothing.
- `import_bank_statement(*, actor, account, rows, source)`: a common-fund account's bank statement (对账单); same
  rules, keyed by 银行流水号 within the account; outflows above the disclosure threshold create draft disclosures.
- `read_table(source, filename=...)`: rows of a CSV (UTF-8 with or without BOM, GB18030 fallback) or XLSX file.

Permission: actor None is the command line (the system). Fund entries need the ledger role for every project in the
file; a bank statement needs the manage role for the account's project. Audit: funds.import.completed (file name and
counts; nothing personal), funds.flows.recorded.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from pmip.audit.services import record
from pmip.core.tables import ImportRejected, RowError, SourceRow
from pmip.core.tables import read_table as read_table  # re-exported for the command and the back office
from pmip.funds import ledger, permissions
from pmip.funds.bank import parse_amount, parse_date, text_of, validate_flows
from pmip.funds.choices import EntryKind, EntrySource, FlowSource
from pmip.funds.models import CommonFundAccount, LedgerEntry
from pmip.funds.services import FlowsRejected, FlowsResult, record_bank_flows
from pmip.registry.models import Project, Unit

# --------------------------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------------------
# Fund-centre entries
# --------------------------------------------------------------------------------------------------------------

ENTRY_COLUMNS: dict[str, str] = {
    "业务流水号": "reference",
    "物业项目编号": "project_code",
    "楼栋号": "building_number",
    "房号": "unit_number",
    "业务类型": "kind",
    "金额": "amount",
    "发生日期": "occurred_on",
    "所属期间": "period",
    "原流水号": "reverses",
    "摘要": "memo",
}
REQUIRED_ENTRY_COLUMNS = ("reference", "project_code", "kind", "amount", "occurred_on")
_ENTRY_KEY = ENTRY_COLUMNS | {v: v for v in ENTRY_COLUMNS.values()}
_KEY_HEADER = {v: k for k, v in ENTRY_COLUMNS.items()}
KIND_NAMES: dict[str, str] = {
    "首期": EntryKind.FIRST_DEPOSIT,
    "首期维修资金": EntryKind.FIRST_DEPOSIT,
    "日常": EntryKind.MONTHLY,
    "日常维修资金": EntryKind.MONTHLY,
    "利息": EntryKind.INTEREST,
    "利息收益": EntryKind.INTEREST,
    "维修支出": EntryKind.REPAIR_CHARGE,
    "维修": EntryKind.REPAIR_CHARGE,
    "退款": EntryKind.REFUND,
    "划转": EntryKind.TRANSFER,
    "冲正": EntryKind.REVERSAL,
} | {k.value: k.value for k in EntryKind}
_REF_RE = re.compile(r"^[0-9A-Za-z\-_/.]{1,64}$")
_PERIOD_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])|Q[1-4])?$")


@dataclass
class _EntryRow:
    number: int
    reference: str
    project: Project
    unit: Unit | None
    kind: str
    amount: Decimal | None  # signed, as it will be posted (None for a reversal: taken from the original)
    occurred_on: dt.date
    period: str
    reverses: str
    memo: str


@dataclass
class EntryImportResult:
    source: str
    rows: int
    created: Counter = field(default_factory=Counter)  # by kind
    unchanged: int = 0
    projects: int = 0
    batch: str = ""

    def summary_lines(self) -> list[str]:
        labels = dict(EntryKind.choices)
        lines = [
            f"导入完成：{self.source}，共{self.rows}行，新记账 {sum(self.created.values())} 笔，已存在未变 {self.unchanged} 笔。"
        ]
        for kind, n in sorted(self.created.items()):
            lines.append(f"  {labels.get(kind, kind)}：{n} 笔")
        return lines


def _signed(kind: str, amount: Decimal) -> Decimal:
    if kind in (EntryKind.REPAIR_CHARGE, EntryKind.REFUND):
        return -amount
    return amount


def import_fund_entries(*, actor, rows: list[SourceRow], source: str) -> EntryImportResult:
    """Validate every row, then write all of them (or none). See the module docstring."""
    errors: list[RowError] = []
    if not rows:
        raise ImportRejected([RowError(0, "文件中没有数据行。")])
    present = {(_ENTRY_KEY.get(str(k).strip())) for k in rows[0].values}
    missing = [c for c in REQUIRED_ENTRY_COLUMNS if c not in present]
    if missing:
        raise ImportRejected([RowError(0, f"缺少必填列：{'、'.join(_KEY_HEADER[c] for c in missing)}。")])

    cells = [(r.number, {_ENTRY_KEY[k]: v for k, v in r.values.items() if k in _ENTRY_KEY}) for r in rows]
    codes = {text_of(v.get("project_code")) for _, v in cells}
    projects = {p.code: p for p in Project.objects.filter(code__in=codes)}
    units: dict[tuple[int, str, str], Unit] = {}
    units_by_id: dict[int, Unit] = {}
    for unit in Unit.objects.filter(project__in=projects.values()).select_related("building"):
        units[(unit.project_id, unit.building.number, unit.number)] = unit
        units_by_id[unit.pk] = unit
    refs = [text_of(v.get("reference")) for _, v in cells]
    reverses = [text_of(v.get("reverses")) for _, v in cells]
    existing = {
        e.reference: e
        for e in LedgerEntry.objects.filter(
            source=EntrySource.FUND_CENTRE, reference__in=[r for r in refs + reverses if r]
        ).select_related("reversal_of", "project")
    }
    already_reversed = dict(  # original reference -> the reference of the entry that reversed it
        LedgerEntry.objects.filter(
            source=EntrySource.FUND_CENTRE, reversal_of__reference__in=[r for r in reverses if r]
        ).values_list("reversal_of__reference", "reference")
    )

    parsed: list[_EntryRow] = []
    seen_refs: dict[str, int] = {}
    file_rows: dict[str, _EntryRow] = {}
    reversed_in_file: dict[str, int] = {}
    for number, v in cells:
        before = len(errors)

        def err(message: str, number: int = number) -> None:
            errors.append(RowError(number, message))

        reference = text_of(v.get("reference"))
        if not reference:
            err("“业务流水号”不能为空。")
        elif not _REF_RE.match(reference):
            err("“业务流水号”只能包含字母、数字和 - _ / .，且不超过64个字符。")
        elif reference in seen_refs:
            err(f"业务流水号“{reference}”与第{seen_refs[reference]}行重复。")
        else:
            seen_refs[reference] = number
        code = text_of(v.get("project_code"))
        project = projects.get(code)
        if not code:
            err("“物业项目编号”不能为空。")
        elif project is None:
            err(f"物业项目编号“{code}”不存在。")
        kind_text = text_of(v.get("kind"))
        kind = KIND_NAMES.get(kind_text) or KIND_NAMES.get(kind_text.lower())
        if kind is None:
            err(f"“业务类型”的值“{kind_text}”无法识别，可填：首期、日常、利息、维修支出、退款、划转、冲正。")
        occurred_on = parse_date(v.get("occurred_on"))
        if occurred_on is None:
            err("“发生日期”缺失或格式不正确（应为 YYYY-MM-DD）。")
        period = text_of(v.get("period"))
        if period and not _PERIOD_RE.match(period):
            err("“所属期间”格式应为 YYYY、YYYY-MM 或 YYYYQn。")
        memo = text_of(v.get("memo"))
        if len(memo) > 200:
            err("“摘要”不能超过200个字。")
        building_number = text_of(v.get("building_number"))
        unit_number = text_of(v.get("unit_number"))
        unit = None
        if project is not None and (building_number or unit_number):
            if not (building_number and unit_number):
                err("“楼栋号”和“房号”须同时填写（小区级利息两者都不填）。")
            else:
                unit = units.get((project.pk, building_number, unit_number))
                if unit is None:
                    err(f"物业项目“{code}”中没有房屋 {building_number}栋{unit_number}。")
        raw_amount = v.get("amount")
        amount = parse_amount(raw_amount) if text_of(raw_amount) else None
        reverses_ref = text_of(v.get("reverses"))
        signed: Decimal | None = None
        if kind == EntryKind.REVERSAL:
            original = file_rows.get(reverses_ref) or existing.get(reverses_ref)
            if not reverses_ref:
                err("冲正须填写“原流水号”。")
            elif original is None:
                err(f"原流水号“{reverses_ref}”在资金中心已导入的记录和本文件前面的行中都找不到。")
            else:
                o_kind = original.kind
                o_amount = original.amount
                o_unit_id = (
                    original.unit.pk
                    if isinstance(original, _EntryRow) and original.unit
                    else getattr(original, "unit_id", None)
                )
                o_project_id = original.project.pk
                if o_kind == EntryKind.REVERSAL:
                    err("冲正记录不能再被冲正。")
                elif (
                    already_reversed.get(reverses_ref, reference) != reference
                    or reverses_ref in reversed_in_file
                ):
                    err(f"原流水号“{reverses_ref}”已被冲正。")
                else:
                    reversed_in_file[reverses_ref] = number
                if project is not None and o_project_id != project.pk:
                    err("冲正记录的物业项目与原记录不一致。")
                if unit is not None and unit.pk != o_unit_id:
                    err("冲正记录的房屋与原记录不一致。")
                if unit is None and o_unit_id is not None and project is not None:
                    unit = units_by_id.get(o_unit_id)
                if text_of(raw_amount) and (amount is None or o_amount is None or amount != abs(o_amount)):
                    err("冲正金额须为空或等于原记录金额。")
                signed = -o_amount if o_amount is not None else None
        elif kind is not None:
            if reverses_ref:
                err("只有冲正记录可以填写“原流水号”。")
            if amount is None:
                err("“金额”缺失或格式不正确（最多两位小数）。")
            elif kind == EntryKind.TRANSFER:
                if amount == 0:
                    err("划转金额不能为0（正数为转入，负数为转出）。")
                signed = amount
            elif amount <= 0:
                err("“金额”必须大于0（支出类业务按类型自动记为支出）。")
            else:
                signed = _signed(kind, amount)
            if unit is None and kind != EntryKind.INTEREST and project is not None and not building_number:
                err("只有利息收益可以不填楼栋号和房号（记入小区待分配利息）。")
        if len(errors) == before and project is not None and kind is not None:
            row = _EntryRow(
                number, reference, project, unit, kind, signed, occurred_on, period, reverses_ref, memo
            )
            parsed.append(row)
            file_rows[reference] = row

    # Permission (before the idempotency check, so an unauthorised file reveals nothing).
    for project in {r.project.pk: r.project for r in parsed}.values():
        if not permissions.can_post_ledger(actor, project):
            errors.append(RowError(0, f"您无权为物业项目“{project.code}”记账。"))

    # Idempotency: same reference with the same facts = unchanged; different facts = error.
    new_rows: list[_EntryRow] = []
    unchanged = 0
    for row in parsed:
        stored = existing.get(row.reference)
        if stored is None:
            new_rows.append(row)
            continue
        same = (
            stored.project_id == row.project.pk
            and stored.unit_id == (row.unit.pk if row.unit else None)
            and stored.kind == row.kind
            and stored.amount == row.amount
            and stored.occurred_on == row.occurred_on
            and stored.period == row.period
            and stored.memo == row.memo
            and (stored.reversal_of.reference if stored.reversal_of_id else "") == row.reverses
        )
        if same:
            unchanged += 1
        else:
            errors.append(RowError(row.number, f"业务流水号“{row.reference}”已导入，但内容与本次不同。"))
    if errors:
        raise ImportRejected(errors)

    result = EntryImportResult(source=source, rows=len(rows), unchanged=unchanged, batch=ledger.new_batch())
    by_project: dict[int, list[_EntryRow]] = defaultdict(list)
    for row in new_rows:
        by_project[row.project.pk].append(row)
    result.projects = len(by_project)
    with transaction.atomic():
        for project_id in sorted(by_project):  # lock in id order: two imports never deadlock
            ledger.lock_project(project_id)
        for project_id in sorted(by_project):
            rows_here = by_project[project_id]
            first = [r for r in rows_here if r.kind != EntryKind.REVERSAL]
            second = [r for r in rows_here if r.kind == EntryKind.REVERSAL]
            ledger.post(
                project_id=project_id,
                postings=[_posting(r) for r in first],
                actor=actor,
                batch=result.batch,
                source=EntrySource.FUND_CENTRE,
            )
            if second:
                originals = dict(
                    LedgerEntry.objects.filter(
                        source=EntrySource.FUND_CENTRE, reference__in=[r.reverses for r in second]
                    ).values_list("reference", "id")
                )
                categories = dict(
                    LedgerEntry.objects.filter(pk__in=originals.values()).values_list("id", "category")
                )
                ledger.post(
                    project_id=project_id,
                    postings=[
                        _posting(
                            r,
                            reversal_of_id=originals[r.reverses],
                            category=categories[originals[r.reverses]],
                        )
                        for r in second
                    ],
                    actor=actor,
                    batch=result.batch,
                    source=EntrySource.FUND_CENTRE,
                )
            for r in rows_here:
                result.created[r.kind] += 1
        record(
            actor=actor,
            action="funds.import.completed",
            data={
                "file": source[:100],
                "batch": result.batch,
                "rows": result.rows,
                "created": dict(result.created),
                "unchanged": unchanged,
                "projects": result.projects,
            },
            actor_label="" if actor else "系统（import_fund_entries）",
        )
    return result


def _posting(row: _EntryRow, *, reversal_of_id: int | None = None, category: str = "") -> ledger.Posting:
    return ledger.Posting(
        kind=row.kind,
        category=category or row.kind,
        amount=row.amount,
        occurred_on=row.occurred_on,
        period=row.period,
        reference=row.reference,
        unit_id=row.unit.pk if row.unit else None,
        building_id=row.unit.building_id if row.unit else None,
        reversal_of_id=reversal_of_id,
        memo=row.memo,
        calc={"source_row": row.number},
    )


# --------------------------------------------------------------------------------------------------------------
# Bank statements
# --------------------------------------------------------------------------------------------------------------


def import_bank_statement(
    *, actor, account: CommonFundAccount, rows: list[SourceRow], source: str
) -> FlowsResult:
    """Import a bank statement of a common-fund account: validate every row, then write all (or none)."""
    permissions.require_manage(actor, account.project)
    if not rows:
        raise ImportRejected([RowError(0, "文件中没有数据行。")])
    flows, errors = validate_flows((r.number, r.values) for r in rows)
    if errors:
        raise ImportRejected([RowError(e.row, e.message) for e in errors])
    try:
        return record_bank_flows(
            actor=actor, account=account, flows=flows, source=FlowSource.STATEMENT, source_name=source
        )
    except FlowsRejected as exc:
        raise ImportRejected([RowError(e.row, e.message) for e in exc.errors]) from exc
