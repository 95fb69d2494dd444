"""ID-number validation (domain-rules §6) with valid and invalid vectors for every document type."""

from __future__ import annotations

import datetime as dt

import pytest

from pmip.core import clock
from pmip.core.idnumbers import ID_TYPES, check_character, is_mainland, make_mainland_number, validate

TODAY = dt.date(2026, 3, 1)


def iso7064_mod11_2(first17: str) -> str:
    """Independent formulation of the GB 11643 check: weights are 2^(17-i) mod 11, check = (12 - S mod 11) mod 11."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


@pytest.mark.parametrize(
    "first17",
    ["11010519491231002", "44030419800101456", "81000019900517123", "91156019800101001", "00000000000000000"],
)
def test_check_character_agrees_with_iso7064(first17):
    assert check_character(first17) == iso7064_mod11_2(first17)


# --------------------------------------------------------------- mainland 居民身份证


def test_standard_example_is_valid():
    assert validate("mainland", "11010519491231002X", today=TODAY) == "11010519491231002X"


def test_lower_case_x_and_spaces_are_normalised():
    assert validate("mainland", "11010519491231002x", today=TODAY) == "11010519491231002X"
    assert validate("mainland", " 110105 19491231 002x ", today=TODAY) == "11010519491231002X"


def test_full_width_input_is_normalised_to_ascii():
    assert validate("mainland", "１１０１０５１９４９１２３１００２Ｘ", today=TODAY) == "11010519491231002X"


def test_other_scripts_digits_are_refused():
    arabic_indic = "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X"
    with pytest.raises(ValueError, match="18位"):
        validate("mainland", arabic_indic, today=TODAY)


def test_a_built_number_is_valid():
    number = make_mainland_number("440304", dt.date(1980, 1, 1), 456)
    assert number == "440304198001014560"
    assert validate("mainland", number, today=TODAY) == number


@pytest.mark.parametrize("wrong", ["110105194912310021", "110105194912310029", "110105194912310020"])
def test_wrong_check_character(wrong):
    with pytest.raises(ValueError, match="校验位不正确"):
        validate("mainland", wrong, today=TODAY)


@pytest.mark.parametrize(
    "first17",
    [
        "44030419800230001",  # 30 February
        "44030419801301001",  # month 13
        "44030419800100001",  # day 0
        "44030418991231001",  # before 1900
        "44030420230229001",  # 2023 is not a leap year
    ],
)
def test_invalid_birth_date(first17):
    with pytest.raises(ValueError, match="出生日期无效"):
        validate("mainland", first17 + check_character(first17), today=TODAY)


def test_leap_day_birth_is_valid():
    number = make_mainland_number("440304", dt.date(2000, 2, 29), 1)
    assert validate("mainland", number, today=TODAY) == number


def test_future_birth_date_is_invalid():
    tomorrow = make_mainland_number("440304", TODAY + dt.timedelta(days=1), 1)
    born_today = make_mainland_number("440304", TODAY, 1)
    with pytest.raises(ValueError, match="出生日期无效"):
        validate("mainland", tomorrow, today=TODAY)
    assert validate("mainland", born_today, today=TODAY) == born_today


def test_future_birth_date_uses_the_platform_clock():
    at = dt.datetime(2030, 6, 15, 12, tzinfo=dt.UTC)
    number = make_mainland_number("440304", dt.date(2030, 6, 16), 1)
    with clock.frozen(at), pytest.raises(ValueError, match="出生日期无效"):
        validate("mainland", number)
    with clock.frozen(at + dt.timedelta(days=1)):
        assert validate("mainland", number) == number


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("", "请输入证件号码"),
        ("   ", "请输入证件号码"),
        ("11010519491231002", "18位"),  # 17 characters
        ("11010519491231002X1", "18位"),
        ("1101051949123100XX", "18位"),  # X only last
        ("A1010519491231002X", "18位"),
        ("11010519491231002Y", "18位"),
    ],
)
def test_malformed_mainland(number, message):
    with pytest.raises(ValueError, match=message):
        validate("mainland", number, today=TODAY)


def test_non_string_is_refused():
    with pytest.raises(ValueError, match="请输入证件号码"):
        validate("mainland", None, today=TODAY)  # type: ignore[arg-type]


@pytest.mark.parametrize("region", ["000000", "700101", "100000", "910000"])
def test_mainland_region_must_be_a_mainland_province(region):
    number = make_mainland_number(region, dt.date(1980, 1, 1), 1)
    with pytest.raises(ValueError, match="地区码无效"):
        validate("mainland", number, today=TODAY)


def test_residence_permit_number_entered_as_mainland_is_redirected():
    number = make_mainland_number("810000", dt.date(1990, 5, 17), 123)
    with pytest.raises(ValueError, match="请选择证件类型“港澳台居民居住证”"):
        validate("mainland", number, today=TODAY)


# --------------------------------------------------------------- HK/Macau/Taiwan residence permits


@pytest.mark.parametrize("number", ["810000199005171231", "820000198502280452", "830000200002290074"])
def test_residence_permits_valid(number):
    assert validate("hk_mo_tw_residence", number, today=TODAY) == number


def test_residence_permit_region_mismatch():
    number = make_mainland_number("440304", dt.date(1990, 5, 17), 123)
    with pytest.raises(ValueError, match="应以810000、820000或830000开头"):
        validate("hk_mo_tw_residence", number, today=TODAY)
    other = make_mainland_number("840000", dt.date(1990, 5, 17), 123)
    with pytest.raises(ValueError, match="应以810000、820000或830000开头"):
        validate("hk_mo_tw_residence", other, today=TODAY)


def test_residence_permit_checksum_and_birth_date():
    with pytest.raises(ValueError, match="校验位不正确"):
        validate("hk_mo_tw_residence", "810000199005171230", today=TODAY)
    bad_date = "81000019900231123"
    with pytest.raises(ValueError, match="出生日期无效"):
        validate("hk_mo_tw_residence", bad_date + check_character(bad_date), today=TODAY)


# --------------------------------------------------------------- return-home permit 港澳居民来往内地通行证


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("H12345678", "H12345678"),
        ("M87654321", "M87654321"),
        ("h1234567890", "H1234567890"),
        ("M 1234 5678", "M12345678"),
    ],
)
def test_return_home_valid(raw, normalised):
    assert validate("return_home", raw) == normalised


@pytest.mark.parametrize(
    "number", ["H1234567", "H123456789", "H123456789012", "A12345678", "12345678", "HM2345678"]
)
def test_return_home_invalid(number):
    with pytest.raises(ValueError, match="H或M加8位数字"):
        validate("return_home", number)


# --------------------------------------------------------------- Taiwan compatriot permit 台湾居民来往大陆通行证


@pytest.mark.parametrize("number", ["12345678", "1234567890", "12345678AB", "A123456789"])
def test_taiwan_compatriot_valid(number):
    assert validate("taiwan_compatriot", number) == number


@pytest.mark.parametrize("number", ["1234567", "123456789", "ABCDEFGHIJ", "12345678901", "1234-5678X"])
def test_taiwan_compatriot_invalid(number):
    with pytest.raises(ValueError, match="8位数字"):
        validate("taiwan_compatriot", number)


# --------------------------------------------------------------- foreign permanent-resident ID


def test_foreign_permanent_2023_valid():
    assert validate("foreign_permanent", "911560198001010012") == "911560198001010012"


def test_foreign_permanent_2023_wrong_check():
    with pytest.raises(ValueError, match="校验位不正确"):
        validate("foreign_permanent", "911560198001010013")


@pytest.mark.parametrize(
    ("raw", "normalised"), [("USA123456789012", "USA123456789012"), ("gbr 123456789012", "GBR123456789012")]
)
def test_foreign_permanent_2017_valid(raw, normalised):
    assert validate("foreign_permanent", raw) == normalised


@pytest.mark.parametrize(
    "number",
    [
        "811560198001010012",  # 18 digits not starting with 9
        "91156019800101001",  # 17 digits
        "US1234567890123",  # 2 letters
        "USA12345678901",  # 11 digits
        "USA1234567890123",  # 13 digits
    ],
)
def test_foreign_permanent_invalid(number):
    with pytest.raises(ValueError, match="外国人永久居留身份证号码应为"):
        validate("foreign_permanent", number)


# --------------------------------------------------------------- passports


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("E1234", "E1234"), ("e12345678", "E12345678"), ("A" * 20, "A" * 20), ("123456", "123456")],
)
def test_passport_valid(raw, normalised):
    assert validate("passport", raw) == normalised


@pytest.mark.parametrize("number", ["E123", "A" * 21, "E12-3456", "E1234567.", "护照12345"])
def test_passport_invalid(number):
    with pytest.raises(ValueError, match="5至20位字母或数字"):
        validate("passport", number)


# --------------------------------------------------------------- types


def test_unknown_type():
    with pytest.raises(ValueError, match="请选择正确的证件类型"):
        validate("driving_licence", "11010519491231002X")


def test_type_list_and_mainland_flag():
    assert set(ID_TYPES) == {
        "mainland",
        "hk_mo_tw_residence",
        "return_home",
        "taiwan_compatriot",
        "foreign_permanent",
        "passport",
    }
    assert is_mainland("mainland") is True
    assert is_mainland("hk_mo_tw_residence") is False
