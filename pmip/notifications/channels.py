"""Outside channels: turn one `OutboxMessage` into one provider call, passing its idempotency key along.

- WeChat template messages: the key is WeChat's `client_msg_id`; WeChat (and the embedded stand-in) send a message
  once per (openid, client_msg_id), so a redelivery after a crash is de-duplicated by the provider.
- SMS: SMS providers have no such key, so this channel keeps one itself (`SentKeys`, in the Django cache: Redis in
  production, shared by all workers): a key already sent returns the first provider id without sending again.
  The key is recorded right after the provider answers; a worker killed in between those two steps can still
  cause a second SMS. That window cannot be closed without the provider's help.

Both channels read the recipient's address (openid, mobile) from the account at delivery time; the payload holds
none. A `PermanentDeliveryError` means retrying cannot help (no address, the user unsubscribed): the row goes
`dead` at once. Any other exception is retried with back-off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.core.cache import cache

from pmip.core.conf import pmip_settings
from pmip.integrations import sms as sms_integration
from pmip.integrations import wechat
from pmip.notifications import templates
from pmip.notifications.choices import Channel

if TYPE_CHECKING:
    from pmip.notifications.models import OutboxMessage


class DeliveryError(Exception):
    """A delivery failed; it may work later."""


class PermanentDeliveryError(DeliveryError):
    """A delivery failed in a way no retry will fix."""


class ChannelSender(Protocol):
    def send(self, message: OutboxMessage) -> str:
        """Deliver `message` (using `message.idempotency_key` for de-duplication); return the provider's id."""


# WeChat errcodes that no retry fixes: invalid openid, user not following, user refused messages, bad argument.
WECHAT_PERMANENT_ERRCODES = frozenset({40003, 43004, 43101, 47003})


def absolute_link(link: str) -> str:
    """WeChat opens absolute URLs only: prefix `PMIP_PUBLIC_BASE_URL`; without it the message has no link."""
    base = (pmip_settings().public_base_url or "").rstrip("/")
    return f"{base}{link}" if base and link else ""


class WechatTemplateChannel:
    def __init__(self, sender: wechat.TemplateSender | None = None):
        self.sender = sender or wechat.get_template_sender()

    def send(self, message: OutboxMessage) -> str:
        openid = message.notification.recipient.wechat_openid
        if not openid:
            raise PermanentDeliveryError("收件人未绑定微信。")
        template = templates.wechat_template(message.payload["template"])
        if template is None:
            raise PermanentDeliveryError(f"未知的微信消息模板 {message.payload['template']}。")
        try:
            outgoing = wechat.TemplateMessage(
                touser=openid,
                template_id=template.template_id(),
                data=message.payload["data"],
                url=absolute_link(message.payload.get("link", "")),
                client_msg_id=message.idempotency_key,
            )
        except wechat.TemplateDataError as exc:
            raise PermanentDeliveryError(str(exc)) from exc
        try:
            return self.sender.send(outgoing)
        except wechat.WechatApiError as exc:
            if exc.errcode in WECHAT_PERMANENT_ERRCODES:
                raise PermanentDeliveryError(str(exc)) from exc
            raise


class SentKeys:
    """De-duplication keys of SMS already sent → the provider's message id. Kept 7 days."""

    prefix = "pmip:notifications:sms-sent:"
    timeout = 7 * 24 * 3600

    def get(self, key: str) -> str | None:
        return cache.get(self.prefix + key)

    def remember(self, key: str, provider_message_id: str) -> None:
        cache.set(self.prefix + key, provider_message_id or "sent", timeout=self.timeout)


class SmsChannel:
    def __init__(self, backend: sms_integration.SmsBackend | None = None, keys: SentKeys | None = None):
        self.backend = backend or sms_integration.get_backend()
        self.keys = keys or SentKeys()

    def send(self, message: OutboxMessage) -> str:
        mobile = message.notification.recipient.mobile
        if not mobile:
            raise PermanentDeliveryError("收件人未登记手机号。")
        already = self.keys.get(message.idempotency_key)
        if already is not None:
            return already
        params = dict(message.payload["params"])
        outgoing = sms_integration.SmsMessage(
            mobile=mobile,
            template=message.payload["template"],
            params=params,
            text=templates.sms_text(params),
        )
        provider_message_id = self.backend.send(outgoing)
        self.keys.remember(message.idempotency_key, provider_message_id)
        return provider_message_id


def get_sender(channel: str) -> ChannelSender:
    if channel == Channel.WECHAT_TEMPLATE:
        return WechatTemplateChannel()
    if channel == Channel.SMS:
        return SmsChannel()
    raise PermanentDeliveryError(f"未知的发送渠道 {channel}。")
