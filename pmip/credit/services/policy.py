"""The credit score and grade policy (信用评分规则), changed by an editing city office only."""

from __future__ import annotations

from django.db import transaction

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import PermissionDenied, ValidationFailed
from pmip.credit import scoring
from pmip.credit.choices import Category
from pmip.identity.models import ScopeLevel
from pmip.identity.scopes import roles_of

POLICY_FIELDS = {
    "base_score": (0, 100),
    "good_cap": (0, 100),
    "grade_aaa": (0, 100),
    "grade_aa": (0, 100),
    "grade_a": (0, 100),
    "grade_b": (0, 100),
    "good_validity_days": (1, 3650),
    "minor_validity_days": (1, 3650),
    "general_validity_days": (1, 3650),
    "serious_validity_days": (1, 3650),
    "dispute_days": (1, 90),
    "owner_weight": (0, 100),
    "inspection_weight": (0, 100),
    "risk_threshold": (0, 100),
    "risk_clean_days": (1, 3650),
}


def update_policy(*, actor, values: dict, public_owner_categories: list[str]):
    if not any(role.level == ScopeLevel.CITY and role.can_edit for role in roles_of(actor)):
        raise PermissionDenied("只有市级管理部门（可编辑）可以修改信用评分规则。")
    clean = {}
    for field, (low, high) in POLICY_FIELDS.items():
        value = values.get(field)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationFailed(f"{field} 必须是{low}到{high}的整数。", field=field)
        clean[field] = value
    if not clean["grade_aaa"] > clean["grade_aa"] > clean["grade_a"] > clean["grade_b"]:
        raise ValidationFailed("等级分数线必须从高到低：AAA > AA > A > B。")
    if clean["owner_weight"] + clean["inspection_weight"] == 0:
        raise ValidationFailed("两项权重不能都为0。")
    cats = sorted({c for c in public_owner_categories if c in Category.values})
    with transaction.atomic():
        policy = scoring.get_policy()
        for field, value in clean.items():
            setattr(policy, field, value)
        policy.public_owner_categories = cats
        policy.updated_at = clock.now()
        policy.save()
        record(
            actor=actor,
            action="credit.policy.updated",
            obj=policy,
            data={**clean, "public_owner_categories": cats},
        )
    return policy
