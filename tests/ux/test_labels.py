"""One label and one colour per verification state on every owner page; the inbox shows the channels chosen."""

from __future__ import annotations

import pytest

from pmip.core import clock
from pmip.identity.models import OwnerIdentity, VerificationMethod
from pmip.notifications.models import ChannelPreference
from pmip.registry.models import Unit
from tests import factories
from tests.portal_funds.builders import bind

pytestmark = pytest.mark.django_db


@pytest.fixture
def hk_owner(city):
    """A Hong Kong owner (not a mainland ID card): cannot use face verification — 待线下认证."""
    user = factories.account("hk_owner", mobile="+85261234567", name="黄家豪")
    now = clock.now()
    identity = OwnerIdentity(
        account=user,
        holder_name="黄家豪",
        mobile=user.mobile,
        agreement_accepted_at=now,
        verification=VerificationMethod.NONE,
        created_at=now,
        updated_at=now,
    )
    identity.set_id_number("return_home", "H10384726")
    identity.save()
    bind(user, Unit.objects.filter(project=city.projects["lianhua"]).first())
    return user


def test_the_same_state_reads_the_same_on_every_page(client, hk_owner):
    client.force_login(hk_owner)
    badge = (
        '<span class="pm-verify pm-verify_offline_pending" data-status="offline_pending">待线下认证</span>'
    )
    for url in ("/me/binding/", "/decisions/", "/delegation/offline/"):
        html = client.get(url).content.decode()
        assert badge in html, url
        assert "未认证</span>" not in html, url


def test_the_inbox_shows_the_channels_actually_chosen(client, hk_owner):
    client.force_login(hk_owner)
    assert (
        '<div class="weui-cell__ft" id="channels-chosen">微信</div>'
        in client.get("/me/messages/").content.decode()
    )
    ChannelPreference.objects.create(account=hk_owner, wechat=False, sms=True)
    assert (
        '<div class="weui-cell__ft" id="channels-chosen">短信</div>'
        in client.get("/me/messages/").content.decode()
    )
    ChannelPreference.objects.filter(account=hk_owner).update(sms=False)
    assert "仅站内消息" in client.get("/me/messages/").content.decode()
