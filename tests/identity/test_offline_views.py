"""线下认证 through HTTP: the back-office pages (search by ID number, application, upload, decide, evidence file) and
the owner's page (apply, status, own evidence). Out of scope is 404 everywhere, and writes nothing."""

from __future__ import annotations

import re

import pytest

from pmip.audit.models import AuditEntry
from pmip.identity import offline
from pmip.identity.models import (
    AccountKind,
    OfflineEvidence,
    OfflineVerification,
    OwnerIdentity,
    ScopeLevel,
    StaffRole,
)
from pmip.notifications.models import Notification
from tests import factories
from tests.factories import login_staff
from tests.identity.factories_offline import (
    HK_NUMBER,
    PDF_BYTES,
    application,
    hk_owner,
    mainland_owner,
    offline_env,  # noqa: F401 - fixture
    png_bytes,
    three_files,
    upload,
)
from tests.portal.helpers import text

pytestmark = pytest.mark.usefixtures("offline_env")

SEARCH = "/office/verification/offline/"


def detail_url(app) -> str:
    return f"/office/verification/offline/{app.pk}/"


@pytest.fixture
def hk(city):
    return hk_owner(city)


@pytest.fixture
def app(city, hk):
    return application(hk[0], city.projects["lianhua"])


@pytest.fixture
def other_committee(city):
    user = factories.account(
        "staff_jinghua", kind=AccountKind.STAFF, mobile="+8613800009999", name="景华苑业委会"
    )
    StaffRole.objects.create(account=user, level=ScopeLevel.COMMITTEE, project=city.projects["jinghua"])
    return user


def state(app) -> tuple:
    app.refresh_from_db()
    identity = OwnerIdentity.objects.get(pk=app.identity_id)
    return (
        app.status,
        app.decided_by_id,
        identity.verification,
        OfflineEvidence.objects.count(),
        AuditEntry.objects.count(),
        Notification.objects.count(),
    )


# --- back office --------------------------------------------------------------------------------------------


def test_search_by_id_number_lists_the_application_without_echoing_the_number(client, staff, app):
    login_staff(client, staff["committee"])
    page = client.get(SEARCH)
    assert page.status_code == 200
    assert re.search(r"data-pending-count>1<", page.content.decode())
    response = client.post(SEARCH, {"id_number": "h12345678"})
    assert response.status_code == 200
    body = response.content.decode()
    assert [a.pk for a in response.context["results"]] == [app.pk]
    assert f'href="{detail_url(app)}"' in body
    assert "H******78" in body and "陈**" in body
    assert HK_NUMBER not in body and "h12345678" not in body
    assert response.context["searched"] == "H******78"


def test_search_in_another_scope_finds_nothing(client, staff, app, other_committee):
    for actor in (staff["yuehai"], other_committee):
        login_staff(client, actor)
        response = client.post(SEARCH, {"id_number": HK_NUMBER})
        assert response.status_code == 200
        assert response.context["results"] == []
        assert "未找到该证件号码在您管辖范围内的线下认证申请" in text(response.content.decode())


def test_search_with_a_malformed_number_shows_the_error(client, staff, app):
    login_staff(client, staff["committee"])
    response = client.post(SEARCH, {"id_number": "abc"})
    assert response.status_code == 200
    assert response.context["results"] is None
    assert "证件号码格式不正确，请核对后重新输入。" in response.content.decode()


def test_roles_that_do_not_verify_get_an_explanation(client, staff, app):
    login_staff(client, staff["city"])
    assert "只有业委会（筹备组）和街道办的工作人员可以办理线下认证。" in client.get(SEARCH).content.decode()
    assert client.post(SEARCH, {"id_number": HK_NUMBER}).status_code == 403


def test_the_id_number_never_appears_in_a_url(client, staff, app):
    login_staff(client, staff["committee"])
    response = client.get(SEARCH, {"id_number": HK_NUMBER})
    assert "results" not in response.context or response.context["results"] is None


def test_detail_shows_the_titles_to_check(client, staff, app):
    login_staff(client, staff["lianhua"])
    response = client.get(detail_url(app))
    assert response.status_code == 200
    body = response.content.decode()
    titles = text(body[body.index('id="titles"') : body.index("</table>", body.index('id="titles"'))])
    assert "1栋102 陈** 港澳居民来往内地通行证 H******78 1 粤(2016)深圳市不动产权第0012345号 一致" in titles
    assert HK_NUMBER not in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_upload_approve_and_owner_sees_it(client, staff, app, hk):
    login_staff(client, staff["committee"])
    response = client.post(detail_url(app) + "evidence/", three_files())
    assert response.status_code == 302 and response["Location"] == detail_url(app)
    assert sorted(OfflineEvidence.objects.values_list("kind", flat=True)) == [
        "holding_photo",
        "id_proof",
        "title_proof",
    ]
    # approval needs the confirmation tick
    response = client.post(detail_url(app) + "approve/", {})
    assert response.status_code == 422
    assert "请先勾选确认已当面核对材料。" in response.content.decode()
    assert OfflineVerification.objects.get(pk=app.pk).status == "pending"
    response = client.post(detail_url(app) + "approve/", {"confirm": "on"})
    assert response.status_code == 302
    assert OwnerIdentity.objects.get(pk=app.identity_id).verification == "offline"
    page = client.get(detail_url(app))
    assert "线下认证已通过" in text(page.content.decode())
    assert f'action="/office/verification/offline/{app.pk}/approve/"' not in page.content.decode()

    client.force_login(hk[0])
    owner_page = client.get("/delegation/offline/")
    assert owner_page.status_code == 200
    assert re.search(
        r'data-field="verification"><span class="pm-verify pm-verify_offline" data-status="offline">已人脸认证（线下）<',
        owner_page.content.decode(),
    )


