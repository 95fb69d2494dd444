"""The registry (基础数据库): the platform's base data of places, projects, buildings, units and title records.

Rules kept by the database where it can: unique project code, unique (project, building number), unique
(building, unit number), positive areas, title shares in (0, 1].
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models, transaction
from django.db.models import Q

from pmip.core import crypto
from pmip.core.idnumbers import ID_TYPE_CHOICES
from pmip.core.masking import mask_id, mask_name
from pmip.core.models import TimeStamped
from pmip.registry.choices import (
    AreaSource,
    CommitteeKind,
    CommitteeRole,
    FacilityKind,
    InspectionResult,
    PractitionerRole,
    UnitUse,
)


class District(models.Model):
    """区 (administrative district)."""

    code = models.CharField(max_length=6, unique=True, help_text="行政区划代码, e.g. 440304")
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "行政区"

    def __str__(self) -> str:
        return self.name


class Subdistrict(models.Model):
    """街道 (subdistrict office area)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="subdistricts")
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["district__code", "name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="subdistrict_unique_name")]
        verbose_name = verbose_name_plural = "街道"

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """社区 (community within a subdistrict)."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="communities")
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["subdistrict_id", "name"]
        constraints = [models.UniqueConstraint(fields=["subdistrict", "name"], name="community_unique_name")]
        verbose_name = verbose_name_plural = "社区"

    def __str__(self) -> str:
        return self.name


class PropertyCompany(TimeStamped):
    """物业服务企业."""

    name = models.CharField(max_length=120)
    name_initials = models.CharField(
        max_length=120, blank=True, db_index=True, help_text="拼音首字母, for search"
    )
    credit_code = models.CharField(max_length=18, unique=True, help_text="统一社会信用代码")
    address = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "物业服务企业"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        from pmip.registry.pinyin import initials

        self.name_initials = initials(self.name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_initials"}
        super().save(*args, **kwargs)


class Project(TimeStamped):
    """小区 / 物业项目: a property-management area, identified by its project code (物业项目编号)."""

    code = models.CharField(max_length=32, unique=True, help_text="物业项目编号")
    name = models.CharField(max_length=100, db_index=True)
    name_initials = models.CharField(
        max_length=100, blank=True, db_index=True, help_text="拼音首字母, for search"
    )
    address = models.CharField(max_length=200)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="projects")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="projects")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="projects", null=True, blank=True
    )
    service_phone = models.CharField(max_length=30, blank=True, help_text="客服电话")
    company = models.ForeignKey(
        PropertyCompany, on_delete=models.SET_NULL, null=True, blank=True, related_name="projects"
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "物业项目"

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs):
        from pmip.registry.pinyin import initials

        self.name_initials = initials(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "name_initials"}
        with transaction.atomic():  # the search index is kept by a post_save receiver, in this transaction
            super().save(*args, **kwargs)


class ProjectSearchGram(models.Model):
    """One- or two-character gram of a project's name or address: the index of the public search
    (`pmip.registry.search_index`). Derived data, rebuilt by `manage.py rebuild_search_index`."""

    gram = models.CharField(max_length=2)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gram", "project"], name="search_gram_unique")]
        indexes = [models.Index(fields=["project"], name="search_gram_project_idx")]
        verbose_name = verbose_name_plural = "项目检索词"

    def __str__(self) -> str:
        return self.gram


class Building(models.Model):
    """栋 / 楼栋."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="buildings")
    number = models.CharField(max_length=30, help_text="楼栋号, e.g. 1栋 → '1'")
    name = models.CharField(max_length=60, blank=True)
    floors = models.PositiveSmallIntegerField(default=1)
    has_lift = models.BooleanField(default=True)

    class Meta:
        ordering = ["project_id", "number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="building_unique_number")]
        verbose_name = verbose_name_plural = "楼栋"

    def __str__(self) -> str:
        return self.name or f"{self.number}栋"


class Unit(models.Model):
    """房屋 / 专有部分: a separately owned part. `project` is denormalised from the building for scoping."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="units")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units")
    number = models.CharField(max_length=30, help_text="房号, e.g. 1201")
    floor = models.SmallIntegerField(default=1)
    use = models.CharField(max_length=20, choices=UnitUse.choices, default=UnitUse.RESIDENTIAL)
    area = models.DecimalField(max_digits=10, decimal_places=2, help_text="专有部分面积 m²")
    area_source = models.CharField(max_length=12, choices=AreaSource.choices, default=AreaSource.REGISTERED)
    delivered = models.BooleanField(default=True, help_text="已交付")
    developer_held = models.BooleanField(default=False, help_text="建设单位未售出或已售未交付")

    class Meta:
        ordering = ["building_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="unit_unique_number"),
            models.CheckConstraint(
                condition=Q(area__gt=Decimal("0")),
                name="unit_area_positive",
                violation_error_message="面积必须大于0。",
            ),
        ]
        verbose_name = verbose_name_plural = "房屋"

    def __str__(self) -> str:
        return f"{self.building.number}栋{self.number}"

    @property
    def label(self) -> str:
        """Building/room code used on public lists, e.g. '1-1201'."""
        return f"{self.building.number}-{self.number}"


class TitleRecordQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended_on__isnull=True)

    def for_id(self, id_type: str, number: str):
        return self.filter(id_type=id_type, id_number_hash=crypto.id_number_hash(id_type, number))


def sealed_id_number(id_type: str, normalised_number: str) -> tuple[str, str, str]:
    """(encrypted, blind-index hash, masked) of an already validated ID number, as a title record stores it."""
    return (
        crypto.encrypt(normalised_number, context=f"id:{id_type}"),
        crypto.id_number_hash(id_type, normalised_number),
        mask_id(normalised_number),
    )


class TitleRecord(TimeStamped):
    """产权登记: one holder of one unit. Co-owned units have several records.

    The ID number is never stored in clear: `id_number_enc` (AES-GCM, key id inside) and `id_number_hash` (HMAC blind
    index for exact look-up). `id_number_masked` is what may be displayed.
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="titles")
    holder_name = models.CharField(max_length=60)
    id_type = models.CharField(max_length=24, choices=ID_TYPE_CHOICES)
    id_number_enc = models.TextField()
    id_number_hash = models.CharField(max_length=64, db_index=True)
    id_number_masked = models.CharField(max_length=24)
    share = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("1"))
    registered_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True, help_text="set when the registry shows a new holder")
    certificate_no = models.CharField(max_length=60, blank=True, help_text="不动产权证书号")

    objects = TitleRecordQuerySet.as_manager()

    class Meta:
        ordering = ["unit_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=1),
                name="title_share_range",
                violation_error_message="产权份额必须大于0且不超过1。",
            ),
        ]
        indexes = [models.Index(fields=["id_type", "id_number_hash"], name="title_id_lookup_idx")]
        verbose_name = verbose_name_plural = "产权登记"

    def __str__(self) -> str:
        return f"{mask_name(self.holder_name)} {self.id_number_masked}"

    def set_id_number(self, id_type: str, normalised_number: str) -> None:
        """Store an already validated number encrypted, hashed and masked."""
        self.id_type = id_type
        self.id_number_enc, self.id_number_hash, self.id_number_masked = sealed_id_number(
            id_type, normalised_number
        )

    def reveal_id_number(self) -> str:
        """Decrypt; only for the data subject or a verifying officer, never for logs."""
        return crypto.decrypt(self.id_number_enc, context=f"id:{self.id_type}")

    @property
    def holder_masked(self) -> str:
        return mask_name(self.holder_name)


