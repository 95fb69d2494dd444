"""业主身份绑定 through the owner pages, in the manual's order, with its wording; privacy of what is stored."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from captcha.models import CaptchaStore
from django.db import connection
from django.test import Client

from pmip.identity import binding
from pmip.identity.models import BindingStatus, HouseBinding, HouseInfoSubmission, OwnerIdentity
from pmip.integrations import embedded_faceid
from pmip.integrations.title_registry import BoundedTitleRegistry, TitleHit
from pmip.ops.models import AccountSession as Session
from pmip.registry.models import Unit
from pmip.registry.title_lookup import EmbeddedTitleRegistry
from tests.identity.binding_support import (  # noqa: F401 - fixtures
    MOBILE,
    ZHANG_ID,
    FixedRegistry,
    clean_stand_ins_fixture,
    dump_database,
    face_token,
    last_code,
    legacy_binding,
    other_owner_fixture,
    owner_fixture,
    play_face,
    start,
    through_face,
)
from tests.portal.helpers import text

MASKED_ID = ZHANG_ID[:3] + "*" * 11 + ZHANG_ID[-4:]


@pytest.fixture
def client(owner):
    c = Client()
    c.force_login(owner)
    return c


def _unit(city, project: str = "lianhua") -> Unit:
    return Unit.objects.get(project=city.projects[project], building__number="1", number="101")


def agree(client: Client) -> None:
    assert client.post("/me/binding/notice/", {"agree": "on"})["Location"] == "/me/binding/form/"


def fill_form(client: Client, *, name: str = "张三", id_type: str = "mainland", number: str = ZHANG_ID):
    sent = client.post(
        "/me/binding/form/",
        {
            "action": "send_code",
            "mobile": MOBILE[3:],
            "captcha_0": CaptchaStore.generate_key(),
            "captcha_1": "PASSED",
        },
        HTTP_HX_REQUEST="true",
    )
    assert "验证码已发送至139****0001，5分钟内有效。" in text(sent.content.decode())
    return client.post(
        "/me/binding/form/",
        {
            "holder_name": name,
            "id_type": id_type,
            "id_number": number,
            "mobile": MOBILE[3:],
            "sms_code": last_code(),
        },
    )


def pass_face(client: Client, outcome: str = "pass"):
    started = client.post("/me/binding/face/", {"consent": "on"})
    assert started.status_code == 302
    assert started["Location"].startswith("/me/faceid-standin/verify?token=")
    page = client.get(started["Location"])
    assert "正在核验：张* " + MASKED_ID in text(page.content.decode())
    back = client.post(
        "/me/faceid-standin/verify", {"token": face_token(started["Location"]), "outcome": outcome}
    )
    assert back["Location"].startswith("http://testserver/me/binding/face/return/?token=")
    return client.get(back["Location"])


def test_the_whole_binding_follows_the_manual(city, client, owner):
    assert client.get("/me/binding/")["Location"] == "/me/binding/notice/"
    notice = client.get("/me/binding/notice/").content.decode()
    assert "温馨提示" in notice and "《用户协议》" in notice and "我已经阅读了《用户协议》" in notice
    # Not ticked: no way on.
    refused = client.post("/me/binding/notice/", {})
    assert "请先阅读并勾选“我已经阅读了《用户协议》”。" in text(refused.content.decode())
    assert client.get("/me/binding/form/")["Location"] == "/me/binding/notice/"
    agree(client)
    form = client.get("/me/binding/form/").content.decode()
    for label in (
        "业主姓名",
        "证件类型",
        "证件号码",
        "图形验证码",
        "手机号码",
        "短信验证码",
        "获取验证码",
        "下一步",
    ):
        assert label in form
    assert fill_form(client)["Location"] == "/me/binding/face/"
    consent = client.get("/me/binding/face/").content.decode()
    assert "《人脸识别信息处理告知》" in consent and "不保存任何人脸图像或视频" in consent
    assert "请阅读并勾选同意《人脸识别信息处理告知》。" in text(
        client.post("/me/binding/face/", {}).content.decode()
    )
    assert pass_face(client)["Location"] == "/me/binding/units/"
    units = client.get("/me/binding/units/").content.decode()
    unit = _unit(city)
    assert f'data-unit-id="{unit.pk}"' in units
    assert "莲花山庄 1栋101" in text(units) and "产权人 张*" in text(units) and "面积 90.00 ㎡" in text(units)
    assert "提交绑定" in units
    done = client.post("/me/binding/units/", {"action": "bind", "unit_ids": [unit.pk]})
    assert done["Location"] == "/me/binding/"
    bound = text(client.get("/me/binding/").content.decode())
    for shown in (
        "业主姓名 张*",
        f"证件号码 {MASKED_ID}",
        "手机号码 139****0001",
        "认证状态 已人脸认证",
        "莲花山庄 1栋101",
    ):
        assert shown in bound
    for action in ("添加房屋绑定", "解除所有绑定"):
        assert action in bound
    assert "+身份认证" not in bound
    assert HouseBinding.objects.get(account=owner).unit == unit


def test_no_clear_id_number_in_the_session_or_the_database(city, client, owner):
    agree(client)
    fill_form(client)
    # Mid-flow: the session holds the pending binding, sealed.
    session = Session.objects.get(session_key=client.session.session_key)
    raw = session.session_data
    decoded = session.get_decoded()
    assert binding.SESSION_KEY in decoded
    for blob in (raw, repr(decoded)):
        assert ZHANG_ID not in blob
        assert ZHANG_ID[-8:] not in blob
    pass_face(client)
    client.post("/me/binding/units/", {"action": "bind", "unit_ids": [_unit(city).pk]})
    dump = dump_database(connection)
    assert ZHANG_ID not in dump
    assert ZHANG_ID.lower() not in dump
    # The stand-in's own files hold masked values only.
    from django.conf import settings

    for path in settings.PMIP_STANDIN_DIR.rglob("*"):
        if path.is_file():
            assert ZHANG_ID not in path.read_text(encoding="utf-8")


def test_field_errors_are_shown_next_to_their_fields(city, client):
    agree(client)
    response = client.post(
        "/me/binding/form/",
        {"holder_name": "", "id_type": "mainland", "id_number": "123", "mobile": "12", "sms_code": ""},
    )
    page = text(response.content.decode())
    for message in ("请输入业主姓名。", "请输入短信验证码。"):
        assert message in page
    response = client.post(
        "/me/binding/form/",
        {
            "holder_name": "张三",
            "id_type": "mainland",
            "id_number": "123",
            "mobile": "13912340001",
            "sms_code": "1",
        },
    )
    assert "居民身份证号码应为18位，由17位数字和1位数字或字母X组成。" in text(response.content.decode())


def test_the_sms_button_shows_errors_inline(city, client):
    agree(client)
    response = client.post(
        "/me/binding/form/",
        {
            "action": "send_code",
            "mobile": "123",
            "captcha_0": CaptchaStore.generate_key(),
            "captcha_1": "PASSED",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "手机号码格式不正确" in text(response.content.decode())
    assert "<html" not in response.content.decode()
    response = client.post(
        "/me/binding/form/", {"action": "send_code", "mobile": "13912340001"}, HTTP_HX_REQUEST="true"
    )
    assert "请输入图形验证码。" in text(response.content.decode())


def test_a_failed_face_offers_a_retry(city, client):
    agree(client)
    fill_form(client)
    page = pass_face(client, "fail")
    assert page.status_code == 200
    body = text(page.content.decode())
    assert "人脸识别未通过" in body and "重新识别" in body


def test_an_unsupported_device_gets_the_manual_message(city, client):
    agree(client)
    fill_form(client)
    page = pass_face(client, "unsupported")
    body = text(page.content.decode())
    assert "该设备不支持人脸识别！" in body
    assert "请换一个设备进行绑定。" in body


def test_no_title_shows_the_manual_message(city, client):
    agree(client)
    fill_form(client, name="张四")
    assert pass_face(client)["Location"] == "/me/binding/units/"
    body = text(client.get("/me/binding/units/").content.decode())
    assert "暂未获取到您的产权登记信息，如有疑问请致电客服。" in body
    assert "请检查您输入的姓名或证件号与产权登记房屋的信息是否一致" in body


def test_a_house_missing_from_the_registry_leads_to_the_submission_form(city, client, owner, monkeypatch):
    monkeypatch.setattr(
        binding.lookup,
        "get_title_registry",
        lambda: FixedRegistry([TitleHit("440399999", "8", "801", "张三", Decimal("1"))]),
    )
    agree(client)
    fill_form(client)
    pass_face(client)
    body = text(client.get("/me/binding/units/").content.decode())
    assert "未能找到您的房屋，如有问题请致电客服" in body
    assert "项目编号 440399999 8栋801" in body
    form = client.get("/me/binding/house-info/").content.decode()
    assert "福田区 莲花街道" in form and 'value="801"' in form
    response = client.post(
        "/me/binding/house-info/",
        {
            "subdistrict": city.subdistricts["xiangmihu"].pk,
            "project_name": "海景花园",
            "address": "深圳市福田区香蜜湖路8号",
            "building_number": "8",
            "unit_number": "801",
        },
    )
    assert "您的房屋信息已提交至香蜜湖街道" in text(response.content.decode())
    submission = HouseInfoSubmission.objects.get(account=owner)
    assert (submission.subdistrict, submission.building_number, submission.unit_number) == (
        city.subdistricts["xiangmihu"],
        "8",
        "801",
    )


def test_a_busy_registry_shows_the_manual_message_and_a_retry(city, client, monkeypatch):
    busy = BoundedTitleRegistry(EmbeddedTitleRegistry(), slots=threading.BoundedSemaphore(1))
    busy.slots.acquire(blocking=False)
    monkeypatch.setattr(binding.lookup, "get_title_registry", lambda: busy)
    agree(client)
    fill_form(client)
    pass_face(client)
    body = client.get("/me/binding/units/").content.decode()
    assert "查询产权数据错误：系统繁忙，请稍后再试" in text(body)
    assert 'value="lookup"' in body
    busy.slots.release()
    assert client.post("/me/binding/units/", {"action": "lookup"})["Location"] == "/me/binding/units/"
    assert "提交绑定" in client.get("/me/binding/units/").content.decode()


def test_units_outside_the_look_up_cannot_be_bound_through_the_page(city, client, owner):
    agree(client)
    fill_form(client)
    pass_face(client)
    other = _unit(city, "jinghua")
    response = client.post("/me/binding/units/", {"action": "bind", "unit_ids": [other.pk]})
    assert "所选房屋不在您的产权查询结果中，请重新查询。" in text(response.content.decode())
    assert HouseBinding.objects.count() == 0


def test_non_mainland_owners_are_told_to_get_offline_verification(city, client, owner):
    from tests import factories

    unit = Unit.objects.get(project=city.projects["haian"], building__number="2", number="101")
    factories.title(unit, "陈大文", "H12345678", id_type="return_home")
    agree(client)
    response = fill_form(client, name="陈大文", id_type="return_home", number="H12345678")
    assert response["Location"] == "/me/binding/units/"
    units = text(client.get("/me/binding/units/").content.decode())
    assert "绑定后还需联系业委会（筹备组）或街道办进行线下认证" in units
    client.post("/me/binding/units/", {"action": "bind", "unit_ids": [unit.pk]})
    bound = text(client.get("/me/binding/").content.decode())
    assert "认证状态 待线下认证" in bound
    assert "需线下认证" in bound
    assert "线下认证资料（产权证明、身份证件证明、个人手持身份证件的照片）" in bound
    assert "+身份认证" not in bound
    assert "申请线下认证" in bound  # the button to /delegation/offline/ (issue 12: the page had none)


def test_declining_face_still_binds(city, client, owner):
    agree(client)
    fill_form(client)
    assert client.post("/me/binding/face/", {"action": "decline"})["Location"] == "/me/binding/units/"
    client.post("/me/binding/units/", {"action": "bind", "unit_ids": [_unit(city).pk]})
    bound = text(client.get("/me/binding/").content.decode())
    assert "认证状态 未认证 +身份认证" in bound


def test_supplementary_verification_through_the_pages(city, client, owner):
    legacy_binding(city, owner)
    bound = client.get("/me/binding/").content.decode()
    assert "未认证" in text(bound) and 'href="/me/binding/verify/"' in bound
    started = client.post("/me/binding/verify/", {"consent": "on"})
    assert started["Location"].startswith("/me/faceid-standin/verify?token=")
    back = embedded_faceid.finish(face_token(started["Location"]), "pass")
    assert back.startswith("http://testserver/me/binding/verify/return/")
    assert client.get(back)["Location"] == "/me/binding/"
    page = text(client.get("/me/binding/").content.decode())
    assert "认证状态 已人脸认证" in page and "身份认证成功：已人脸认证。" in page
    assert OwnerIdentity.objects.get(account=owner).verification == "face"


def test_unbind_all_asks_for_confirmation(city, client, owner):
    state = through_face(owner, start(owner).state)
    state, _ = binding.lookup_units(actor=owner, state=state)
    [made] = binding.bind_units(actor=owner, state=state, unit_ids=[_unit(city).pk])
    confirm = text(client.get("/me/binding/unbind/").content.decode())
    assert "解除所有绑定" in confirm and "莲花山庄 1栋101" in confirm
    refused = client.post("/me/binding/unbind/", {})
    assert "请勾选确认后再解除所有绑定。" in text(refused.content.decode())
    made.refresh_from_db()
    assert made.status == BindingStatus.ACTIVE
    assert client.post("/me/binding/unbind/", {"confirm": "on"})["Location"] == "/property/mine/"
    made.refresh_from_db()
    assert made.status == BindingStatus.ENDED
    assert client.get("/me/binding/")["Location"] == "/me/binding/notice/"


def test_an_owner_only_sees_their_own_bindings(city, client, owner, other_owner):
    state = through_face(other_owner, start(other_owner).state)
    state, _ = binding.lookup_units(actor=other_owner, state=state)
    [theirs] = binding.bind_units(actor=other_owner, state=state, unit_ids=[_unit(city).pk])
    assert client.get(f"/me/binding/houses/{theirs.pk}/").status_code == 404
    mine = Client()
    mine.force_login(other_owner)
    detail = text(mine.get(f"/me/binding/houses/{theirs.pk}/").content.decode())
    assert "莲花山庄" in detail and "1栋101" in detail
    assert client.get("/me/binding/")["Location"] == "/me/binding/notice/"


def test_add_house_binding_through_the_page(city, client, owner):
    from tests import factories

    state = through_face(owner, start(owner).state)
    state, _ = binding.lookup_units(actor=owner, state=state)
    binding.bind_units(actor=owner, state=state, unit_ids=[_unit(city).pk])
    second = Unit.objects.get(project=city.projects["xiangmi"], building__number="2", number="102")
    factories.title(second, "张三", ZHANG_ID)
    assert client.post("/me/binding/add/")["Location"] == "/me/binding/units/"
    page = client.get("/me/binding/units/").content.decode()
    assert "已绑定" in page
    client.post("/me/binding/units/", {"action": "bind", "unit_ids": [second.pk]})
    assert "香蜜花园 2栋102" in text(client.get("/me/binding/").content.decode())


def test_the_face_stand_in_page_is_off_with_the_real_backend(city, settings, client, owner):
    started = start(owner)
    _state, session = binding.start_face(
        actor=owner, state=started.state, face_consent=True, redirect_url="http://testserver/r/"
    )
    settings.PMIP_FACEID_BACKEND = "tencent"
    assert client.get(session.url).status_code == 404
    settings.PMIP_FACEID_BACKEND = "embedded"
    play_face(session.url, "pass")
    assert client.get(session.url).status_code == 404  # used: the page is gone


def test_the_bound_page_costs_the_same_queries_for_more_houses(
    city, client, owner, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories

    state = through_face(owner, start(owner).state)
    state, _ = binding.lookup_units(actor=owner, state=state)
    binding.bind_units(actor=owner, state=state, unit_ids=[_unit(city).pk])
    client.get("/me/binding/")  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert client.get("/me/binding/").status_code == 200
    for project in ("jinghua", "xiangmi"):
        extra = Unit.objects.get(project=city.projects[project], building__number="2", number="101")
        factories.title(extra, "张三", ZHANG_ID)
    state, _ = binding.lookup_units(actor=owner, state=None)
    binding.bind_units(
        actor=owner,
        state=state,
        unit_ids=[
            u.pk
            for u in Unit.objects.filter(
                building__number="2", number="101", project__code__in=["440304002", "440304101"]
            )
        ],
    )
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get("/me/binding/")
    assert "已绑定房屋（3）" in page.content.decode()
