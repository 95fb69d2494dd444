"""Registry writes (基础数据库维护). Every write checks the actor's scope itself and writes an audit entry."""

from __future__ import annotations

import re
from typing import Any, Final

from django.db import transaction

from pmip.audit.services import record
from pmip.core.errors import NotFound, ValidationFailed
from pmip.core.text import clean_text
from pmip.identity.scopes import project_q
from pmip.registry.models import Community, Project, PropertyCompany


class _Unset:
    """Marks a keyword that was not given (leave the field as it is); distinct from None (clear the field)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset()

#: The basic-information fields a back-office role with `can_edit` may change, with their Chinese labels.
PROJECT_EDITABLE_FIELDS: Final[dict[str, str]] = {
    "name": "项目名称",
    "address": "地址",
    "service_phone": "客服电话",
    "company": "物业服务企业",
    "community": "社区",
}

_PHONE_RE = re.compile(r"[0-9+\-() ]{5,30}")


def _text(value: Any, *, field: str, label: str, max_length: int, required: bool) -> str:
    return clean_text(
        value, field=field, label=label, max_length=max_length, required=required, collapse_spaces=True
    )


def _phone(value: Any) -> str:
    value = _text(value, field="service_phone", label="客服电话", max_length=30, required=False)
    if value and (not _PHONE_RE.fullmatch(value) or sum(ch.isdigit() for ch in value) < 5):
        raise ValidationFailed(
            "客服电话格式不正确，请填写数字，可含区号和“-”，例如 0755-88881234。", field="service_phone"
        )
    return value


def _fk_value(obj) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": str(obj)}


def update_project(
    *,
    actor,
    project: Project,
    name: str | _Unset = UNSET,
    address: str | _Unset = UNSET,
    service_phone: str | _Unset = UNSET,
    company: PropertyCompany | None | _Unset = UNSET,
    community: Community | None | _Unset = UNSET,
) -> Project:
    """Change a project's basic information (基础信息). Fields not given stay as they are.

    Permission: the actor needs a role with `can_edit` whose scope includes the project; otherwise NotFound
    (not-found and forbidden look the same). Validation: name (≤100) and address (≤200) required; service phone
    digits with optional area code; the community must belong to the project's subdistrict. Raises
    ValidationFailed with `field` set.

    Writes `registry.project.updated` with the changed field names and their old/new values (none sensitive) in the
    same transaction. When nothing changes, nothing is written and no audit entry is made.
    Returns the (locked and re-read) project.
    """
    q = project_q(actor, editable=True)
    if q is None:
        raise NotFound("未找到该物业项目，或不在您的管辖范围内。")

    with transaction.atomic(durable=True):
        try:
            current = (
                Project.objects.select_for_update(of=("self",))
                .select_related("district", "subdistrict", "community", "company")
                .filter(q)
                .get(pk=project.pk)
            )
        except Project.DoesNotExist as exc:
            raise NotFound("未找到该物业项目，或不在您的管辖范围内。") from exc

        wanted = _wanted_fields(
            current,
            name=name,
            address=address,
            service_phone=service_phone,
            company=company,
            community=community,
        )
        changes = _apply_changes(current, wanted)
        if not changes:
            return current

        current.save(update_fields=list(changes))
        record(
            actor=actor,
            action="registry.project.updated",
            obj=current,
            data={"fields": list(changes), "changes": changes},
        )
    return current


def _wanted_fields(
    current: Project,
    *,
    name: str | _Unset,
    address: str | _Unset,
    service_phone: str | _Unset,
    company: PropertyCompany | None | _Unset,
    community: Community | None | _Unset,
) -> dict[str, Any]:
    """The given fields, cleaned and checked against the (locked) project; ValidationFailed names the field."""
    wanted: dict[str, Any] = {}
    if name is not UNSET:
        wanted["name"] = _text(name, field="name", label="项目名称", max_length=100, required=True)
    if address is not UNSET:
        wanted["address"] = _text(address, field="address", label="地址", max_length=200, required=True)
    if service_phone is not UNSET:
        wanted["service_phone"] = _phone(service_phone)
    if company is not UNSET:
        if company is not None and not isinstance(company, PropertyCompany):
            raise ValidationFailed("物业服务企业不正确。", field="company")
        wanted["company"] = company
    if community is not UNSET:
        if community is not None and (
            not isinstance(community, Community) or community.subdistrict_id != current.subdistrict_id
        ):
            raise ValidationFailed("所选社区不属于该项目所在的街道。", field="community")
        wanted["community"] = community
    return wanted


def _apply_changes(current: Project, wanted: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Set on `current` the wanted values that differ; returns {field: {"old", "new"}} for the audit entry."""
    changes: dict[str, dict[str, Any]] = {}
    for field in PROJECT_EDITABLE_FIELDS:
        if field not in wanted:
            continue
        new = wanted[field]
        if field in ("company", "community"):
            old = getattr(current, field)
            if (old.pk if old else None) == (new.pk if new else None):
                continue
            changes[field] = {"old": _fk_value(old), "new": _fk_value(new)}
        else:
            old = getattr(current, field)
            if old == new:
                continue
            changes[field] = {"old": old, "new": new}
        setattr(current, field, new)
    return changes
