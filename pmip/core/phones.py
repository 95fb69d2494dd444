"""Mobile numbers (domain-rules §6), stored as E.164."""

from __future__ import annotations

import re
import unicodedata


def normalise_mobile(value: str) -> str:
    """Return the E.164 form of a mainland, HK, Macau or Taiwan mobile, or raise ValueError in Chinese."""
    # NFKC folds full-width input (１３８…, ＋８６) to ASCII; the patterns are ASCII-only, so other digits are refused.
    raw = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", value or ""))
    if not raw:
        raise ValueError("请输入手机号码。")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if re.fullmatch(r"(\+86)?1[3-9][0-9]{9}", raw):
        return "+86" + raw[-11:]
    if re.fullmatch(r"\+852[4-9][0-9]{7}", raw):
        return raw
    if re.fullmatch(r"\+8536[0-9]{7}", raw):
        return raw
    if re.fullmatch(r"\+8869[0-9]{8}", raw):
        return raw
    raise ValueError("手机号码格式不正确：内地号码为11位（以13-19开头），港澳台号码请加国际区号。")
