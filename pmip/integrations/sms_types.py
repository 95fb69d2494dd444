"""The SMS interface: the message, the error and the protocol every sender implements. Its own module so that the
adapters (`tencent_sms`) and the chooser (`sms.get_backend`) do not import each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SmsMessage:
    mobile: str  # E.164
    template: str  # e.g. "verification_code"
    params: dict[str, str]
    text: str


class SmsSendError(Exception):
    pass


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> str:
        """Send; return the provider's message id. Raise SmsSendError on failure."""
