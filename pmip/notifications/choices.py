from django.db import models


class Channel(models.TextChoices):
    """Outside channels a notification is delivered through. The in-app inbox (站内消息) is always on."""

    WECHAT_TEMPLATE = "wechat_template", "微信模板消息"
    SMS = "sms", "短信"


class OutboxState(models.TextChoices):
    """pending → sending → sent; sending → failed → (retry) sending …; failed/sending → dead after N attempts."""

    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败，等待重试"
    DEAD = "dead", "已放弃"
