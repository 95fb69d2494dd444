"""Display masks (domain-rules §5): names 张* / 欧阳**, mobiles 138****5678, IDs 440***********123X."""

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
    if name.isascii():
        return name[0] + "*" * max(len(name) - 1, 1)
    keep = 2 if name[:2] in _COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:keep] + "*" * (len(name) - keep)


def mask_phone(phone: str) -> str:
    """Mask an E.164 or national number, keeping the first 3 and last 4 national digits."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    national = phone
    for prefix in ("+86", "+852", "+853", "+886"):
        if phone.startswith(prefix):
            national = phone[len(prefix) :]
            break
    if len(national) <= 4:
        return "*" * len(national)
    if len(national) <= 7:
        return national[:2] + "*" * (len(national) - 4) + national[-2:]
    return national[:3] + "*" * (len(national) - 7) + national[-4:]


def mask_id(number: str) -> str:
    """First 3 and last 4 characters; the rest starred."""
    number = (number or "").strip()
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
