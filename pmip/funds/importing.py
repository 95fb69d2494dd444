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
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from pydantic import BaseModel, ConfigDict

from pmip.audit.services import record
from pmip.core.progress import Progress, no_progress
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


class EntryCells(BaseModel):
    """One data row of a fund-centre file as typed values: text cleaned, amount and date parsed (None when blank or
    not readable). Building it never fails; the checks with their messages are `_check_row`'s."""

    model_config = ConfigDict(frozen=True)

    number: int
    reference: str
    project_code: str
    building_number: str
    unit_number: str
    kind_text: str
    kind: str | None
    amount_given: bool
    amount: Decimal | None
    occurred_on: dt.date | None
    period: str
    reverses: str
    memo: str

    @classmethod
    def of(cls, row: SourceRow) -> EntryCells:
        v = {_ENTRY_KEY[k]: value for k, value in row.values.items() if k in _ENTRY_KEY}
        kind_text = text_of(v.get("kind"))
        raw_amount = v.get("amount")
        given = bool(text_of(raw_amount))
        return cls(
            number=row.number,
            reference=text_of(v.get("reference")),
            project_code=text_of(v.get("project_code")),
            building_number=text_of(v.get("building_number")),
            unit_number=text_of(v.get("unit_number")),
            kind_text=kind_text,
            kind=KIND_NAMES.get(kind_text) or KIND_NAMES.get(kind_text.lower()),
            amount_given=given,
            amount=parse_amount(raw_amount) if given else None,
            occurred_on=parse_date(v.get("occurred_on")),
            period=text_of(v.get("period")),
            reverses=text_of(v.get("reverses")),
            memo=text_of(v.get("memo")),
        )


@dataclass
class _Lookups:
    """What the rows refer to, read in a fixed number of queries before any row is checked."""

    projects: dict[str, Project]
    units: dict[tuple[int, str, str], Unit]
    units_by_id: dict[int, Unit]
    existing: dict[str, LedgerEntry]  # fund-centre entries by reference (the file's references and originals)
    already_reversed: dict[str, str]  # original reference -> the reference of the entry that reversed it
    seen_refs: dict[str, int] = field(default_factory=dict)  # the file so far: reference -> row number
    file_rows: dict[str, _EntryRow] = field(default_factory=dict)
    reversed_in_file: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, cells: list[EntryCells]) -> _Lookups:
        projects = {p.code: p for p in Project.objects.filter(code__in={c.project_code for c in cells})}
        units: dict[tuple[int, str, str], Unit] = {}
        units_by_id: dict[int, Unit] = {}
        for unit in Unit.objects.filter(project__in=projects.values()).select_related("building"):
            units[(unit.project_id, unit.building.number, unit.number)] = unit
            units_by_id[unit.pk] = unit
        reverses = [c.reverses for c in cells if c.reverses]
        existing = {
            e.reference: e
            for e in LedgerEntry.objects.filter(
                source=EntrySource.FUND_CENTRE,
                reference__in=[c.reference for c in cells if c.reference] + reverses,
            ).select_related("reversal_of", "project")
        }
        already_reversed = dict(
            LedgerEntry.objects.filter(
                source=EntrySource.FUND_CENTRE, reversal_of__reference__in=reverses
            ).values_list("reversal_of__reference", "reference")
        )
        return cls(projects, units, units_by_id, existing, already_reversed)


def import_fund_entries(
    *, actor, rows: list[SourceRow], source: str, progress: Progress = no_progress
) -> EntryImportResult:
    """Validate every row, then write all of them (or none). See the module docstring. `progress` is told how
    many rows are checked, then posted (a report only: pmip.core.progress)."""
    if not rows:
        raise ImportRejected([RowError(0, "文件中没有数据行。")])
    present = {(_ENTRY_KEY.get(str(k).strip())) for k in rows[0].values}
    missing = [c for c in REQUIRED_ENTRY_COLUMNS if c not in present]
    if missing:
        raise ImportRejected([RowError(0, f"缺少必填列：{'、'.join(_KEY_HEADER[c] for c in missing)}。")])
    cells = [EntryCells.of(r) for r in rows]
    lookups = _Lookups.load(cells)
    errors: list[RowError] = []
    parsed: list[_EntryRow] = []
    for i, c in enumerate(cells):
        progress(i, len(cells), phase="检查")
        messages, row = _check_row(c, lookups)
        errors += [RowError(c.number, m) for m in messages]
        if row is not None:
            parsed.append(row)
            lookups.file_rows[row.reference] = row
    # Permission (before the idempotency check, so an unauthorised file reveals nothing).
    for project in {r.project.pk: r.project for r in parsed}.values():
        if not permissions.can_post_ledger(actor, project):
            errors.append(RowError(0, f"您无权为物业项目“{project.code}”记账。"))
    progress(len(cells), len(cells), phase="检查")
    new_rows, unchanged = _new_rows(parsed, lookups.existing, errors)
    if errors:
        raise ImportRejected(errors)
    result = EntryImportResult(source=source, rows=len(rows), unchanged=unchanged, batch=ledger.new_batch())
    _write_entries(actor, new_rows, result, progress)
    return result


