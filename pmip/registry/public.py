"""信息公开 → 物业信息: the city's public registers (owner manual ch. 11 §1), no log-in.

数据共享银行, 物业企业查询 (+ detail), 从业人员查询 and 业主大会查询. Queries are bounded (50 characters), match
Chinese substrings (two characters are enough), codes by prefix and pinyin initials ("wjwy" → 万家物业). People appear
with a masked name (the templates mask), company, position and certificate number only: never an ID or a phone.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from pmip.core.errors import NotFound
from pmip.registry.models import (
    Committee,
    DataSharingBank,
    OwnersAssembly,
    Practitioner,
    Project,
    PropertyCompany,
)

MAX_QUERY = 50


def clean_query(query: str | None) -> str:
    return (query or "").strip()[:MAX_QUERY]


def _initials(query: str) -> str | None:
    compact = query.replace(" ", "")
    return compact.lower() if compact.isascii() and compact.isalpha() else None


def search_banks(*, query: str = "") -> QuerySet[DataSharingBank]:
    query = clean_query(query)
    qs = DataSharingBank.objects.annotate(assembly_count=Count("assemblies"))
    if query:
        qs = qs.filter(Q(name__contains=query) | Q(branch__contains=query) | Q(address__contains=query))
    return qs.order_by("name", "id")


def search_companies(*, query: str = "") -> QuerySet[PropertyCompany]:
    query = clean_query(query)
    qs = PropertyCompany.objects.annotate(project_count=Count("projects"))
    if query:
        cond = Q(name__contains=query) | Q(credit_code__startswith=query.upper())
        initials = _initials(query)
        if initials:
            cond |= Q(name_initials__startswith=initials)
        qs = qs.filter(cond)
    return qs.order_by("name", "id")


def get_company(*, credit_code: str) -> PropertyCompany:
    company = PropertyCompany.objects.filter(credit_code=(credit_code or "")[:18]).first()
    if company is None:
        raise NotFound("未找到该物业企业。")
    return company


def company_projects(*, company: PropertyCompany) -> QuerySet[Project]:
    return company.projects.select_related("district", "subdistrict").order_by("code")


def search_practitioners(*, query: str = "") -> QuerySet[Practitioner]:
    """从业人员查询 by name, company (name or initials) or certificate number."""
    query = clean_query(query)
    qs = Practitioner.objects.select_related("company", "project")
    if query:
        cond = (
            Q(name__contains=query)
            | Q(company__name__contains=query)
            | Q(certificate_no__startswith=query)
            | Q(project__name__contains=query)
        )
        initials = _initials(query)
        if initials:
            cond |= Q(company__name_initials__startswith=initials) | Q(
                project__name_initials__startswith=initials
            )
        qs = qs.filter(cond)
    return qs.order_by("company__name", "name", "id")


def search_assemblies(*, query: str = "") -> QuerySet[OwnersAssembly]:
    """业主大会查询 by project name, code, initials or filing number; with the current committee and bank."""
    query = clean_query(query)
    committees = Prefetch("project__committees", queryset=Committee.objects.order_by("-term_start", "-id"))
    qs = OwnersAssembly.objects.select_related(
        "project", "project__district", "bank_account_bank"
    ).prefetch_related(committees)
    if query:
        cond = (
            Q(project__name__contains=query)
            | Q(project__code__startswith=query)
            | Q(filing_no__startswith=query)
            | Q(project__address__contains=query)
        )
        initials = _initials(query)
        if initials:
            cond |= Q(project__name_initials__startswith=initials)
        qs = qs.filter(cond)
    return qs.order_by("project__code")
