"""Stand-in inboxes (issue 12): while the SMS/WeChat/face stand-ins are active (never in production), a development
page lists the messages sent, linked from the log-in pages and printed in the banner; the captcha shows its answer."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from pmip.integrations.sms import send_sms

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def outbox(settings, tmp_path):
    settings.PMIP_SMS_OUTBOX_FILE = tmp_path / "sms-outbox.log"
    return settings.PMIP_SMS_OUTBOX_FILE


def test_the_inbox_lists_the_sms_the_stand_in_sent_with_phone_text_and_time(client):
    send_sms(mobile="+8613900000001", template="verification_code", params={"code": "482913", "minutes": "5"})
    response = client.get("/dev/inbox/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "+8613900000001" in html and "482913" in html
    assert "<time datetime=" in html
    assert response["Cache-Control"] == "no-store"


def test_the_inbox_reads_only_the_tail_of_a_large_outbox_and_skips_bad_lines(client, outbox):
    outbox.write_text("not json\n" + ("x" * 300_000) + "\n[1]\n", encoding="utf-8")
    send_sms(mobile="+8613900000002", template="verification_code", params={"code": "111222", "minutes": "5"})
    response = client.get("/dev/inbox/")
    assert response.status_code == 200 and "111222" in response.content.decode()


def test_no_inbox_in_production_or_without_stand_ins(client, settings):
    settings.PMIP_ENVIRONMENT = "production"
    assert client.get("/dev/inbox/").status_code == 404
    assert "模拟收件箱" not in client.get("/me/login/").content.decode()
    assert "图形验证码为" not in client.get("/me/login/").content.decode()
    settings.PMIP_ENVIRONMENT = "development"
    for name in (
        "PMIP_SMS_BACKEND",
        "PMIP_WECHAT_OAUTH_BACKEND",
        "PMIP_WECHAT_MESSAGE_BACKEND",
        "PMIP_FACEID_BACKEND",
        "PMIP_TITLE_REGISTRY_BACKEND",
    ):
        setattr(settings, name, "real")
    assert client.get("/dev/inbox/").status_code == 404


@pytest.mark.parametrize("url", ["/me/login/", "/office/login/"])
def test_log_in_pages_link_the_inbox(client, url):
    assert 'href="/dev/inbox/"' in client.get(url).content.decode()


def test_the_captcha_shows_its_answer_in_development(client):
    from captcha.models import CaptchaStore

    html = client.get("/me/login/").content.decode()
    store = CaptchaStore.objects.order_by("-pk").first()
    assert f"图形验证码为 <strong>{store.response.upper()}</strong>" in html


def test_the_banner_prints_where_the_inbox_is(db):
    out = io.StringIO()
    call_command("pmip_banner", "--port", "8123", stdout=out)
    assert "http://127.0.0.1:8123/dev/inbox/" in out.getvalue()
