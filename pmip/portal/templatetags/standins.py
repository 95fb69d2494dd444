"""`{% standin_inbox_link %}`: on log-in and binding pages, while the embedded stand-ins are active (development
only), a link to the 模拟收件箱 page that lists the SMS and WeChat messages the stand-ins sent."""

from django import template

from pmip.integrations import standins

register = template.Library()


@register.inclusion_tag("portal/standins/_link.html")
def standin_inbox_link():
    return {"active": standins.active()}
