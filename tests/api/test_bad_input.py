"""No 5xx for any input (issue 8 item 6): each request here answered 500 before."""

from __future__ import annotations

import json


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) >= {"code", "message", "status"} and body["status"] == status
    return body


def test_nul_byte_in_public_search_is_a_400(client, db):
    body = problem(client.get("/api/v1/projects", {"q": "莲花\x00"}), 400)
    assert body["code"] == "nul_byte"
    assert problem(client.get("/api/v1/projects/44030\x00001"), 400)["code"] == "nul_byte"


def test_nul_byte_in_a_page_query_is_a_400(client, db):
    response = client.get("/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_nul_byte_in_a_json_body_is_a_400(client, db):
    response = client.post(
        "/api/v1/me/binding/sms-code",
        json.dumps({"phone": "1380013800\\u0000"}),
        content_type="application/json",
    )
    assert problem(response, 400)["code"] == "nul_byte"


def test_oversized_json_body_is_a_413(client, db):
    huge = json.dumps({"q": "x" * (10 * 1024 * 1024)})
    response = client.post("/api/v1/me/binding/sms-code", huge, content_type="application/json")
    assert problem(response, 413)["code"] == "too_large"


def test_oversized_body_on_a_page_is_a_413(client, db):
    response = client.post("/office/login/", {"username": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413


def test_multipart_without_boundary_is_a_400(client, db):
    response = client.generic(
        "POST", "/api/v1/me/binding/sms-code", b"--x\r\n", content_type="multipart/form-data"
    )
    assert problem(response, 400)["code"] == "bad_request"
    page = client.generic("POST", "/office/login/", b"--x\r\n", content_type="multipart/form-data")
    assert page.status_code == 400


def test_a_form_body_sent_to_a_json_endpoint_is_a_400(client, db):
    # The input guard parses form bodies first (to refuse NUL bytes); ninja then cannot read the raw body for
    # its JSON parameters — that was a 500 (RawPostDataException).
    from tests import factories

    client.force_login(factories.account("form_body", mobile="+8613900007777"))
    response = client.post("/api/v1/me/binding/lookup", {"add": "true"})
    assert problem(response, 400)["code"] == "bad_request"
