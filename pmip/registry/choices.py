from django.db import models


class UnitUse(models.TextChoices):
    RESIDENTIAL = "residential", "住宅"
    COMMERCIAL = "commercial", "商业"
    OFFICE = "office", "办公"
    PARKING = "parking", "车位"
    STORAGE = "storage", "储藏室"


class AreaSource(models.TextChoices):
    """Which figure the exclusive area came from (SPC interpretation Art. 8): registered > surveyed > contract."""

    REGISTERED = "registered", "不动产登记面积"
    SURVEYED = "surveyed", "实测面积"
    CONTRACT = "contract", "合同面积"


class CommitteeKind(models.TextChoices):
    COMMITTEE = "committee", "业主委员会"
    PREPARATORY = "preparatory", "筹备组"
    REELECTION = "reelection", "换届小组"


class CommitteeRole(models.TextChoices):
    CHAIR = "chair", "主任"
    VICE_CHAIR = "vice_chair", "副主任"
    MEMBER = "member", "委员"
    EXECUTIVE_SECRETARY = "executive_secretary", "执行秘书"
    SUPERVISOR = "supervisor", "业主监事"


class PractitionerRole(models.TextChoices):
    PROJECT_MANAGER = "project_manager", "项目负责人"
    ENGINEER = "engineer", "工程主管"
    CUSTOMER_SERVICE = "customer_service", "客服主管"
    SECURITY = "security", "安全主管"
    OTHER = "other", "其他"


class FacilityKind(models.TextChoices):
    LIFT = "lift", "电梯"
    FIRE = "fire", "消防设施"
    WATER_PUMP = "water_pump", "二次供水设备"
    POWER = "power", "配电设施"
    CCTV = "cctv", "监控设施"
    ACCESS = "access", "门禁系统"
    OTHER = "other", "其他"


class InspectionResult(models.TextChoices):
    PASSED = "passed", "合格"
    RECTIFY = "rectify", "限期整改"
    FAILED = "failed", "不合格"
