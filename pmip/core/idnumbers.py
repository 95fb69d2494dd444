"""Identity document numbers (domain-rules §6).

`validate(id_type, number)` returns the normalised number or raises ValueError with a Chinese message.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from pmip.core import clock

ID_TYPES: dict[str, str] = {
    "mainland": "居民身份证",
    "hk_mo_tw_residence": "港澳台居民居住证",
    "return_home": "港澳居民来往内地通行证",
    "taiwan_compatriot": "台湾居民来往大陆通行证",
    "foreign_permanent": "外国人永久居留身份证",
    "passport": "护照",
}
ID_TYPE_CHOICES = list(ID_TYPES.items())

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_RESIDENCE_REGIONS = {"810000": "香港", "820000": "澳门", "830000": "台湾"}


def check_character(first17: str) -> str:
    """GB 11643-1999 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def _clean(number: str) -> str:
    if not isinstance(number, str):
        raise ValueError("请输入证件号码。")
    # NFKC folds full-width characters (１１０…Ｘ) to ASCII, so one document always has one normalised form and one
    # blind-index hash; the patterns below are ASCII-only, so other scripts' digits are refused, not stored.
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", number)).upper()
    if not cleaned:
        raise ValueError("请输入证件号码。")
    return cleaned


def _eighteen(number: str, label: str, *, today: dt.date | None = None) -> str:
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise ValueError(f"{label}号码应为18位，由17位数字和1位数字或字母X组成。")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValueError(f"{label}号码中的出生日期无效。") from exc
    if birth > (today or clock.today()) or birth.year < 1900:
        raise ValueError(f"{label}号码中的出生日期无效。")
    if check_character(number[:17]) != number[17]:
        raise ValueError(f"{label}号码校验位不正确，请核对后重新输入。")
    return number


def validate(id_type: str, number: str, *, today: dt.date | None = None) -> str:
    """Validate and normalise an ID number of the given type."""
    if id_type not in ID_TYPES:
        raise ValueError("请选择正确的证件类型。")
    value = _clean(number)
    if id_type == "mainland":
        value = _eighteen(value, "居民身份证", today=today)
        if value[:6] in _RESIDENCE_REGIONS:
            raise ValueError("该号码为港澳台居民居住证号码，请选择证件类型“港澳台居民居住证”。")
        if value[0] not in "123456" or value[0:2] in {"10", "20", "30", "40", "60"}:
            raise ValueError("居民身份证号码的地区码无效。")
        return value
    if id_type == "hk_mo_tw_residence":
        value = _eighteen(value, "港澳台居民居住证", today=today)
        if value[:6] not in _RESIDENCE_REGIONS:
            raise ValueError("港澳台居民居住证号码应以810000、820000或830000开头。")
        return value
    if id_type == "return_home":
        if not re.fullmatch(r"[HM][0-9]{8}([0-9]{2})?", value):
            raise ValueError("港澳居民来往内地通行证号码应为H或M加8位数字（旧版为10位数字）。")
        return value
    if id_type == "taiwan_compatriot":
        if re.fullmatch(r"[0-9]{8}", value) or (
            re.fullmatch(r"[0-9A-Z]{10}", value) and re.search(r"[0-9]", value)
        ):
            return value
        raise ValueError("台湾居民来往大陆通行证号码应为8位数字（旧版为10位字符）。")
    if id_type == "foreign_permanent":
        if re.fullmatch(r"9[0-9]{16}[0-9X]", value):
            if check_character(value[:17]) != value[17]:
                raise ValueError("外国人永久居留身份证号码校验位不正确，请核对后重新输入。")
            return value
        if re.fullmatch(r"[A-Z]{3}[0-9]{12}", value):
            return value
        raise ValueError("外国人永久居留身份证号码应为以9开头的18位号码，或3位字母加12位数字（2017版）。")
    # passport
    if not re.fullmatch(r"[0-9A-Z]{5,20}", value):
        raise ValueError("护照号码应为5至20位字母或数字。")
    return value


def is_mainland(id_type: str) -> bool:
    """Only the mainland second-generation ID card can use online face verification."""
    return id_type == "mainland"


def make_mainland_number(region: str, birth: dt.date, sequence: int) -> str:
    """Build a checksum-valid mainland number (demo data and tests)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)