class OwnersAssembly(models.Model):
    """业主大会 of a project."""

    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="assembly")
    established_on = models.DateField(null=True, blank=True)
    filing_no = models.CharField(max_length=60, blank=True, help_text="备案编号")
    bank_account_bank = models.ForeignKey(
        "DataSharingBank", on_delete=models.SET_NULL, null=True, blank=True, related_name="assemblies"
    )

    class Meta:
        verbose_name = verbose_name_plural = "业主大会"

    def __str__(self) -> str:
        return f"{self.project.name}业主大会"


class Committee(models.Model):
    """业主委员会, 筹备组 or 换届小组 of a project, for one term."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="committees")
    kind = models.CharField(max_length=20, choices=CommitteeKind.choices, default=CommitteeKind.COMMITTEE)
    term_start = models.DateField()
    term_end = models.DateField()
    filing_no = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["project_id", "-term_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gt=models.F("term_start")),
                name="committee_term_order",
                violation_error_message="任期结束日期必须晚于开始日期。",
            )
        ]
        verbose_name = verbose_name_plural = "业委会/筹备组"

    def __str__(self) -> str:
        return f"{self.project.name}{self.get_kind_display()}（{self.term_start:%Y}–{self.term_end:%Y}）"


class CommitteeMember(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(max_length=60)
    role = models.CharField(max_length=24, choices=CommitteeRole.choices)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["committee_id", "role", "id"]
        verbose_name = verbose_name_plural = "业委会成员"

    def __str__(self) -> str:
        return f"{mask_name(self.name)}（{self.get_role_display()}）"


class PartyBranch(models.Model):
    """党支部 registered for a project."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="party_branches")
    name = models.CharField(max_length=100)
    secretary = models.CharField(max_length=60, blank=True)
    members_count = models.PositiveIntegerField(default=0)
    established_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "党支部"

    def __str__(self) -> str:
        return self.name


