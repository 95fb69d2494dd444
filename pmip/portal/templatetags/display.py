"""Display filters and tags shared by the owner pages and the back office: `{% load display %}`.

{{ amount|money }} → 1,327.32 · {{ unit.area|area }} → 89.87 ㎡ · {{ unit.area|area_value }} → 89.87 ·
{% verification_badge status %} → the one label and colour of a verification state (pmip.identity.selectors).
{% group_aria field %} → the attributes of a radio (or checkbox) group's <fieldset>: role="radiogroup" and, when the
field has errors, aria-invalid="true" and aria-describedby pointing at its help and at its error text, whose id is
`<auto_id>_error` (Django's own convention, used by every field template). Groups that are not Django fields:
{% group_aria error_id="dispute-error" invalid=error %}.
"""

from django import template
from django.utils.html import format_html, format_html_join

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


@register.simple_tag
def group_aria(
    field=None, *, error_id: str = "", invalid=False, help_id: str = "", role: str = "radiogroup"
) -> str:
    """The one way a group of radios (or checkboxes) is tied to its error: put it on the group's <fieldset>."""
    if field is not None:
        auto_id = field.auto_id
        error_id = f"{auto_id}_error" if auto_id else ""
        help_id = f"{auto_id}_helptext" if auto_id and field.help_text else ""
        invalid = bool(field.errors)
        if getattr(field.field.widget, "allow_multiple_selected", False):
            role = "group"
    attrs = [("role", role)] if role != "group" else []
    if invalid:
        attrs.append(("aria-invalid", "true"))
    described = [i for i in (help_id, error_id if invalid else "") if i]
    if described:
        attrs.append(("aria-describedby", " ".join(described)))
    return format_html_join(" ", '{}="{}"', attrs)
