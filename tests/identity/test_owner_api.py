"""/api/v1/me/...: the owner's own profile and bindings, and binding through the API with the pages' error codes."""

from __future__ import annotations

import threading

import pytest
from captcha.models import CaptchaStore
from django.test import Client

from pmip.identity import binding
from pmip.identity.models import BindingStatus, HouseBinding, HouseInfoSubmission
from pmip.integrations.title_registry import BoundedTitleRegistry
from pmip.registry.models import Unit
from pmip.registry.title_lookup import EmbeddedTitleRegistry
from tests.identity.binding_support import (  # noqa: F401 - fixtures
    MOBILE,
    ZHANG_ID,
    clean_stand_ins_fixture,
    last_code,
    other_owner_fixture,
    owner_fixture,
    play_face,
    start,
    through_face,
)

MASKED_ID = ZHANG_ID[:3] + "*" * 11 + ZHANG_ID[-4:]


@pytest.fixture
def api(owner):
    client = Client()
    client.force_login(owner)
    return client


def post(client: Client, path: str, body: dict | None = None):
    return client.post(f"/api/v1/me{path}", body or {}, content_type="application/json")


def _unit(city, project: str = "lianhua") -> Unit:
    return Unit.objects.get(project=city.projects[project], building__number="1", number="101")


def api_start(api: Client, *, name: str = "张三") -> dict:
    sent = post(
        api,
        "/binding/sms-code",
        {"mobile": MOBILE, "captcha_key": CaptchaStore.generate_key(), "captcha_value": "PASSED"},
    )
    assert sent.status_code == 200
    assert sent.json() == {"masked_mobile": "139****0001", "resend_after_seconds": 60}
    response = post(
        api,
        "/binding/start",
        {
            "agreement_accepted": True,
            "holder_name": name,
            "id_type": "mainland",
            "id_number": ZHANG_ID,
            "mobile": MOBILE,
            "sms_code": last_code(),
        },
    )
    assert response.status_code == 200
    return response.json()


def api_face(api: Client, outcome: str = "pass"):
    started = post(api, "/binding/face", {"face_consent": True})
    assert started.status_code == 200
    play_face(started.json()["url"], outcome)
    return post(api, "/binding/face/complete")


def test_anonymous_and_staff_get_401(city, staff):
    anonymous = Client().get("/api/v1/me/profile")
    assert anonymous.status_code == 401
    assert anonymous.json() == {"code": "unauthenticated", "message": "请先登录业主账号。", "status": 401}
    officer = Client()
    officer.force_login(staff["city"])
    assert officer.get("/api/v1/me/bindings").status_code == 401


def test_binding_through_the_api(city, api, owner):
    assert api.get("/api/v1/me/profile").json() == {"identity": None, "bindings": 0}
    assert api_start(api) == {"needs_face": True}
    assert api_face(api).json() == {"ok": True}
    found = post(api, "/binding/lookup")
    unit = _unit(city)
    assert found.status_code == 200
    assert found.json() == {
        "units": [
            {
                "unit_id": unit.pk,
                "project_code": "440304001",
                "project_name": "莲花山庄",
                "building_number": "1",
                "unit_number": "101",
                "area": "90.00",
                "holder_masked": "张*",
                "share": "1.0000",
                "already_bound": False,
            }
        ],
        "missing": [],
    }
    bound = post(api, "/binding/bind", {"unit_ids": [unit.pk]})
    assert bound.status_code == 200
    [item] = bound.json()
    made = HouseBinding.objects.get(account=owner)
    assert {
        k: item[k] for k in ("id", "project_name", "building_number", "unit_number", "area", "share")
    } == {
        "id": made.pk,
        "project_name": "莲花山庄",
        "building_number": "1",
        "unit_number": "101",
        "area": "90.00",
        "share": "1.0000",
    }
    assert [b["id"] for b in api.get("/api/v1/me/bindings").json()] == [made.pk]
    assert api.get("/api/v1/me/profile").json() == {
        "identity": {
            "holder_masked": "张*",
            "id_type": "mainland",
            "id_type_label": "居民身份证",
            "id_masked": MASKED_ID,
            "mobile_masked": "139****0001",
            "status": {
                "code": "face",
                "label": "已人脸认证",
                "can_vote": True,
                "can_supplement": False,
                "needs_offline": False,
            },
        },
        "bindings": 1,
    }


