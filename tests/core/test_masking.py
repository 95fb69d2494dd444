from __future__ import annotations

import pytest

from pmip.core.masking import mask_id, mask_name, mask_phone


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳修", "欧阳*"),
        ("欧阳娜娜", "欧阳**"),
        ("司马相如", "司马**"),
        ("欧阳", "欧*"),  # a two-character name is surname + given name
        (" 李四 ", "李*"),
        ("John Smith", "J*********"),
        ("A", "A*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+8613812345678", "138****5678"),
        ("13812345678", "138****5678"),
        ("+85291234567", "912*4567"),
        ("+85366123456", "661*3456"),
        ("+886912345678", "912**5678"),
        ("+8612345", "12*45"),
        ("+861234", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("44030419800101123X", "440***********123X"),
        ("11010519491231002X", "110***********002X"),
        ("H12345678", "H12**5678"),
        ("E1234567", "E12*4567"),
        ("E123456", "*******"),
        ("", ""),
    ],
)
def test_mask_id(number, masked):
    assert mask_id(number) == masked


def test_masked_id_keeps_length_and_hides_birth_date():
    masked = mask_id("44030419800101123X")
    assert len(masked) == 18
    assert "19800101" not in masked
