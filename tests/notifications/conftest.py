"""Fixtures for the notifications tests: task backends, clean provider stand-ins, accounts with addresses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.tasks import task_backends
from django.test import override_settings

from pmip.integrations.sms import EmbeddedSmsBackend
from pmip.integrations.wechat import EmbeddedTemplateSender
from pmip.notifications import channels
from tests import factories

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
T0 = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def clean_stand_ins(settings, tmp_path):
    """Every test starts with empty provider stand-ins, an empty cache (SMS de-dup keys) and a task backend that
    only records what was enqueued."""
    settings.PMIP_SMS_OUTBOX_FILE = tmp_path / "sms-outbox.log"
    settings.PMIP_SMS_BACKEND = "embedded"
    settings.PMIP_WECHAT_MESSAGE_BACKEND = "embedded"
    EmbeddedTemplateSender.clear()
    EmbeddedSmsBackend.sent.clear()
    with override_settings(TASKS=DUMMY):
        yield
    EmbeddedTemplateSender.clear()
    EmbeddedSmsBackend.sent.clear()


@pytest.fixture
def enqueued():
    """What the dummy task backend has recorded, as (task name, args) pairs."""

    def read() -> list[tuple[str, list]]:
        return [(r.task.name, list(r.args)) for r in task_backends["default"].results]

    return read


@pytest.fixture
def immediate_tasks():
    with override_settings(TASKS=IMMEDIATE):
        yield


@pytest.fixture
def owner(db):
    user = factories.account("owner1", mobile="+8613800001111", name="李四")
    user.wechat_openid = "o-owner1-openid"
    user.save()
    return user


@pytest.fixture
def other_owner(db):
    user = factories.account("owner2", mobile="+8613800002222", name="王五")
    user.wechat_openid = "o-owner2-openid"
    user.save()
    return user


class CountingSender:
    """Wraps a WeChat template sender and counts the calls that reach the provider (de-duplicated or not)."""

    def __init__(self, inner=None):
        self.inner = inner or EmbeddedTemplateSender()
        self.calls: list[str] = []

    def send(self, message):
        self.calls.append(message.client_msg_id)
        return self.inner.send(message)


@pytest.fixture
def wechat_provider(monkeypatch):
    """The embedded WeChat stand-in (honours client_msg_id), with a call counter, used by the WeChat channel."""
    sender = CountingSender()
    real_get_sender = channels.get_sender

    def get_sender(channel):
        if channel == "wechat_template":
            return channels.WechatTemplateChannel(sender)
        return real_get_sender(channel)

    monkeypatch.setattr(channels, "get_sender", get_sender)
    return sender


def wechat_messages() -> list:
    return [message for _msgid, message in EmbeddedTemplateSender.sent]
