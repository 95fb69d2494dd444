"""What the embedded stand-ins "sent", for the development page 模拟收件箱 (issue 12).

The SMS stand-in appends every message to `PMIP_SMS_OUTBOX_FILE` (shared by every server process); the WeChat
stand-in keeps template messages in this process's memory. Nothing here is reachable in production: the page
exists only while `active()` — never when PMIP_ENVIRONMENT is "production", where the pmip.E001 system check also
refuses the stand-ins themselves.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass

from django.conf import settings

from pmip.core.conf import pmip_settings
from pmip.integrations.checks import BACKEND_SETTINGS

TAIL_BYTES = 256 * 1024  # read at most the last 256 KB of the outbox file
MAX_ITEMS = 200


@dataclass(frozen=True)
class SentItem:
    channel: str  # "短信" / "微信模板消息"
    to: str
    text: str
    at: dt.datetime | None


def active() -> bool:
    """True when this deployment is not production and at least one stand-in is configured."""
    if pmip_settings().environment == "production":
        return False
    return any(getattr(settings, name, "embedded") == "embedded" for name in BACKEND_SETTINGS)


def _parse_time(value) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def sms_messages(limit: int = MAX_ITEMS) -> list[SentItem]:
    """The newest SMS messages of the stand-in, newest first, from the tail of the outbox file."""
    path = settings.PMIP_SMS_OUTBOX_FILE
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - TAIL_BYTES))
            raw = handle.read(TAIL_BYTES)
    except OSError:
        return []
    lines = raw.decode("utf-8", errors="replace").splitlines()
    if len(raw) == TAIL_BYTES and lines:
        lines = lines[1:]  # the first line may be cut
    items: list[SentItem] = []
    for line in reversed(lines):
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if not isinstance(row, dict):
            continue
        items.append(
            SentItem(
                "短信",
                str(row.get("mobile", ""))[:20],
                str(row.get("text", ""))[:500],
                _parse_time(row.get("at")),
            )
        )
        if len(items) >= limit:
            break
    return items


def wechat_messages(limit: int = MAX_ITEMS) -> list[SentItem]:
    """Template messages the WeChat stand-in sent from this server process, newest first."""
    from pmip.integrations.wechat import EmbeddedTemplateSender

    items = []
    for _msgid, message in reversed(list(EmbeddedTemplateSender.sent)):
        text = "；".join(f"{value}" for value in message.checked.values())
        items.append(SentItem("微信模板消息", message.touser, text[:500], None))
        if len(items) >= limit:
            break
    return items
