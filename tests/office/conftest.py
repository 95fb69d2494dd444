from __future__ import annotations

import pytest

from pmip.integrations.sms import EmbeddedSmsBackend


@pytest.fixture(autouse=True)
def clean_stand_ins(settings, tmp_path):
    """Empty cache (rate limits) and SMS stand-in; the outbox file goes to a temporary directory."""
    settings.PMIP_SMS_OUTBOX_FILE = tmp_path / "sms-outbox.log"
    settings.PMIP_SMS_BACKEND = "embedded"
    EmbeddedSmsBackend.sent.clear()
    yield
    EmbeddedSmsBackend.sent.clear()
