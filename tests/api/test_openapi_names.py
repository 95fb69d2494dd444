"""The published OpenAPI spec is true: no two different schemas share a component name.

ninja builds the spec one operation at a time and merges each operation's definitions into one `components.schemas`
by name (`OpenAPISchema.add_schema_definitions`), so two classes called `MeetingOut` in two routers silently become
one, and every operation but the last answers outside its published schema. This test records every merge and fails
on any name defined twice with different content — it covers every router mounted on the API, present and future.
"""

from __future__ import annotations

import json

from ninja.openapi.schema import OpenAPISchema

from pmip.api.urls import api


def collisions() -> dict[str, list[str]]:
    seen: dict[str, str] = {}
    clashes: dict[str, list[str]] = {}
    original = OpenAPISchema.add_schema_definitions

    def recording(self, definitions: dict) -> None:
        for name, definition in definitions.items():
            text = json.dumps(definition, sort_keys=True, ensure_ascii=False)
            if name in seen and seen[name] != text:
                clashes.setdefault(name, [seen[name]]).append(text)
            seen.setdefault(name, text)
        original(self, definitions)

    OpenAPISchema.add_schema_definitions = recording
    try:
        api.get_openapi_schema(path_prefix="/api/v1/")
    finally:
        OpenAPISchema.add_schema_definitions = original
    return clashes


def test_no_two_schemas_share_a_name():
    clashes = collisions()
    assert not clashes, (
        "schema class names must be unique across all API routers (rename one of each pair): "
        + ", ".join(sorted(clashes))
    )


def test_every_operation_documents_the_input_guard_answers():
    """The guard (pmip.core.middleware) may answer 400 anywhere and 413 to any body: the spec says so everywhere."""
    spec = api.get_openapi_schema(path_prefix="/api/v1/")
    assert spec["paths"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            codes = {str(c) for c in operation["responses"]}
            assert "400" in codes, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert "413" in codes, (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in codes, (method, path)  # validation of any parameter (schemathesis found two)
    csv_op = spec["paths"]["/api/v1/funds/open-data/projects"]["get"]
    assert "text/csv" in csv_op["responses"][200]["content"]
