"""The owner menu tree (manual ch. 1, 2, 6, 11): every page answers, shows its items, and every item is a real link."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from pmip.portal.menus import FEATURES, MENUS
from tests.portal.helpers import hrefs, text

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


def test_every_menu_entry_resolves_to_a_page():
    for menu in MENUS.values():
        for entry in menu.entries:
            assert entry.url.startswith("/")


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


def test_pending_feature_page_says_what_is_not_available(client):
    response = client.get(reverse("portal:soon", args=["enquiries"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "「互动交流」功能建设中" in body
    assert "「互动交流」暂未开放，目前无法使用。" in text(body)
    assert f'href="{reverse("portal:property")}" class="weui-btn weui-btn_default">返回上级菜单<' in body


@pytest.mark.parametrize("slug", sorted(FEATURES))
def test_every_pending_feature_has_its_page(client, slug):
    response = client.get(reverse("portal:soon", args=[slug]))
    assert response.status_code == 200
    assert f"「{FEATURES[slug].title}」功能建设中" in response.content.decode()


def test_unknown_feature_is_404_in_chinese(client):
    response = client.get("/soon/no-such-thing/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


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


@pytest.mark.parametrize(
    ("slug", "tab_label"),
    [("gov-interaction", "首页")],  # the other pending entries of the menus are built now
)
def test_pending_page_marks_the_tab_it_belongs_to(client, slug, tab_label):
    body = client.get(reverse("portal:soon", args=[slug])).content.decode()
    tabbar = body[body.index('class="weui-tabbar') :]
    on = tabbar[tabbar.index("weui-bar__item_on") :]
    assert on[: on.index("</a>")].endswith(f'<p class="weui-tabbar__label">{tab_label}</p>\n  ')


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