class Practitioner(models.Model):
    """从业人员 (e.g. project manager) of a property company."""

    company = models.ForeignKey(PropertyCompany, on_delete=models.PROTECT, related_name="practitioners")
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="practitioners"
    )
    name = models.CharField(max_length=60)
    role = models.CharField(max_length=24, choices=PractitionerRole.choices, default=PractitionerRole.OTHER)
    certificate_no = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["company_id", "name"]
        verbose_name = verbose_name_plural = "从业人员"

    def __str__(self) -> str:
        return f"{mask_name(self.name)}（{self.get_role_display()}）"


class Facility(models.Model):
    """设施设备 with its installed location."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="facilities")
    building = models.ForeignKey(
        Building, on_delete=models.SET_NULL, null=True, blank=True, related_name="facilities"
    )
    kind = models.CharField(max_length=20, choices=FacilityKind.choices)
    name = models.CharField(max_length=100)
    location = models.CharField(max_length=200)
    installed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "kind", "id"]
        verbose_name = verbose_name_plural = "设施设备"

    def __str__(self) -> str:
        return self.name


class SafetyInspection(models.Model):
    """安全检查 of a project."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="inspections")
    inspected_on = models.DateField()
    result = models.CharField(max_length=12, choices=InspectionResult.choices)
    findings = models.TextField(blank=True)
    inspector = models.CharField(max_length=100, blank=True)
    rectify_by = models.DateField(null=True, blank=True, help_text="整改期限")
    rectified_on = models.DateField(null=True, blank=True, help_text="整改完成日期")

    class Meta:
        ordering = ["project_id", "-inspected_on"]
        verbose_name = verbose_name_plural = "安全检查"

    def __str__(self) -> str:
        return f"{self.inspected_on} {self.get_result_display()}"

    @property
    def rectification_label(self) -> str:
        """整改状态: none needed, done (with date), overdue or in progress."""
        if self.result == "passed":
            return "无需整改"
        if self.rectified_on is not None:
            return f"已整改（{self.rectified_on:%Y-%m-%d}）"
        from pmip.core import clock

        if self.rectify_by is not None and self.rectify_by < clock.today():
            return "逾期未整改"
        return "整改中" + (f"（期限 {self.rectify_by:%Y-%m-%d}）" if self.rectify_by else "")


class DataSharingBank(models.Model):
    """数据共享银行: a bank that may hold owners' common-fund accounts and shares flows with the platform."""

    name = models.CharField(max_length=100, unique=True)
    branch = models.CharField(max_length=100, blank=True)
    address = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "数据共享银行"

    def __str__(self) -> str:
        return self.name