def _check_row(c: EntryCells, lookups: _Lookups) -> tuple[list[str], _EntryRow | None]:
    """The row's errors in the order the fund centre's staff read them, and the row to post when it has none."""
    errors: list[str] = []
    err = errors.append
    if not c.reference:
        err("“业务流水号”不能为空。")
    elif not _REF_RE.match(c.reference):
        err("“业务流水号”只能包含字母、数字和 - _ / .，且不超过64个字符。")
    elif c.reference in lookups.seen_refs:
        err(f"业务流水号“{c.reference}”与第{lookups.seen_refs[c.reference]}行重复。")
    else:
        lookups.seen_refs[c.reference] = c.number
    project = lookups.projects.get(c.project_code)
    if not c.project_code:
        err("“物业项目编号”不能为空。")
    elif project is None:
        err(f"物业项目编号“{c.project_code}”不存在。")
    if c.kind is None:
        err(f"“业务类型”的值“{c.kind_text}”无法识别，可填：首期、日常、利息、维修支出、退款、划转、冲正。")
    if c.occurred_on is None:
        err("“发生日期”缺失或格式不正确（应为 YYYY-MM-DD）。")
    if c.period and not _PERIOD_RE.match(c.period):
        err("“所属期间”格式应为 YYYY、YYYY-MM 或 YYYYQn。")
    if len(c.memo) > 200:
        err("“摘要”不能超过200个字。")
    unit = None
    if project is not None and (c.building_number or c.unit_number):
        if not (c.building_number and c.unit_number):
            err("“楼栋号”和“房号”须同时填写（小区级利息两者都不填）。")
        else:
            unit = lookups.units.get((project.pk, c.building_number, c.unit_number))
            if unit is None:
                err(f"物业项目“{c.project_code}”中没有房屋 {c.building_number}栋{c.unit_number}。")
    if c.kind == EntryKind.REVERSAL:
        signed, unit = _check_reversal(c, project, unit, lookups, err)
    elif c.kind is not None:
        signed = _check_amount(c, project, unit, err)
    else:
        signed = None
    if errors or project is None or c.kind is None:
        return errors, None
    assert c.occurred_on is not None  # no error: the date was read
    row = _EntryRow(
        c.number, c.reference, project, unit, c.kind, signed, c.occurred_on, c.period, c.reverses, c.memo
    )
    return errors, row


def _check_reversal(
    c: EntryCells, project: Project | None, unit: Unit | None, lookups: _Lookups, err: Callable[[str], None]
) -> tuple[Decimal | None, Unit | None]:
    """冲正: the original (earlier in the file or already imported), not reversed yet, same project and unit; the
    amount blank or the original's. Returns the signed amount to post and the unit (the original's when blank)."""
    original = lookups.file_rows.get(c.reverses) or lookups.existing.get(c.reverses)
    if not c.reverses:
        err("冲正须填写“原流水号”。")
        return None, unit
    if original is None:
        err(f"原流水号“{c.reverses}”在资金中心已导入的记录和本文件前面的行中都找不到。")
        return None, unit
    o_amount = original.amount
    if isinstance(original, _EntryRow):
        o_unit_id = original.unit.pk if original.unit else None
    else:
        o_unit_id = original.unit_id
    if original.kind == EntryKind.REVERSAL:
        err("冲正记录不能再被冲正。")
    elif (
        lookups.already_reversed.get(c.reverses, c.reference) != c.reference
        or c.reverses in lookups.reversed_in_file
    ):
        err(f"原流水号“{c.reverses}”已被冲正。")
    else:
        lookups.reversed_in_file[c.reverses] = c.number
    if project is not None and original.project.pk != project.pk:
        err("冲正记录的物业项目与原记录不一致。")
    if unit is not None and unit.pk != o_unit_id:
        err("冲正记录的房屋与原记录不一致。")
    if unit is None and o_unit_id is not None and project is not None:
        unit = lookups.units_by_id.get(o_unit_id)
    if c.amount_given and (c.amount is None or o_amount is None or c.amount != abs(o_amount)):
        err("冲正金额须为空或等于原记录金额。")
    return (-o_amount if o_amount is not None else None), unit


