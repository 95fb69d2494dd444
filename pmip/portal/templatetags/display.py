"""Display filters and tags shared by the owner pages and the back office: `{% load display %}`.

{{ amount|money }} → 1,327.32 · {{ unit.area|area }} → 89.87 ㎡ · {{ unit.area|area_value }} → 89.87 ·
{% verification_badge status %} → the one label and colour of a verification state (pmip.identity.selectors).
"""

from django import template
from django.utils.html import format_html

from pmip.core import display

register = template.Library()


@register.filter
def money(value) -> str:
    return display.format_money(value)


@register.filter
def area(value) -> str:
    return display.format_area(value)


@register.filter
def area_value(value) -> str:
    return display.format_area_value(value)


@register.simple_tag
def verification_badge(status) -> str:
    """`status` is a pmip.identity.selectors.VerificationStatus: one label and one colour class per state. Anything
    else (no identity on file yet) shows as 未认证."""
    if not hasattr(status, "code"):
        from pmip.identity.selectors import verification_status

        status = verification_status(identity=None)
    return format_html(
        '<span class="pm-verify pm-verify_{}" data-status="{}">{}</span>',
        status.code,
        status.code,
        status.label,
    )
