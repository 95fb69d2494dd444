import pytest

from tests.identity.factories_offline import offline_env  # noqa: F401


@pytest.fixture(autouse=True)
def _env(offline_env):  # noqa: F811
    return offline_env