def _check_amount(
    c: EntryCells, project: Project | None, unit: Unit | None, err: Callable[[str], None]
) -> Decimal | None:
    """Any kind but 冲正: no original reference; a positive amount (划转: non-zero, the sign is the direction);
    only interest may have no unit. Returns the signed amount to post."""
    signed = None
    if c.reverses:
        err("只有冲正记录可以填写“原流水号”。")
    if c.amount is None:
        err("“金额”缺失或格式不正确（最多两位小数）。")
    elif c.kind == EntryKind.TRANSFER:
        if c.amount == 0:
            err("划转金额不能为0（正数为转入，负数为转出）。")
        signed = c.amount
    elif c.amount <= 0:
        err("“金额”必须大于0（支出类业务按类型自动记为支出）。")
    else:
        signed = _signed(c.kind or "", c.amount)
    if unit is None and c.kind != EntryKind.INTEREST and project is not None and not c.building_number:
        err("只有利息收益可以不填楼栋号和房号（记入小区待分配利息）。")
    return signed


def _new_rows(
    parsed: list[_EntryRow], existing: dict[str, LedgerEntry], errors: list[RowError]
) -> tuple[list[_EntryRow], int]:
    """Idempotency: a reference already imported with the same facts is unchanged; with other facts an error."""
    new_rows: list[_EntryRow] = []
    unchanged = 0
    for row in parsed:
        stored = existing.get(row.reference)
        if stored is None:
            new_rows.append(row)
        elif (
            stored.project_id == row.project.pk
            and stored.unit_id == (row.unit.pk if row.unit else None)
            and stored.kind == row.kind
            and stored.amount == row.amount
            and stored.occurred_on == row.occurred_on
            and stored.period == row.period
            and stored.memo == row.memo
            and (stored.reversal_of.reference if stored.reversal_of_id else "") == row.reverses
        ):
            unchanged += 1
        else:
            errors.append(RowError(row.number, f"业务流水号“{row.reference}”已导入，但内容与本次不同。"))
    return new_rows, unchanged


def _write_entries(
    actor, new_rows: list[_EntryRow], result: EntryImportResult, progress: Progress = no_progress
) -> None:
    """Post the new rows, project by project (reversals after the entries they reverse), and audit the import."""
    by_project: dict[int, list[_EntryRow]] = defaultdict(list)
    for row in new_rows:
        by_project[row.project.pk].append(row)
    result.projects = len(by_project)
    posted = 0
    with transaction.atomic():
        for project_id in sorted(by_project):  # lock in id order: two imports never deadlock
            ledger.lock_project(project_id)
        for project_id in sorted(by_project):
            progress(posted, len(new_rows), phase="记账")
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
                _post_reversals(actor, project_id, second, result.batch)
            for r in rows_here:
                result.created[r.kind] += 1
            posted += len(rows_here)
        progress(posted, len(new_rows), phase="记账")
        record(
            actor=actor,
            action="funds.import.completed",
            data={
                "file": result.source[:100],
                "batch": result.batch,
                "rows": result.rows,
                "created": dict(result.created),
                "unchanged": result.unchanged,
                "projects": result.projects,
            },
            actor_label="" if actor else "系统（import_fund_entries）",
        )


def _post_reversals(actor, project_id: int, rows: list[_EntryRow], batch: str) -> None:
    originals = dict(
        LedgerEntry.objects.filter(
            source=EntrySource.FUND_CENTRE, reference__in=[r.reverses for r in rows]
        ).values_list("reference", "id")
    )
    categories = dict(LedgerEntry.objects.filter(pk__in=originals.values()).values_list("id", "category"))
    ledger.post(
        project_id=project_id,
        postings=[
            _posting(r, reversal_of_id=originals[r.reverses], category=categories[originals[r.reverses]])
            for r in rows
        ],
        actor=actor,
        batch=batch,
        source=EntrySource.FUND_CENTRE,
    )


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
