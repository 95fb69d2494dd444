"""`set_fund_policy`: a project's maintenance-fund settings (cost standard, rates, threshold, interest method)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import ValidationFailed
from pmip.core.money import MoneyError, parse_decimal
from pmip.funds import permissions
from pmip.funds.choices import (
    InterestMethod,
)
from pmip.funds.models import (
    FundPolicy,
)
from pmip.funds.policy import FIELDS as POLICY_FIELDS
from pmip.funds.services.common import _memo
from pmip.identity.models import Account
from pmip.registry.models import Project

# --------------------------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------------------------


def set_fund_policy(*, actor: Account | None, project: Project, note: str = "", **values: Any) -> FundPolicy:
    """Set (or clear, with None) the project's own fund settings. Keys: see pmip.funds.policy.FIELDS.
    Raises PermissionDenied, ValidationFailed. Audit: funds.policy.updated."""
    permissions.require_ledger(actor, project)
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationFailed(f"未知的设置项：{'、'.join(sorted(unknown))}。")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if value in (None, ""):
            cleaned[name] = None if name != "interest_method" else ""
        elif name == "interest_method":
            if value not in InterestMethod.values:
                raise ValidationFailed("利息分配方式只能是按期末余额或按日均余额。", field=name)
            cleaned[name] = value
        else:
            column = cast(
                models.DecimalField, FundPolicy._meta.get_field(name)
            )  # every other field is a decimal
            places = column.decimal_places
            bound = Decimal(10) ** (column.max_digits - places) - Decimal(1).scaleb(-places)
            try:  # the one bounded parser: "1e30" or "abc" is a 422, not an InvalidOperation 500
                amount = parse_decimal(value, label="设置值", places=places, max_abs=bound)
            except MoneyError as exc:
                raise ValidationFailed(exc.message, field=name) from exc
            if amount <= 0 and name not in ("replenish_threshold_pct",):
                raise ValidationFailed("设置值必须大于0。", field=name)
            cleaned[name] = amount
    with transaction.atomic():
        policy, _ = FundPolicy.objects.select_for_update().get_or_create(project=project)
        before = {name: str(getattr(policy, name) or "") for name in cleaned}
        for name, value in cleaned.items():
            setattr(policy, name, value)
        policy.note = _memo(note) or policy.note
        policy.updated_at = clock.now()
        try:
            policy.full_clean(exclude=["project"])
        except DjangoValidationError as exc:
            raise ValidationFailed("；".join(exc.messages) or "设置值不正确。") from exc
        policy.save()
        policy.refresh_from_db()
        record(
            actor=actor,
            action="funds.policy.updated",
            obj=policy,
            project_id=project.pk,
            data={"before": before, "after": {name: str(getattr(policy, name) or "") for name in cleaned}},
        )
    return policy
