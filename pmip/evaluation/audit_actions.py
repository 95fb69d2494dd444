"""Audit action codes of 业主评价 (registered with pmip.audit.actions)."""

from pmip.audit.actions import register
from pmip.evaluation.services import ACTIONS

for _code, _label in ACTIONS.items():
    register(_code, _label)
