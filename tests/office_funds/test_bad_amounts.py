"""No 5xx for huge or non-finite amounts and ids beyond 64 bits on the staff funds API (issue 8 item 6)."""

from __future__ import annotations

import pytest

from tests.api.test_bad_input import problem
from tests.office_funds.conftest import LIANHUA

API = "/api/v1/office/funds"


@pytest.mark.parametrize("amount", ["1e30", "NaN", "Infinity", "-1e30", "1e999999"])
def test_huge_and_non_finite_amounts_are_422(client_for, lianhua, units, deposits, amount):
    client = client_for("city")
    scope = {"scope_kind": "project", "amount": amount}
    response = client.post(
        f"{API}/projects/{LIANHUA}/repairs/preview", scope, content_type="application/json"
    )
    assert problem(response, 422)["code"] == "invalid"


def test_ids_beyond_64_bits_are_4xx(client_for, lianhua, units, deposits):
    client = client_for("city")
    scope = {"scope_kind": "units", "amount": "100.00", "unit_ids": [2**70], "building_ids": [10**30]}
    response = client.post(
        f"{API}/projects/{LIANHUA}/repairs/preview", scope, content_type="application/json"
    )
    assert 400 <= response.status_code < 500
    problem(response, response.status_code)
    reverse = client.post(f"{API}/entries/{2**70}/reverse", {"memo": "x"}, content_type="application/json")
    assert 400 <= reverse.status_code < 500