def test_the_api_answers_the_manual_errors_with_their_codes(city, api, monkeypatch):
    api_start(api, name="张四")
    api_face(api)
    response = post(api, "/binding/lookup")
    assert response.status_code == 404
    assert response.json() == {
        "code": "title_not_found",
        "message": "暂未获取到您的产权登记信息，如有疑问请致电客服。",
        "status": 404,
    }
    busy = BoundedTitleRegistry(EmbeddedTitleRegistry(), slots=threading.BoundedSemaphore(1))
    busy.slots.acquire(blocking=False)
    monkeypatch.setattr(binding.lookup, "get_title_registry", lambda: busy)
    response = post(api, "/binding/lookup")
    assert response.status_code == 503
    assert response.json() == {
        "code": "registry_unavailable",
        "message": "查询产权数据错误：系统繁忙，请稍后再试",
        "status": 503,
    }


def test_the_api_never_binds_units_outside_the_look_up(city, api, owner):
    api_start(api)
    api_face(api)
    post(api, "/binding/lookup")
    response = post(api, "/binding/bind", {"unit_ids": [_unit(city, "jinghua").pk]})
    assert response.status_code == 422
    assert response.json()["code"] == "unit_not_in_lookup"
    assert HouseBinding.objects.count() == 0


def test_face_device_unsupported_through_the_api(city, api):
    api_start(api)
    response = api_face(api, "unsupported")
    assert response.status_code == 422
    assert response.json() == {"code": "face_unsupported", "message": "该设备不支持人脸识别！", "status": 422}


def test_another_owners_binding_is_404(city, api, owner, other_owner):
    state = through_face(other_owner, start(other_owner).state)
    state, _ = binding.lookup_units(actor=other_owner, state=state)
    [theirs] = binding.bind_units(actor=other_owner, state=state, unit_ids=[_unit(city).pk])
    response = api.get(f"/api/v1/me/bindings/{theirs.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api.get("/api/v1/me/bindings").json() == []
    theirs_client = Client()
    theirs_client.force_login(other_owner)
    assert theirs_client.get(f"/api/v1/me/bindings/{theirs.pk}").json()["id"] == theirs.pk


def test_unbind_all_through_the_api(city, api, owner):
    state = through_face(owner, start(owner).state)
    state, _ = binding.lookup_units(actor=owner, state=state)
    [made] = binding.bind_units(actor=owner, state=state, unit_ids=[_unit(city).pk])
    refused = post(api, "/bindings/unbind-all", {"confirm": False})
    assert (refused.status_code, refused.json()["code"]) == (422, "confirm_required")
    made.refresh_from_db()
    assert made.status == BindingStatus.ACTIVE
    assert post(api, "/bindings/unbind-all", {"confirm": True}).json() == {"ended": 1}
    made.refresh_from_db()
    assert made.status == BindingStatus.ENDED


def test_a_wrong_captcha_sends_no_code_through_the_api(city, api):
    key = CaptchaStore.generate_key()
    response = post(
        api, "/binding/sms-code", {"mobile": MOBILE, "captcha_key": key, "captcha_value": "nope!"}
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "captcha_invalid",
        "message": "图形验证码错误，请重新输入。",
        "status": 422,
        "field": "captcha",
    }


def test_house_information_through_the_api(city, api, owner):
    response = post(
        api,
        "/house-info",
        {
            "subdistrict_id": city.subdistricts["lianhua"].pk,
            "project_name": "海景花园",
            "address": "深圳市福田区",
            "building_number": "8",
            "unit_number": "801",
        },
    )
    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    submission = HouseInfoSubmission.objects.get(account=owner)
    assert response.json()["id"] == submission.pk
    assert (submission.project_name, submission.subdistrict_id) == (
        "海景花园",
        city.subdistricts["lianhua"].pk,
    )
