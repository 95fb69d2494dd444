"""Fixtures for the inbox pages and API: two owners, a task backend that only records, messages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from pmip.integrations.sms import EmbeddedSmsBackend
from pmip.notifications.models import Notification
from tests import factories

DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
T0 = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def quiet_channels(settings, tmp_path):
    settings.PMIP_SMS_OUTBOX_FILE = tmp_path / "sms-outbox.log"
    settings.PMIP_SMS_BACKEND = "embedded"
    settings.PMIP_WECHAT_MESSAGE_BACKEND = "embedded"
    EmbeddedSmsBackend.sent.clear()
    with override_settings(TASKS=DUMMY):
        yield
    EmbeddedSmsBackend.sent.clear()


@pytest.fixture
def owner(db):
    user = factories.account("owner1", mobile="+8613800001111", name="李四")
    user.wechat_openid = "o-owner1-openid"
    user.save()
    return user


@pytest.fixture
def other(db):
    return factories.account("owner2", mobile="+8613800002222", name="王五")


def message(recipient, n: int, *, read: bool = False, link: str = "") -> Notification:
    """A message written directly (test setup), `n` minutes after T0."""
    at = T0 + dt.timedelta(minutes=n)
    return Notification.objects.create(
        recipient=recipient,
        kind="identity.binding.approved",
        title=f"消息{n}",
        body=f"第{n}条消息内容",
        link=link,
        created_at=at,
        read_at=at if read else None,
    )
