"""Display masks (domain-rules §5): names 张* / 欧阳**, mobiles 138****5678, IDs 440***********123X.

Short numbers keep fewer characters, so a mask never shows most of the value: a mainland mobile (11 digits) keeps
3 + 4, a Hong Kong / Macau / Taiwan mobile (8–10) 2 + 2; an 18- or 15-character ID keeps 3 + 4, a permit or passport
number (6–14) 1 + 2. A one-character name is starred whole.
"""

from __future__ import annotations

_COMPOUND_SURNAMES = {
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "轩辕",
    "令狐",
    "钟离",
    "端木",
    "西门",
    "南宫",
    "独孤",
    "澹台",
    "公冶",
    "申屠",
    "太史",
    "万俟",
    "闻人",
    "赫连",
    "呼延",
}


def mask_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    if name.isascii():
        return name[0] + "*" * (len(name) - 1)
    keep = 2 if name[:2] in _COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:keep] + "*" * (len(name) - keep)


def mask_phone(phone: str) -> str:
    """Mask an E.164 or national number: 3 + 4 national digits kept for 11 or more, 2 + 2 for 8–10, 1 + 1 for 5–7."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    national = phone
    for prefix in ("+86", "+852", "+853", "+886"):
        if phone.startswith(prefix):
            national = phone[len(prefix) :]
            break
    n = len(national)
    if n <= 4:
        return "*" * n
    head, tail = (3, 4) if n >= 11 else (2, 2) if n >= 8 else (1, 1)
    return national[:head] + "*" * (n - head - tail) + national[-tail:]


def mask_id(number: str) -> str:
    """First 3 and last 4 characters of a resident ID (15 or more); first 1 and last 2 of a permit or passport
    number (6–14); shorter values starred whole."""
    number = (number or "").strip()
    n = len(number)
    if n <= 5:
        return "*" * n
    head, tail = (3, 4) if n >= 15 else (1, 2)
    return number[:head] + "*" * (n - head - tail) + number[-tail:]
