"""Bank flows of common-fund accounts (业主共有资金): the record format, its validation, and the bank adapter interface.

Two ways flows reach the platform, both validated the same way, all or nothing, idempotent by bank reference:
- statements (对账单) uploaded as CSV/XLSX: `pmip.funds.importing.import_bank_statement`;
- banks that push flows: `pmip.funds.services.receive_bank_push(*, account, flows)`.

`BankAdapter` is the interface a real bank integration implements (pull flows since a date). No real bank adapter is
built yet; the tests' stand-in (`tests/funds/fake_bank.py`) pushes flows through `receive_bank_push`, exactly as a
bank's push would.

A flow record (the bank's JSON keys, or the statement's columns — Chinese headers or these English keys):
  date (交易日期, YYYY-MM-DD), reference (银行流水号), direction (收支方向: 收入/支出, 贷/借, in/out; or leave it
  blank and give a signed amount), amount (金额 > 0, two places), counterparty (对方户名), memo (摘要),
  balance_after (余额, optional).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from pmip.core import display
from pmip.core.money import MoneyError, parse_money
from pmip.funds.choices import FlowDirection


@dataclass(frozen=True)
class FlowData:
    occurred_on: dt.date
    direction: str
    amount: Decimal
    counterparty: str
    memo: str
    balance_after: Decimal | None
    bank_reference: str
    row: int = 0


@dataclass(frozen=True)
class FlowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行：{self.message}" if self.row else self.message


FLOW_KEYS: dict[str, str] = {
    "交易日期": "date",
    "日期": "date",
    "银行流水号": "reference",
    "流水号": "reference",
    "收支方向": "direction",
    "借贷方向": "direction",
    "金额": "amount",
    "交易金额": "amount",
    "对方户名": "counterparty",
    "摘要": "memo",
    "余额": "balance_after",
    "账户余额": "balance_after",
}
for _key in ("date", "reference", "direction", "amount", "counterparty", "memo", "balance_after"):
    FLOW_KEYS[_key] = _key

_DIRECTIONS = {
    "收入": FlowDirection.IN,
    "收": FlowDirection.IN,
    "贷": FlowDirection.IN,
    "in": FlowDirection.IN,
    "credit": FlowDirection.IN,
    "支出": FlowDirection.OUT,
    "支": FlowDirection.OUT,
    "借": FlowDirection.OUT,
    "out": FlowDirection.OUT,
    "debit": FlowDirection.OUT,
}
_REFERENCE_RE = re.compile(r"^[0-9A-Za-z\-_/.]{1,64}$")


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_amount(value: Any) -> Decimal | None:
    """Decimal with at most two places; '1,234.50' and '¥1234.5' are accepted; floats from XLSX go through their
    shortest repr (89.37 stays 89.37). None when blank or not an amount (pmip.core.money, bounded)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        return parse_money(value, label="金额")
    except MoneyError:
        return None


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def normalise_record(record: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in record.items():
        key = FLOW_KEYS.get(str(name).strip())
        if key:
            out[key] = value
    return out


def validate_flows(
    records: Iterable[tuple[int, Mapping[str, Any]]],
) -> tuple[list[FlowData], list[FlowError]]:
    """Validate every record; return the flows and every error (row numbers as given)."""
    flows: list[FlowData] = []
    errors: list[FlowError] = []
    seen: dict[str, int] = {}
    for row, raw in records:
        flow = _flow_of(row, normalise_record(raw), seen, errors)
        if flow is not None:
            flows.append(flow)
    errors.extend(_continuity_errors(flows))
    return flows, errors


def _flow_of(
    row: int, rec: Mapping[str, Any], seen: dict[str, int], errors: list[FlowError]
) -> FlowData | None:
    """One normalised record checked: its flow, or None with its errors appended (`seen`: reference → row)."""
    before = len(errors)

    def err(message: str) -> None:
        errors.append(FlowError(row, message))

    occurred_on = parse_date(rec.get("date"))
    if occurred_on is None:
        err("“交易日期”缺失或格式不正确（应为 YYYY-MM-DD）。")
    reference = text_of(rec.get("reference"))
    if not reference:
        err("“银行流水号”不能为空。")
    elif not _REFERENCE_RE.match(reference):
        err(f"“银行流水号”“{reference[:64]}”只能包含字母、数字和 - _ / .，且不超过64个字符。")
    elif reference in seen:
        err(f"银行流水号“{reference}”与第{seen[reference]}行重复。")
    else:
        seen[reference] = row
    amount = parse_amount(rec.get("amount"))
    direction_text = text_of(rec.get("direction")).lower()
    direction = _DIRECTIONS.get(direction_text) if direction_text else None
    if amount is None:
        err("“金额”缺失或格式不正确（最多两位小数）。")
    elif direction_text and direction is None:
        err(f"“收支方向”的值“{direction_text}”无法识别，可填：收入、支出。")
    elif not direction_text:
        if amount == 0:
            err("“金额”必须大于0。")
        direction = FlowDirection.IN if amount > 0 else FlowDirection.OUT
        amount = abs(amount)
    elif amount <= 0:
        err("填写了“收支方向”时，“金额”必须大于0。")
    balance_raw = rec.get("balance_after")
    balance_after = None
    if text_of(balance_raw):
        balance_after = parse_amount(balance_raw)
        if balance_after is None:
            err("“余额”格式不正确（最多两位小数）。")
    counterparty = text_of(rec.get("counterparty"))
    memo = text_of(rec.get("memo"))
    if len(counterparty) > 100:
        err("“对方户名”不能超过100个字。")
    if len(memo) > 200:
        err("“摘要”不能超过200个字。")
    if len(errors) != before:
        return None
    return FlowData(
        occurred_on=occurred_on,
        direction=direction,
        amount=amount,
        counterparty=counterparty,
        memo=memo,
        balance_after=balance_after,
        bank_reference=reference,
        row=row,
    )


def _continuity_errors(flows: list[FlowData]) -> list[FlowError]:
    """Where consecutive records both carry a balance, the later balance must equal the earlier ± its amount."""
    errors: list[FlowError] = []
    previous: FlowData | None = None
    for flow in flows:
        if previous is not None and previous.balance_after is not None and flow.balance_after is not None:
            signed = flow.amount if flow.direction == FlowDirection.IN else -flow.amount
            expected = previous.balance_after + signed
            if expected != flow.balance_after:
                errors.append(
                    FlowError(
                        flow.row,
                        f"余额不连续：上一笔余额 {display.format_money(previous.balance_after)}，"
                        f"本笔{'收入' if signed > 0 else '支出'} {display.format_money(flow.amount)}，"
                        f"应为 {display.format_money(expected)}，文件中为 {display.format_money(flow.balance_after)}。",
                    )
                )
        previous = flow
    return errors


def same_flow(existing, flow: FlowData) -> bool:
    """Does a stored BankFlow carry the same facts as an incoming record (for idempotent re-import)?"""
    from pmip.funds.models import mask_counterparty

    return (
        existing.occurred_on == flow.occurred_on
        and existing.direction == flow.direction
        and existing.amount == flow.amount
        and existing.counterparty == mask_counterparty(flow.counterparty)
        and existing.memo == flow.memo
        and existing.balance_after == flow.balance_after
    )


class BankAdapter(Protocol):
    """What a bank integration provides. Pull adapters call `flows_since`; push banks call receive_bank_push."""

    name: str

    def flows_since(self, *, account_number: str, since: dt.date) -> list[dict[str, Any]]: ...
