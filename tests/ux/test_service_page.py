"""物业服务 (manual ch. 2, 3): 身份认证 with the choice 业主 / 被委托人 and the user's bound or delegated 小区;
项目信息 opens the user's own 小区 (issue 11 and 12)."""

from __future__ import annotations

import pytest

from pmip.core import clock
from pmip.delegation.models import Delegation, DelegationStatus
from pmip.registry.models import Unit
from tests import factories
from tests.portal_funds.builders import bind

pytestmark = pytest.mark.django_db


@pytest.fixture
def lianhua(city):
    return city.projects["lianhua"]


@pytest.fixture
def owner(lianhua):
    user = factories.account("svc_owner", mobile="+8613900007777", name="张三")
    bind(user, Unit.objects.filter(project=lianhua).first())
    return user


def test_service_asks_for_the_role_first(client, owner):
    client.force_login(owner)
    html = client.get("/property/service/").content.decode()
    assert "身份认证" in html
    assert (
        'href="/property/service/?role=owner"' in html and 'href="/property/service/?role=delegate"' in html
    )
    assert "请先选择您的身份" in html
    assert "业主决策" in html  # the menu is still there


def test_an_owner_sees_the_bound_projects_and_the_choice_is_remembered(client, owner, lianhua):
    client.force_login(owner)
    html = client.get("/property/service/?role=owner").content.decode()
    assert "已绑定的小区" in html and lianhua.name in html
    assert f'href="/property/projects/{lianhua.code}/"' in html
    again = client.get("/property/service/").content.decode()
    assert "已绑定的小区" in again  # remembered in the session


def test_a_delegate_sees_the_delegated_projects(client, owner, lianhua):
    delegate = factories.account("svc_delegate", mobile="+8613900008888", name="李四")
    Delegation.objects.create(
        owner=owner,
        project=lianhua,
        delegate_name="李四",
        delegate_mobile=delegate.mobile,
        delegate_account=delegate,
        status=DelegationStatus.ACTIVE,
        granted_at=clock.now(),
    )
    client.force_login(delegate)
    html = client.get("/property/service/?role=delegate").content.decode()
    assert "委托给您的小区" in html and lianhua.name in html


def test_empty_states_lead_somewhere(client, db):
    user = factories.account("svc_nobody", mobile="+8613900009999")
    client.force_login(user)
    assert 'href="/me/binding/"' in client.get("/property/service/?role=owner").content.decode()
    assert 'href="/delegation/delegate/"' in client.get("/property/service/?role=delegate").content.decode()


def test_anonymous_users_are_asked_to_log_in(client, db):
    html = client.get("/property/service/?role=owner").content.decode()
    assert "/me/login/?next=/property/service/" in html


def test_project_information_opens_the_owners_own_project(client, owner, lianhua):
    client.force_login(owner)
    response = client.get("/property/my-project/")
    assert response.status_code == 302 and response["Location"] == f"/property/projects/{lianhua.code}/"
    service_html = client.get("/property/service/").content.decode()
    assert 'href="/property/my-project/"' in service_html  # the 项目信息 entry


def test_project_information_with_several_projects_offers_a_choice(client, owner, city):
    other = (
        city.projects["longyuan"]
        if "longyuan" in city.projects
        else next(p for k, p in city.projects.items() if k != "lianhua")
    )
    bind(owner, Unit.objects.filter(project=other).first())
    client.force_login(owner)
    response = client.get("/property/my-project/")  # one of them, with 切换小区 to the others
    assert response.status_code == 302
    assert "切换小区" in client.get(response["Location"]).content.decode()
    choice = client.get("/property/my-project/switch/").content.decode()
    assert other.name in choice


def test_project_information_without_a_project_offers_the_search(client, db):
    client.force_login(factories.account("svc_none", mobile="+8613900006666"))
    response = client.get("/property/my-project/")
    assert response.status_code == 200
    assert "/property/projects/" in response.content.decode()
