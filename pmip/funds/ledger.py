"""The posting engine: writes ledger entries and keeps the maintained balances in step, in the caller's transaction.

Locking (documented, like pretix): every posting first locks the project's `ProjectBalance` row
(SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers anyway). So postings of one project run one at a
time, and postings of different projects never touch the same rows — no deadlocks, no lost updates. Unit and
building rows are then incremented in the database (`F()` for one row; for many, one parameterised UPDATE with a
CASE per batch of 500), so the database adds the deltas to the values it holds.

Only services call `post()`; it checks no permission and writes no audit entry (the service does both).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import DecimalField, F, Value

from pmip.core import clock
from pmip.core.errors import ValidationFailed
from pmip.funds.choices import EntryKind, EntrySource
from pmip.funds.models import ZERO, BuildingBalance, LedgerEntry, ProjectBalance, UnitBalance

BATCH = 500
_MONEY = DecimalField(max_digits=16, decimal_places=2)


@dataclass
class Posting:
    """One entry to write. `unit_id` None = project level (interest pool); then `building_id` must be None."""

    kind: str
    amount: Decimal
    occurred_on: Any
    reference: str
    unit_id: int | None = None
    building_id: int | None = None
    category: str = ""
    period: str = ""
    repair_id: int | None = None
    reversal_of_id: int | None = None
    memo: str = ""
    calc: dict = field(default_factory=dict)


def new_batch() -> str:
    return uuid.uuid4().hex


def figure_deltas(category: str, amount: Decimal, *, project_level: bool = False) -> dict[str, Decimal]:
    """How one entry changes the maintained figures (see BalanceFields)."""
    deltas: dict[str, Decimal] = {"balance": amount}
    if category == EntryKind.FIRST_DEPOSIT:
        deltas["first_deposit"] = amount
        deltas["deposited"] = amount
    elif category == EntryKind.MONTHLY:
        deltas["deposited"] = amount
    elif category == EntryKind.INTEREST:
        deltas["interest"] = amount
        if project_level:
            deltas["pool"] = amount
    elif category == EntryKind.REPAIR_CHARGE:
        deltas["used"] = -amount
    elif category == EntryKind.REFUND:
        deltas["refunded"] = -amount
    elif category == EntryKind.TRANSFER:
        deltas["transferred"] = amount
    else:  # pragma: no cover - the database refuses other categories
        raise ValueError(category)
    return deltas


def lock_project(project_id: int) -> ProjectBalance:
    """Lock (creating if needed) the project's balance row: the serialisation point of its postings."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger postings must run inside transaction.atomic()")
    ProjectBalance.objects.get_or_create(project_id=project_id)
    return ProjectBalance.objects.select_for_update().get(project_id=project_id)


def post(
    *,
    project_id: int,
    postings: Sequence[Posting],
    actor,
    batch: str,
    source: str = EntrySource.PLATFORM,
    posted_at=None,
) -> list[LedgerEntry]:
    """Write `postings` and update the balances. The caller holds the transaction (and normally already called
    `lock_project`; calling it again is harmless). Raises ValidationFailed on a duplicate reference."""
    lock_project(project_id)
    if not postings:
        return []
    posted_at = posted_at or clock.now()
    posted_by_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    entries = [
        LedgerEntry(
            project_id=project_id,
            building_id=p.building_id,
            unit_id=p.unit_id,
            kind=p.kind,
            category=p.category or p.kind,
            amount=p.amount,
            occurred_on=p.occurred_on,
            period=p.period,
            source=source,
            reference=p.reference,
            batch=batch,
            repair_id=p.repair_id,
            reversal_of_id=p.reversal_of_id,
            memo=p.memo[:200],
            calc=p.calc,
            posted_at=posted_at,
            posted_by_id=posted_by_id,
        )
        for p in postings
    ]
    try:
        with transaction.atomic():
            created = LedgerEntry.objects.bulk_create(entries, batch_size=2000)
    except IntegrityError as exc:
        raise ValidationFailed(
            "业务流水号重复或记账数据不符合规则，未记账。", code="ledger_rejected"
        ) from exc
    apply_deltas(project_id=project_id, entries=created)
    return created


