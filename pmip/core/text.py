"""Cleaning one field of user text: the one helper every service uses (issue 9: it was written five times)."""

from __future__ import annotations

import unicodedata
from typing import Any

from pmip.core.errors import ValidationFailed


def clean_text(
    value: Any,
    *,
    field: str,
    label: str,
    max_length: int,
    required: bool = True,
    collapse_spaces: bool = False,
    strip_controls: bool = False,
) -> str:
    """`value` trimmed (or, with collapse_spaces, every run of whitespace made one space), bounded and required.
    With strip_controls, the text is NFC-normalised and control and format characters are dropped (line breaks
    kept): for free text shown to others (comments, replies, credit entries).

    None counts as empty; any other non-text value is refused with a plain error naming the field (never a 500).
    Raises ValidationFailed with `field` set.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{label}格式不正确。", field=field)
    if strip_controls:
        value = "".join(
            ch
            for ch in unicodedata.normalize("NFC", value)
            if ch == "\n" or unicodedata.category(ch)[0] != "C"
        )
    text = " ".join(value.split()) if collapse_spaces else value.strip()
    if required and not text:
        raise ValidationFailed(f"请填写{label}。", field=field)
    if len(text) > max_length:
        raise ValidationFailed(f"{label}不能超过{max_length}个字。", field=field)
    return text
