"""Audit action codes of 信用信息 (registered with pmip.audit.actions)."""

from pmip.audit.actions import register
from pmip.credit.services import ACTIONS

for _code, _label in ACTIONS.items():
    register(_code, _label)
