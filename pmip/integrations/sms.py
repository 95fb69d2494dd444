"""SMS: the interface every sender implements, and the embedded stand-in used by default and in tests.

The stand-in appends each message to `settings.PMIP_SMS_OUTBOX_FILE` and keeps the last messages in memory so a
developer (and a test) can read the code that was "sent". Real adapters (Tencent Cloud SMS) live beside it and are
chosen by `settings.PMIP_SMS_BACKEND`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque

from django.conf import settings

from pmip.core import clock
from pmip.core.masking import mask_phone
from pmip.integrations.sms_types import SmsBackend, SmsMessage, SmsSendError

log = logging.getLogger(__name__)

__all__ = ["EmbeddedSmsBackend", "SmsBackend", "SmsMessage", "SmsSendError", "get_backend", "send_sms"]


class EmbeddedSmsBackend:
    """Stand-in: writes the message to the outbox file and memory. Never leaves the machine."""

    sent: deque[SmsMessage] = deque(maxlen=200)
    _lock = threading.Lock()

    def send(self, message: SmsMessage) -> str:
        with self._lock:
            self.sent.append(message)
            try:
                path = settings.PMIP_SMS_OUTBOX_FILE
                with open(path, "a", encoding="utf-8") as handle:
                    handle.write(
                        json.dumps(
                            {"at": clock.now().isoformat(), "mobile": message.mobile, "text": message.text},
                            ensure_ascii=False,
                        )
                        + "\n"
                    )
            except OSError:  # the outbox file is a convenience; memory is enough
                pass
        log.info("embedded SMS to %s: %s", mask_phone(message.mobile), message.template)
        return f"embedded-{len(self.sent)}"

    @classmethod
    def last_to(cls, mobile: str) -> SmsMessage | None:
        for message in reversed(cls.sent):
            if message.mobile == mobile:
                return message
        return None


TEMPLATES = {
    "verification_code": "【深圳物业】您的验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。",
}


def get_backend() -> SmsBackend:
    name = settings.PMIP_SMS_BACKEND
    if name == "embedded":
        return EmbeddedSmsBackend()
    if name == "tencent":
        from pmip.integrations.tencent_sms import TencentSmsBackend

        return TencentSmsBackend.from_settings()
    raise SmsSendError(f"unknown PMIP_SMS_BACKEND {name!r}")


def send_sms(*, mobile: str, template: str, params: dict[str, str]) -> str:
    text = TEMPLATES[template].format(**params)
    return get_backend().send(SmsMessage(mobile=mobile, template=template, params=params, text=text))