def apply_deltas(*, project_id: int, entries: Iterable[LedgerEntry]) -> None:
    """Add the entries' effect to the unit, building and project rows (they must be of one project)."""
    unit_d: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    building_d: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    project_d: dict[str, Decimal] = defaultdict(lambda: ZERO)
    unit_building: dict[int, int] = {}
    for e in entries:
        if e.project_id != project_id:
            raise ValueError("entries of several projects in one posting")
        project_level = e.unit_id is None
        for name, value in figure_deltas(e.category, e.amount, project_level=project_level).items():
            project_d[name] += value
            if not project_level and name != "pool":
                unit_d[e.unit_id][name] += value
                building_d[e.building_id][name] += value
        if not project_level:
            unit_building[e.unit_id] = e.building_id

    if unit_d:
        existing = set(UnitBalance.objects.filter(unit_id__in=list(unit_d)).values_list("unit_id", flat=True))
        missing = [u for u in unit_d if u not in existing]
        if missing:
            UnitBalance.objects.bulk_create(
                [
                    UnitBalance(unit_id=u, building_id=unit_building[u], project_id=project_id)
                    for u in missing
                ],
                batch_size=2000,
            )
        _update_rows(UnitBalance, "unit_id", unit_d)
    if building_d:
        existing = set(
            BuildingBalance.objects.filter(building_id__in=list(building_d)).values_list(
                "building_id", flat=True
            )
        )
        missing = [b for b in building_d if b not in existing]
        if missing:
            BuildingBalance.objects.bulk_create(
                [BuildingBalance(building_id=b, project_id=project_id) for b in missing]
            )
        _update_rows(BuildingBalance, "building_id", building_d)
    changes = {
        name: F(name) + Value(value, output_field=_MONEY) for name, value in project_d.items() if value
    }
    if changes:
        ProjectBalance.objects.filter(project_id=project_id).update(**changes)


def _update_rows(model, key: str, deltas: dict[int, dict[str, Decimal]]) -> None:
    """Add per-row deltas in the database: one row with F() expressions; a batch with one parameterised
    `UPDATE … SET col = col + CASE key WHEN id THEN delta … END` per 500 rows (the same increment in SQL; building
    it as Django Case/When expressions costs seconds of Python for a few thousand units)."""
    ids = list(deltas)
    if len(ids) == 1:
        only = ids[0]
        changes = {
            name: F(name) + Value(value, output_field=_MONEY) for name, value in deltas[only].items() if value
        }
        if changes and model.objects.filter(**{key: only}).update(**changes) != 1:  # pragma: no cover
            raise RuntimeError(f"{model.__name__}: row for {key}={only} missing")
        return
    qn = connection.ops.quote_name
    key_column = qn(model._meta.get_field(key).column)
    table = qn(model._meta.db_table)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        names = sorted({name for i in chunk for name, value in deltas[i].items() if value})
        if not names:
            continue
        sets: list[str] = []
        params: list = []
        for name in names:
            column = qn(model._meta.get_field(name).column)
            whens = []
            for i in chunk:
                value = deltas[i].get(name)
                if value:
                    whens.append("WHEN %s THEN %s")
                    params += [i, value]
            sets.append(f"{column} = {column} + CASE {key_column} {' '.join(whens)} ELSE 0 END")
        params += chunk
        # Identifiers come from model metadata (quoted); every value is a parameter.
        sql = f"UPDATE {table} SET {', '.join(sets)} WHERE {key_column} IN ({', '.join(['%s'] * len(chunk))})"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if cursor.rowcount != len(chunk):  # pragma: no cover - rows were created just before
                raise RuntimeError(f"{model.__name__}: expected {len(chunk)} rows, updated {cursor.rowcount}")
