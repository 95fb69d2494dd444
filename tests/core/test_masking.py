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
        ("A", "*"),
        ("张", "*"),  # a one-character name is starred whole
        ("Al", "A*"),
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
        ("+85291234567", "91****67"),  # Hong Kong: 4 of 8 digits at most
        ("+85366123456", "66****56"),  # Macau
        ("+886912345678", "91*****78"),
        ("+8612345", "1***5"),
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
        ("H12345678", "H******78"),  # Mainland travel permit for HK/Macau residents
        ("E1234567", "E*****67"),  # passport
        ("G12345678", "G******78"),
        ("123456789012345", "123********2345"),  # 15-digit ID
        ("E123456", "E****56"),
        ("E1234", "*****"),
        ("", ""),
    ],
)
def test_mask_id(number, masked):
    assert mask_id(number) == masked


def test_masked_id_keeps_length_and_hides_birth_date():
    masked = mask_id("44030419800101123X")
    assert len(masked) == 18
    assert "19800101" not in masked


def test_no_mask_of_a_short_number_shows_more_than_half_of_it():
    # (mainland mobiles and resident IDs keep the 3 + 4 of domain-rules §5)
    for value in ["+85291234567", "+85366123456", "+886912345678"]:
        masked = mask_phone(value)
        assert masked.count("*") * 2 >= len(masked), masked
    for value in ["H12345678", "E1234567", "C12345678", "A1234567"]:
        masked = mask_id(value)
        assert masked.count("*") * 2 >= len(masked), masked
