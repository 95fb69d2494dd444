"""Public project search and detail: exact values, pagination, problem bodies."""

from __future__ import annotations

from tests import factories

HAIAN_DETAIL = {
    "code": "440305001",
    "name": "海岸城小区",
    "district": "南山区",
    "subdistrict": "粤海街道",
    "community": "粤海社区",
    "address": "深圳市南山区粤海街道海岸城小区",
    "service_phone": "0755-88881234",
    "company": "深圳市安居物业管理有限公司",
}


def test_search_lists_all_projects_by_code(client, city):
    response = client.get("/api/v1/projects")
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["page_size"], body["num_pages"]) == (4, 1, 20, 1)
    assert [item["code"] for item in body["items"]] == ["440304001", "440304002", "440304101", "440305001"]
    assert body["items"][0] == {
        "code": "440304001",
        "name": "莲花山庄",
        "district": "福田区",
        "subdistrict": "莲花街道",
        "community": "莲花社区",
        "address": "深圳市福田区莲花街道莲花山庄",
    }


def test_search_by_pinyin_name_and_district(client, city):
    assert [i["code"] for i in client.get("/api/v1/projects?q=lhsz").json()["items"]] == ["440304001"]
    assert [i["code"] for i in client.get("/api/v1/projects?q=香蜜").json()["items"]] == ["440304101"]
    by_district = client.get("/api/v1/projects?district=440305").json()
    assert (by_district["count"], [i["code"] for i in by_district["items"]]) == (1, ["440305001"])
    none = client.get("/api/v1/projects?district=440399").json()
    assert (none["count"], none["items"]) == (0, [])


def test_search_is_paginated(client, city):
    for n in range(21):
        factories.project(
            code=f"440304{500 + n}", name=f"测试花园{n:02d}", subdistrict=city.subdistricts["lianhua"]
        )
    first = client.get("/api/v1/projects").json()
    assert (first["count"], first["num_pages"], len(first["items"])) == (25, 2, 20)
    second = client.get("/api/v1/projects?page=2").json()
    assert [i["code"] for i in second["items"]] == [
        "440304517",
        "440304518",
        "440304519",
        "440304520",
        "440305001",
    ]
    beyond = client.get("/api/v1/projects?page=3").json()
    assert (beyond["count"], beyond["page"], beyond["items"]) == (25, 3, [])


def test_detail_exact_values(client, city):
    response = client.get("/api/v1/projects/440305001")
    assert response.status_code == 200
    assert response.json() == HAIAN_DETAIL


def test_detail_without_company_or_community(client, city):
    project = city.projects["haian"]
    project.company = None
    project.community = None
    project.save()
    body = client.get("/api/v1/projects/440305001").json()
    assert (body["company"], body["community"]) == (None, None)


def test_unknown_project_is_a_404_problem(client, city):
    response = client.get("/api/v1/projects/999999999")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"code": "not_found", "message": "未找到该物业项目。", "status": 404}


def test_unknown_path_is_a_404_problem(client, db):
    response = client.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "接口不存在。", "status": 404}


def test_bad_query_parameters_are_a_422_problem(client, city):
    for query in ("page=0", "page=abc", "q=" + "长" * 51):
        response = client.get(f"/api/v1/projects?{query}")
        assert response.status_code == 422, query
        body = response.json()
        assert set(body) == {"code", "message", "status", "errors"}
        assert (body["code"], body["status"]) == ("invalid", 422)
        assert body["message"].startswith("请求参数不正确，请检查后重试。")
    body = client.get("/api/v1/projects?page=0").json()
    assert body["errors"] == [{"loc": ["query", "page"], "type": "greater_than_equal"}]
    assert body["message"] == "请求参数不正确，请检查后重试。（page）"


def test_openapi_document_is_served(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/projects", "/api/v1/projects/{code}", "/api/v1/office/projects/{code}"} <= set(paths)
    assert set(paths["/api/v1/office/projects/{code}"]) == {"get", "patch"}


def test_wrong_method_is_a_405_problem(client, city):
    response = client.delete("/api/v1/projects/440304001")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json() == {"code": "method_not_allowed", "message": "不支持该请求方法。", "status": 405}
