"""API schemas: one input and one output schema per endpoint; every error is a `Problem`."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import ConfigDict, Field

from pmip.registry.models import Project


class Problem(Schema):
    """Every error response: a stable machine code, a Chinese message, the HTTP status."""

    code: str = Field(..., examples=["not_found"])
    message: str = Field(..., examples=["未找到该物业项目。"])
    status: int = Field(..., examples=[404])


# --- public -------------------------------------------------------------------------------------------------


class ProjectSearchIn(Schema):
    q: str = Field("", max_length=50, description="项目名称、地址、项目编号开头或拼音首字母")
    district: str = Field("", max_length=6, description="行政区划代码，例如 440304（福田区）")
    page: int = Field(1, ge=1, le=100000, description="页码，从1开始")


class ProjectListItemOut(Schema):
    code: str
    name: str
    district: str
    subdistrict: str
    community: str | None
    address: str

    @classmethod
    def of(cls, p: Project) -> ProjectListItemOut:
        return cls(
            code=p.code,
            name=p.name,
            district=p.district.name,
            subdistrict=p.subdistrict.name,
            community=p.community.name if p.community else None,
            address=p.address,
        )


class ProjectPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[ProjectListItemOut]


class ProjectDetailOut(Schema):
    """基础信息 of a project (public)."""

    code: str
    name: str
    district: str
    subdistrict: str
    community: str | None
    address: str
    service_phone: str
    company: str | None

    @classmethod
    def of(cls, p: Project) -> ProjectDetailOut:
        return cls(
            code=p.code,
            name=p.name,
            district=p.district.name,
            subdistrict=p.subdistrict.name,
            community=p.community.name if p.community else None,
            address=p.address,
            service_phone=p.service_phone,
            company=p.company.name if p.company else None,
        )


# --- back office (session auth) -----------------------------------------------------------------------------


class StaffProjectSearchIn(Schema):
    q: str = Field("", max_length=50, description="项目名称、地址、项目编号开头或拼音首字母")
    district: str = Field("", max_length=6, description="行政区划代码")
    page: int = Field(1, ge=1, le=100000)


class StaffProjectListItemOut(Schema):
    code: str
    name: str
    district: str
    subdistrict: str
    community: str | None
    company: str | None

    @classmethod
    def of(cls, p: Project) -> StaffProjectListItemOut:
        return cls(
            code=p.code,
            name=p.name,
            district=p.district.name,
            subdistrict=p.subdistrict.name,
            community=p.community.name if p.community else None,
            company=p.company.name if p.company else None,
        )


class StaffProjectPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    items: list[StaffProjectListItemOut]


class StaffProjectOut(Schema):
    """A project as the back office sees it, with the ids needed to edit it."""

    code: str
    name: str
    district: str
    district_code: str
    subdistrict: str
    community: str | None
    community_id: int | None
    address: str
    service_phone: str
    company: str | None
    company_credit_code: str | None
    updated_at: dt.datetime
    can_edit: bool

    @classmethod
    def of(cls, p: Project, *, can_edit: bool) -> StaffProjectOut:
        return cls(
            code=p.code,
            name=p.name,
            district=p.district.name,
            district_code=p.district.code,
            subdistrict=p.subdistrict.name,
            community=p.community.name if p.community else None,
            community_id=p.community_id,
            address=p.address,
            service_phone=p.service_phone,
            company=p.company.name if p.company else None,
            company_credit_code=p.company.credit_code if p.company else None,
            updated_at=p.updated_at,
            can_edit=can_edit,
        )


class ProjectPatchIn(Schema):
    """Only the fields present are changed. `null` or "" for company/community clears it."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=200)
    service_phone: str | None = Field(None, max_length=30)
    company_credit_code: str | None = Field(None, max_length=18, description="物业服务企业的统一社会信用代码")
    community_id: int | None = Field(None, description="社区 id（须属于项目所在街道）")


class TallyResultOut(Schema):
    """One result row of a tally sheet: THE schema of the owner API (/decisions/meetings/{id}/results) and the
    staff API (/office/decisions/meetings/{id}/tally).

    `document` is the row in pmip-verify's tally format. Until 2026-12 the staff API called it `result`; it still
    sends `result` (the same value, deprecated) so existing clients keep working — read `document`."""

    candidate_id: int | None
    candidate_name: str
    matter_class: str
    document: dict = Field(..., description="与 pmip-verify tally 输出相同格式的计票结果")
    result: dict | None = Field(None, description="已弃用：同 document（管理后台接口的旧字段名）")
    tests: list[dict] = Field(..., description="每项检验：实际值、基数、最低要求、整数比较式、是否达到")
    tests_without_following: list[dict] | None
    conclusion: str

    @classmethod
    def of(cls, row, *, legacy_result: bool = False) -> TallyResultOut:
        """From a `pmip.decisions.selectors` tally row; `legacy_result` also fills the deprecated `result`."""
        return cls(
            candidate_id=row.candidate_id,
            candidate_name=row.candidate_name,
            matter_class=row.matter_class,
            document=row.document,
            result=row.document if legacy_result else None,
            tests=row.tests,
            tests_without_following=row.tests_without_following,
            conclusion=row.conclusion,
        )
