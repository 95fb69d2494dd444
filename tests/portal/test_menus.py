"""The owner menu tree (manual ch. 1, 2, 6, 11): every page answers, shows its items, and every item links to a
built page (the 功能建设中 placeholder is gone, issue 10)."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import resolve, reverse

from pmip.demo.load import load_demo_city
from pmip.identity.models import Account
from pmip.portal.menus import HOME_MODULES, HOME_SHORTCUTS, MENUS, PROJECT_SECTIONS
from pmip.registry.models import Unit
from tests.portal.helpers import hrefs
from tests.portal_funds.builders import bind

pytestmark = pytest.mark.django_db

# The manual's own menu items, per page.
EXPECTED_ITEMS = {
    "portal:home": ["信息公开", "业务办理", "政民互动"],
    "portal:hall": ["物业"],
    "portal:property": ["我的小区", "信息公开", "互动交流"],
    "portal:mine": ["物业服务", "业主评价", "业主身份绑定", "被委托人认证"],
    "portal:service": [
        "业主决策",
        "委托管理",
        "维修资金情况",
        "项目信息",
        "信息公开",
        "评价小区",
        "季度收支报表",
        "业主共有资金",
        "小区气象公告栏",
        "招标投标情况",
    ],
    "portal:disclosure": [
        "物业信息",
        "信用信息",
        "物业服务评价",
        "维修金概览",
        "数据共享银行",
        "物业企业查询",
        "物业项目查询",
        "从业人员查询",
        "业主大会查询",
    ],
}


@pytest.mark.parametrize("url_name", list(EXPECTED_ITEMS))
def test_menu_page_lists_its_items(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    body = response.content.decode()
    for label in EXPECTED_ITEMS[url_name]:
        assert f">{label}<" in body, label


def test_menu_path_from_home_to_project_search(client):
    """首页 → 业务办理 → 物业 → 信息公开 → 物业项目查询, by following the links on each page."""
    path = [("业务办理", "portal:hall"), ("物业", "portal:property"), ("信息公开", "portal:disclosure")]
    url = reverse("portal:home")
    for _label, target in path:
        body = client.get(url).content.decode()
        assert reverse(target) in hrefs(body)
        url = reverse(target)
    body = client.get(url).content.decode()
    assert reverse("portal:project_search") in hrefs(body)


def test_every_link_on_every_menu_page_answers(client):
    seen: set[str] = set()
    for url_name in EXPECTED_ITEMS:
        body = client.get(reverse(url_name)).content.decode()
        seen.update(h for h in hrefs(body) if h.startswith("/") and not h.startswith("/static/"))
    # all four tabbar targets and every menu page are among them
    assert {reverse("portal:home"), reverse("portal:mine"), reverse("portal:disclosure")} <= seen
    assert reverse("portal:account") in seen
    for url in sorted(seen):
        assert client.get(url, follow=True).status_code == 200, url


def every_entry():
    entries = [e for menu in MENUS.values() for e in menu.entries]
    entries += [m.entry for m in HOME_MODULES] + list(HOME_SHORTCUTS)
    return entries


@pytest.fixture
def demo_owner_client(client):
    """An owner of the demo city bound to 莲花山庄 1-801 (张伟明's flat), as after `make run`."""
    load_demo_city(scale="tiny", seed=1)
    owner = Account.objects.create_user(username="menu_owner", password=None, mobile="+8613912340001")
    bind(owner, Unit.objects.get(project__code="4403040001", building__number="1", number="801"))
    client.force_login(owner)
    return client


def test_every_menu_item_links_to_a_built_page(demo_owner_client):
    entries = every_entry()
    assert len(entries) >= 25
    for entry in entries:
        match = resolve(entry.url)  # raises for a link to nowhere
        assert match.url_name, entry.label
        response = demo_owner_client.get(entry.url, follow=True)
        assert response.status_code == 200, (entry.label, entry.url)
        body = response.content.decode()
        assert "建设中" not in body and "暂未开放" not in body, (entry.label, entry.url)


def test_every_project_section_is_a_built_page(demo_owner_client):
    for section in PROJECT_SECTIONS:
        url = reverse("portal:project_detail", args=["4403040001"])
        if section.slug != "basic":
            url = reverse("portal:project_section", args=["4403040001", section.slug])
        response = demo_owner_client.get(url)
        assert response.status_code == 200, url
        assert "建设中" not in response.content.decode(), url


def test_the_placeholder_page_is_gone(client):
    response = client.get("/soon/enquiries/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_tabbar_on_pages(client):
    body = client.get(reverse("portal:mine")).content.decode()
    tabbar = body[body.index('class="weui-tabbar') :]
    assert [label for label in ["首页", "我的小区", "信息公开", "我的"] if f">{label}</p>" in tabbar] == [
        "首页",
        "我的小区",
        "信息公开",
        "我的",
    ]
    # the current tab is marked
    assert 'href="/property/mine/" class="weui-tabbar__item weui-bar__item_on"' in tabbar


def test_pages_load_weui_and_htmx(client):
    body = client.get(reverse("portal:home")).content.decode()
    assert "/static/vendor/weui/weui.min.css" in body
    assert "/static/vendor/htmx/htmx.min.js" in body
    assert "/static/portal/portal.css" in body


def test_static_files_are_found():
    from django.contrib.staticfiles import finders

    for path in ["vendor/weui/weui.min.css", "vendor/htmx/htmx.min.js", "portal/portal.css"]:
        assert finders.find(path), path


def test_unknown_url_is_404_in_chinese(client):
    response = client.get("/this/does/not/exist/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body
    assert 'href="/"' in body


def test_500_template_needs_no_context():
    body = render_to_string("500.html")
    assert "系统繁忙，请稍后再试" in body
    assert "{{" not in body and "{%" not in body


def test_account_tab_offers_log_in_then_the_owner_hub(client, django_user_model):
    body = client.get(reverse("portal:account")).content.decode()
    assert "您尚未登录" in body and reverse("portal_account:login") in body
    owner = django_user_model.objects.create_user(
        username="owner-hub", display_name="张三", mobile="+8613800001234"
    )
    client.force_login(owner)
    body = client.get(reverse("portal:account")).content.decode()
    assert "张*" in body and "138****1234" in body
    for name in (
        "portal_account:binding",
        "portal_inbox:index",
        "portal_inbox:settings",
        "portal_delegation:index",
    ):
        assert reverse(name) in body