def test_upload_errors_are_shown_and_nothing_is_kept(client, staff, app):
    login_staff(client, staff["committee"])
    response = client.post(
        detail_url(app) + "evidence/", {"id_proof": upload("a.jpg", b"GIF89a" + b"\x00" * 40, "image/jpeg")}
    )
    assert response.status_code == 422
    assert "身份证件证明只能上传JPG、PNG图片或PDF文件。" in response.content.decode()
    response = client.post(detail_url(app) + "evidence/", {})
    assert response.status_code == 422
    assert "请至少选择一个要上传的文件。" in response.content.decode()
    assert OfflineEvidence.objects.count() == 0
    assert (
        not any(p.is_file() for p in offline.private_root().rglob("*"))
        if offline.private_root().exists()
        else True
    )


def test_reject_needs_a_reason(client, staff, app):
    login_staff(client, staff["committee"])
    response = client.post(detail_url(app) + "reject/", {"reason": ""})
    assert response.status_code == 422
    assert "请填写不通过的原因。" in response.content.decode()
    response = client.post(detail_url(app) + "reject/", {"reason": "本人未到场"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert (app.status, app.reason) == ("rejected", "本人未到场")


@pytest.mark.parametrize("who", ["yuehai", "other_committee", "city", "company"])
def test_out_of_scope_is_404_for_page_decisions_and_files(client, staff, app, other_committee, who):
    offline.add_evidence(actor=staff["committee"], application_id=app.pk, files=three_files())
    evidence = OfflineEvidence.objects.order_by("id").first()
    before = state(app)
    actor = other_committee if who == "other_committee" else staff[who]
    login_staff(client, actor)
    assert client.get(detail_url(app)).status_code == 404
    assert client.post(detail_url(app) + "approve/", {"confirm": "on"}).status_code == 404
    assert client.post(detail_url(app) + "reject/", {"reason": "x"}).status_code == 404
    assert client.post(detail_url(app) + "evidence/", three_files()).status_code == 404
    assert client.get(f"/office/verification/evidence/{evidence.pk}/").status_code == 404
    assert state(app) == before


def test_evidence_file_is_served_only_through_the_checked_view(client, city, staff, app, hk):
    offline.add_evidence(
        actor=staff["committee"],
        application_id=app.pk,
        files={"holding_photo": upload("me.png", png_bytes()), "title_proof": upload("t.pdf", PDF_BYTES)},
    )
    photo = OfflineEvidence.objects.get(kind="holding_photo")
    pdf = OfflineEvidence.objects.get(kind="title_proof")

    login_staff(client, staff["committee"])
    response = client.get(f"/office/verification/evidence/{photo.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    response = client.get(f"/office/verification/evidence/{pdf.pk}/")
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PDF_BYTES

    # never under a static or media URL
    for prefix in ("/static/", "/media/", "/static/private/", "/"):
        assert client.get(prefix + photo.stored_name).status_code == 404
    assert "/" + photo.stored_name not in client.get(detail_url(app)).content.decode()

    # the owner, through the portal
    client.force_login(hk[0])
    response = client.get(f"/delegation/offline/evidence/{photo.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    # not through the back office (an owner account has no back-office rights)
    assert client.get(f"/office/verification/evidence/{photo.pk}/").status_code == 403

    # another owner: 404
    client.force_login(mainland_owner(city, "other", 7))
    assert client.get(f"/delegation/offline/evidence/{photo.pk}/").status_code == 404
    client.logout()
    anonymous = client.get(f"/office/verification/evidence/{photo.pk}/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/office/login/")


# --- owner portal -------------------------------------------------------------------------------------------


def test_owner_applies_in_the_portal(client, city, hk):
    account = hk[0]
    assert "请先登录" in client.get("/delegation/offline/").content.decode()
    client.force_login(account)
    page = client.get("/delegation/offline/")
    body = page.content.decode()
    assert page.status_code == 200
    assert re.search(
        r'data-field="verification"><span class="pm-verify pm-verify_offline_pending" data-status="offline_pending">待线下认证<',
        body,
    )
    assert f'<option value="{city.projects["lianhua"].pk}">莲花山庄</option>' in body
    assert "景华苑" not in body
    response = client.post("/delegation/offline/", {"project": city.projects["jinghua"].pk})
    assert response.status_code == 422
    assert "请选择您已绑定房屋的小区。" in response.content.decode()
    assert OfflineVerification.objects.count() == 0
    response = client.post("/delegation/offline/", {"project": city.projects["lianhua"].pk})
    assert response.status_code == 302
    app = OfflineVerification.objects.get()
    assert (app.account, app.project, app.status) == (account, city.projects["lianhua"], "pending")
    body = client.get("/delegation/offline/").content.decode()
    assert 'id="pending-tip"' in body and "莲花山庄" in body
    assert 'name="project"' not in body


def test_staff_accounts_cannot_use_the_owner_page(client, staff):
    client.force_login(staff["committee"])
    response = client.get("/delegation/offline/")
    assert response.status_code == 403
    assert "请使用业主账号" in response.content.decode()
