"""A stand-in bank for tests: holds flows per account number and pushes them like a real bank would.

Test-only code (issue 9): it lived in `pmip.funds.bank` with a class-level dict shared between tests; here every
instance has its own statements.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.dateparse import parse_date

from pmip.funds.services import receive_bank_push


class EmbeddedBank:
    """The stand-in bank (`BankAdapter`): `add` flows, read them back with `flows_since`, or `push` them."""

    name = "embedded"

    def __init__(self) -> None:
        self.statements: dict[str, list[dict[str, Any]]] = {}

    def add(self, *, account_number: str, flows: list[dict[str, Any]]) -> None:
        self.statements.setdefault(account_number, []).extend(flows)

    def flows_since(self, *, account_number: str, since: dt.date) -> list[dict[str, Any]]:
        return [
            f
            for f in self.statements.get(account_number, [])
            if (parse_date(f.get("date")) or since) >= since
        ]

    def push(self, *, account, flows: list[dict[str, Any]]):
        """Record the flows at the bank and push them to the platform (what a pushing bank does)."""
        self.add(account_number=account.reveal_number(), flows=flows)
        return receive_bank_push(account=account, flows=flows)
