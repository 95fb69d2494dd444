"""Fixtures of the access-matrix tests (test_access_matrix*.py)."""

import logging

import pytest


@pytest.fixture
def quiet_request_log():
    """Thousands of expected 403/404 warnings would only slow the run."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT
