"""Fixtures of the office-job tests: tasks run at once (the immediate backend), uploads in a temporary directory."""

from __future__ import annotations

import pytest

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def immediate_tasks(settings, private_media):
    settings.TASKS = IMMEDIATE


@pytest.fixture
def queued_tasks(settings, private_media):
    """Tasks are only recorded (the dummy backend): the job stays 排队中 until a test runs it."""
    settings.TASKS = DUMMY
