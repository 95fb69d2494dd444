"""THE one money/area formatter and the natural unit order (issue 12)."""

from decimal import Decimal

from django.template import Context, Template

from pmip.core.display import format_area, format_money, natural_label_key, unit_sort_key


def test_money_has_two_decimals_and_thousands_separators():
    assert format_money(Decimal("1327.323")) == "1,327.32"
    assert format_money(Decimal("1234567.005")) == "1,234,567.01"  # half up
    assert format_money(0) == "0.00"
    assert format_money(Decimal("-50")) == "-50.00"
    assert format_money(None) == "—"
    assert format_money("abc") == "abc"


def test_area_has_two_decimals_and_the_unit():
    assert format_area(Decimal("89.867")) == "89.87 ㎡"
    assert format_area(Decimal("12345.6")) == "12,345.60 ㎡"
    assert format_area(None) == "—"


def test_units_sort_by_building_then_floor_then_room_as_numbers():
    labels = ["2-1001", "2-101", "10-101", "2-201", "1-S01", "地库-B1-010", "地库-B1-005"]
    assert sorted(labels, key=natural_label_key) == [
        "1-S01",
        "2-101",
        "2-201",
        "2-1001",
        "10-101",
        "地库-B1-005",
        "地库-B1-010",
    ]
    rows = [("2", 10, "1001"), ("2", 1, "101"), ("10", 1, "101"), ("2", 2, "201")]
    assert sorted(rows, key=lambda r: unit_sort_key(*r)) == [
        ("2", 1, "101"),
        ("2", 2, "201"),
        ("2", 10, "1001"),
        ("10", 1, "101"),
    ]


def test_template_filters():
    html = Template("{% load display %}{{ a|money }}|{{ b|area }}|{{ b|area_value }}").render(
        Context({"a": Decimal("1327.323"), "b": Decimal("89.867")})
    )
    assert html == "1,327.32|89.87 ㎡|89.87"


def test_a_threshold_rounds_up_to_the_fen_so_below_stays_true():
    from pmip.core.display import ceil_to_fen

    assert ceil_to_fen(Decimal("1327.323")) == Decimal("1327.33")
    assert ceil_to_fen(Decimal("1327.32")) == Decimal("1327.32")
