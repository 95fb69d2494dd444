"""The audit action registry (审计操作登记): every code `record()` may write, with its Chinese label.

Each domain registers its codes in its own `audit_actions.py` module (found and imported by pmip.audit when the app
registry is ready), one call per code:

    from pmip.audit.actions import register

    register("tendering.tender.published", "发布招标公告")
    register("decisions.ballot.cast", "投票", private=True)

`record()` refuses a code that is not registered, so a typo cannot create an action nobody can read. `private=True`
marks actions whose entries are never listed on project pages (who voted: the casting entries); `label(code)` is
what every office audit view shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CODE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,3}$")


class UnknownAuditAction(LookupError):
    pass


@dataclass(frozen=True)
class AuditAction:
    code: str
    label: str
    private: bool = False


_REGISTRY: dict[str, AuditAction] = {}


def register(code: str, label: str, *, private: bool = False) -> str:
    """Register one action code with its Chinese label. Returns the code (so modules may keep it as a constant)."""
    if not CODE_RE.match(code):
        raise ValueError(f"audit action code {code!r} must look like 'domain.object.verb'")
    if not label or not label.strip():
        raise ValueError(f"audit action {code!r} needs a label")
    action = AuditAction(code=code, label=label.strip(), private=private)
    existing = _REGISTRY.get(code)
    if existing is not None and existing != action:
        raise ValueError(f"audit action {code!r} registered twice with different labels")
    _REGISTRY[code] = action
    return code


def get(code: str) -> AuditAction:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise UnknownAuditAction(
            f"audit action {code!r} is not registered (pmip/<app>/audit_actions.py)"
        ) from None


def is_registered(code: str) -> bool:
    return code in _REGISTRY


def label(code: str) -> str:
    """The Chinese label; an unregistered (historic) code is shown as itself."""
    action = _REGISTRY.get(code)
    return action.label if action else code


def private_codes() -> frozenset[str]:
    return frozenset(code for code, action in _REGISTRY.items() if action.private)


def all_actions() -> list[AuditAction]:
    return sorted(_REGISTRY.values(), key=lambda a: a.code)


def choices() -> list[tuple[str, str]]:
    return [(a.code, f"{a.label}（{a.code}）") for a in all_actions()]
