"""Owner inbox API (/api/v1/me/messages): the caller's own messages and channel preferences.

Session authentication of an owner account (the same log-in as the owner pages); CSRF is checked on writes.
Another account's message does not exist for the caller (404 `not_found`). Turning SMS on without a mobile on the
account is 422 `invalid` (field `sms`).
"""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema
from pydantic import Field

from pmip.api.owner import OwnerSessionAuth
from pmip.api.pagination import page_of
from pmip.api.schemas import Problem
from pmip.notifications import selectors, services
from pmip.notifications.models import ChannelPreference, Notification

router = Router(tags=["我的消息"], auth=OwnerSessionAuth())
_ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}


class MessageOut(Schema):
    id: int
    kind: str = Field(..., examples=["identity.binding.approved"])
    title: str
    body: str
    link: str = Field(..., description="站内相对地址，可能为空")
    created_at: dt.datetime
    read_at: dt.datetime | None
    is_read: bool

    @classmethod
    def of(cls, n: Notification) -> MessageOut:
        return cls(
            id=n.pk,
            kind=n.kind,
            title=n.title,
            body=n.body,
            link=n.link,
            created_at=n.created_at,
            read_at=n.read_at,
            is_read=n.is_read,
        )


class MessageListIn(Schema):
    page: int = Field(1, ge=1, le=100000, description="页码，从1开始")
    unread_only: bool = Field(False, description="只看未读消息")


class MessagePageOut(Schema):
    count: int
    unread: int = Field(..., description="未读消息总数")
    page: int
    page_size: int
    num_pages: int
    items: list[MessageOut]


class ReadAllOut(Schema):
    marked: int = Field(..., description="本次标为已读的条数")
    unread: int


class PreferenceIn(Schema):
    wechat: bool = Field(..., description="微信模板消息")
    sms: bool = Field(..., description="短信（需账号已有手机号）")


class PreferenceOut(Schema):
    in_app: bool = Field(True, description="站内消息始终开启")
    wechat: bool
    sms: bool
    sms_available: bool = Field(..., description="账号有手机号，可开启短信")

    @classmethod
    def of(cls, preference: ChannelPreference, account) -> PreferenceOut:
        return cls(wechat=preference.wechat, sms=preference.sms, sms_available=bool(account.mobile))


@router.get("", response={200: MessagePageOut, **_ERRORS}, summary="我的消息列表（最新在前）")
def list_messages(request, filters: Query[MessageListIn]):
    qs = selectors.inbox_for(account=request.auth, unread_only=filters.unread_only)
    count, size, num_pages, items = page_of(qs, filters.page)
    return MessagePageOut(
        count=count,
        unread=selectors.unread_count(account=request.auth),
        page=filters.page,
        page_size=size,
        num_pages=num_pages,
        items=[MessageOut.of(n) for n in items],
    )


@router.post("/read-all", response={200: ReadAllOut, **_ERRORS}, summary="全部标为已读")
def read_all(request):
    marked = services.mark_all_read(actor=request.auth)
    return ReadAllOut(marked=marked, unread=selectors.unread_count(account=request.auth))


@router.get("/preferences", response={200: PreferenceOut, **_ERRORS}, summary="消息接收设置")
def get_preferences(request):
    return PreferenceOut.of(selectors.channel_preference_for(account=request.auth), request.auth)


@router.put("/preferences", response={200: PreferenceOut, **_ERRORS}, summary="修改消息接收设置")
def set_preferences(request, payload: PreferenceIn):
    preference = services.set_channel_preference(actor=request.auth, wechat=payload.wechat, sms=payload.sms)
    return PreferenceOut.of(preference, request.auth)


@router.get(
    "/{int:notification_id}", response={200: MessageOut, **_ERRORS}, summary="查看一条消息（标为已读）"
)
def read_one(request, notification_id: int):
    return MessageOut.of(services.mark_read(actor=request.auth, notification_id=notification_id))
