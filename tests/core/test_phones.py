from __future__ import annotations

import pytest

from pmip.core.phones import normalise_mobile


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13812345678", "+8613812345678"),
        ("+8613812345678", "+8613812345678"),
        ("008613812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        (" +8613812345678 ", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("+86 (138) 1234-5678", "+8613812345678"),
        ("19912345678", "+8619912345678"),
        ("１３８１２３４５６７８", "+8613812345678"),  # full-width
        ("+852 9123 4567", "+85291234567"),
        ("+85251234567", "+85251234567"),
        ("00852 6123 4567", "+85261234567"),
        ("+853 6612 3456", "+85366123456"),
        ("+886 912 345 678", "+886912345678"),
    ],
)
def test_valid_mobiles(raw, e164):
    assert normalise_mobile(raw) == e164


@pytest.mark.parametrize(
    "raw",
    [
        "12812345678",  # 12x is not a mobile prefix
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "+85212345678",  # HK numbers starting with 1 are not mobiles
        "+8529123456",  # 7 digits
        "91234567",  # HK without country code is ambiguous
        "+85356123456",  # Macau mobiles start with 6
        "+8536612345",  # 6 digits
        "+886812345678",  # Taiwan mobiles start with 9
        "+88691234567",  # 7 digits after 9
        "+4413812345678",
        "١٣٨١٢٣٤٥٦٧٨",  # Arabic-Indic digits
        "abc",
    ],
)
def test_invalid_mobiles(raw):
    with pytest.raises(ValueError, match="手机号码格式不正确"):
        normalise_mobile(raw)


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_empty_mobile(raw):
    with pytest.raises(ValueError, match="请输入手机号码"):
        normalise_mobile(raw)
