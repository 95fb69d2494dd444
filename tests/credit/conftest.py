import pytest

from tests.identity.factories_offline import offline_env  # noqa: F401


@pytest.fixture(autouse=True)
def _env(offline_env):  # noqa: F811
    return offline_env


@pytest.fixture
def staff(staff):
    """Credit entries are written by city and district offices with editing rights; the shared staff set's district
    account (futian) is read-only, so here it may edit. `test_read_only_offices_issue_nothing` keeps a read-only one."""
    from pmip.identity.models import StaffRole

    StaffRole.objects.filter(account=staff["futian"]).update(can_edit=True)
    return staff
