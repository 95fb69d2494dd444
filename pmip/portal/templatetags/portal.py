"""Template helpers of the owner portal: line icons, the tab bar and display masks."""

from __future__ import annotations

import functools

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from pmip.core.masking import mask_name as _mask_name

register = template.Library()

# 24×24 line icons drawn with `currentColor`, so CSS picks the colour.
ICONS: dict[str, str] = {
    "home": '<path d="M3 11l9-8 9 8"/><path d="M5 10v10h5v-6h4v6h5V10"/>',
    "building": '<rect x="4" y="3" width="16" height="18" rx="1"/>'
    '<path d="M8 7h2M14 7h2M8 11h2M14 11h2M8 15h2M14 15h2M10 21v-3h4v3"/>',
    "doc": '<path d="M6 3h9l4 4v14H6z"/><path d="M14 3v5h5M9 12h7M9 16h7"/>',
    "user": '<circle cx="12" cy="8" r="4"/><path d="M4 21c1-4 4.5-6 8-6s7 2 8 6"/>',
    "briefcase": '<rect x="3" y="7" width="18" height="13" rx="2"/><path d="M9 7V4h6v3M3 12h18"/>',
    "chat": '<path d="M4 5h16v11H9l-5 4z"/><path d="M8 9h8M8 12h5"/>',
    "vote": '<rect x="4" y="4" width="16" height="16" rx="2"/><path d="M8 12l3 3 5-6"/>',
    "delegate": '<circle cx="9" cy="8" r="3"/><circle cx="17" cy="9" r="2.5"/>'
    '<path d="M3 20c.8-3.5 3.2-5 6-5s5.2 1.5 6 5M15 14.5c2.5 0 4.5 1.5 5 4.5"/>',
    "wallet": '<rect x="3" y="6" width="18" height="14" rx="2"/><path d="M3 10h18M16 15h2"/>',
    "info": '<circle cx="12" cy="12" r="9"/><path d="M12 11v6M12 7.5v.5"/>',
    "star": '<path d="M12 3l2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1-4.4-4.3 6.1-.9z"/>',
    "chart": '<path d="M4 20h16M7 16v-5M12 16V7M17 16v-8"/>',
    "coin": '<circle cx="12" cy="12" r="9"/><path d="M9 7.5l3 4 3-4M8.5 12h7M8.5 15h7M12 11.5v5.5"/>',
    "weather": '<circle cx="9" cy="9" r="3.5"/><path d="M9 2.5v1.5M2.5 9H4M4.4 4.4l1 1M13.6 4.4l-1 1"/>'
    '<path d="M8 20h9a3.5 3.5 0 0 0 0-7 5 5 0 0 0-9.5 1.5A2.8 2.8 0 0 0 8 20z"/>',
    "clipboard": '<rect x="5" y="4" width="14" height="17" rx="2"/><path d="M9 4V3h6v1M9 10h6M9 14h6M9 18h3"/>',
    "bank": '<path d="M3 9l9-5 9 5M4 9h16M6 10v7M10 10v7M14 10v7M18 10v7M3 20h18"/>',
    "company": '<rect x="3" y="8" width="8" height="13"/><rect x="11" y="3" width="10" height="18"/>'
    '<path d="M14 7h4M14 11h4M14 15h4M6 12h2M6 16h2"/>',
    "search": '<circle cx="11" cy="11" r="6.5"/><path d="M16 16l4.5 4.5"/>',
    "badge": '<rect x="4" y="3" width="16" height="18" rx="2"/><circle cx="12" cy="10" r="3"/>'
    '<path d="M8 17c.8-2 2.2-3 4-3s3.2 1 4 3"/>',
    "people": '<circle cx="12" cy="7" r="3"/><circle cx="5.5" cy="10" r="2.2"/><circle cx="18.5" cy="10" r="2.2"/>'
    '<path d="M7 20c.6-3.5 2.6-5 5-5s4.4 1.5 5 5M2 19c.3-2.2 1.6-3.5 3.5-3.5M22 19c-.3-2.2-1.6-3.5-3.5-3.5"/>',
    "idcard": '<rect x="3" y="5" width="18" height="14" rx="2"/><circle cx="9" cy="11" r="2.5"/>'
    '<path d="M5.5 16.5c.6-1.6 1.9-2.5 3.5-2.5s2.9.9 3.5 2.5M14 10h4M14 13h4"/>',
    "flag": '<path d="M5 21V4M5 4h12l-2 4 2 4H5"/>',
    "inspect": '<path d="M9 3h6v3H9z"/><path d="M7 4.5H5V21h14V4.5h-2"/><path d="M8.5 13l2.5 2.5 4.5-5"/>',
    "gear": '<circle cx="12" cy="12" r="3"/>'
    '<path d="M12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9L7 7M17 17l2.1 2.1M4.9 19.1L7 17M17 7l2.1-2.1"/>',
    "phone": '<path d="M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z"/>',
}


@register.simple_tag
def icon(name: str, css_class: str = "") -> str:
    """Inline SVG line icon; unknown names fall back to "info" (a missing icon must not break a page)."""
    paths = ICONS.get(name, ICONS["info"])
    return format_html(
        '<svg class="pm-icon {}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.6" '
        'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">{}</svg>',
        css_class,
        mark_safe(paths),  # noqa: S308 - constant markup defined above
    )


@register.simple_tag
def tabbar(tab: str = "") -> str:
    """The tab bar (portal/_tabbar.html) with `tab` on. The same for every request of the site, so rendered once per
    process and tab (its four links reversed, its icons drawn) — not again on every owner page; DEBUG renders it each
    time (templates being edited)."""
    if settings.DEBUG:
        return _render_tabbar(str(tab or ""))
    return _tabbar(str(tab or ""), get_script_prefix(), get_urlconf())


def _render_tabbar(tab: str) -> str:
    return mark_safe(render_to_string("portal/_tabbar.html", {"tab": tab}))  # noqa: S308 - our render


@functools.lru_cache(maxsize=16)
def _tabbar(tab: str, script_prefix: str, urlconf) -> str:
    return _render_tabbar(tab)


@register.filter
def mask_name(value: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧阳**: people's names on public pages are always masked."""
    return _mask_name(value or "")


@register.filter
def tel_href(value: str) -> str:
    """A phone number as a tel: URI (digits, + and - only)."""
    return "tel:" + "".join(ch for ch in (value or "") if ch.isdigit() or ch in "+-")


@register.filter
def facility_location(facility) -> str:
    """安装位置 without the building twice ("1栋 1栋3单元" → "1栋3单元"): the building is prefixed only when the
    recorded location does not already name it."""
    location = (facility.location or "").strip()
    building = facility.building
    if building is None:
        return location
    label = str(building)
    if not location:
        return label
    if (
        location.startswith(label)
        or location.startswith(f"{building.number}栋")
        or location.startswith(f"{building.number}号楼")
    ):
        return location
    return f"{label} {location}"
