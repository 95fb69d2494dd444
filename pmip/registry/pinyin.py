"""Pinyin initials for search: 莲花山庄 -> lhsz."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def initials(text: str) -> str:
    letters = lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors="ignore", strict=False)
    return "".join(ch for ch in "".join(letters).lower() if ch.isalnum())
