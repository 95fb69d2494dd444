"""Choices of 业主决策 (owners' decisions / e-voting). Labels are what people read."""

from django.db import models


class ConvenerKind(models.TextChoices):
    """Who convenes (深建规〔2020〕14号): the owners' committee, the preparatory or re-election group, the subdistrict."""

    COMMITTEE = "committee", "业主委员会"
    PREPARATORY = "preparatory", "筹备组"
    REELECTION = "reelection", "换届小组"
    SUBDISTRICT = "subdistrict", "街道办事处"


class MeetingType(models.TextChoices):
    REGULAR = "regular", "定期会议"
    EXTRAORDINARY = "extraordinary", "临时会议"


class MeetingState(models.TextChoices):
    """draft → noticed → open → closed → published; draft, noticed and open may be cancelled."""

    DRAFT = "draft", "草稿"
    NOTICED = "noticed", "公示中"
    OPEN = "open", "投票中"
    CLOSED = "closed", "已截止（计票中）"
    PUBLISHED = "published", "结果已公布"
    CANCELLED = "cancelled", "已取消"


class MatterItem(models.IntegerChoices):
    """Civil Code Art. 278 para 1, items 1–9."""

    RULES_OF_PROCEDURE = 1, "制定和修改业主大会议事规则"
    COVENANT = 2, "制定和修改管理规约"
    COMMITTEE = 3, "选举业主委员会或者更换业主委员会成员"
    MANAGER = 4, "选聘和解聘物业服务企业或者其他管理人"
    USE_FUNDS = 5, "使用建筑物及其附属设施的维修资金"
    RAISE_FUNDS = 6, "筹集建筑物及其附属设施的维修资金"
    REBUILD = 7, "改建、重建建筑物及其附属设施"
    CHANGE_USE = 8, "改变共有部分的用途或者利用共有部分从事经营活动"
    OTHER = 9, "有关共有和共同管理权利的其他重大事项"


class MatterClass(models.TextChoices):
    ORDINARY = "ordinary", "一般事项"
    MAJOR = "major", "重大事项"


class MatterKind(models.TextChoices):
    QUESTION = "question", "表决事项（同意/反对/弃权）"
    ELECTION = "election", "选举（逐一表决候选人）"


class MatterScope(models.TextChoices):
    PROJECT = "project", "全体业主"
    BUILDINGS = "buildings", "部分楼栋业主"


class Choice(models.TextChoices):
    YES = "yes", "同意"
    NO = "no", "反对"
    ABSTAIN = "abstain", "弃权"


class ElectionRanking(models.TextChoices):
    """How to rank candidates when more pass than there are seats [configurable]."""

    OWNERS_THEN_AREA = "owners_then_area", "先按同意人数，再按同意面积"
    AREA_THEN_OWNERS = "area_then_owners", "先按同意面积，再按同意人数"


class OwnerKind(models.TextChoices):
    """How a roll entry's owner is counted (SPC interpretation Arts. 8, 9)."""

    SINGLE = "single", "单一业主"
    CO_OWNED = "co_owned", "共有房屋"
    DEVELOPER = "developer", "建设单位（未售或未交付）"
    UNREGISTERED = "unregistered", "未登记产权"


class Ineligibility(models.TextChoices):
    """Why a roll entry cannot vote online (frozen with the roll)."""

    NOT_BOUND = "not_bound", "业主未在平台绑定该房屋"
    NOT_VERIFIED = "not_verified", "业主未完成人脸认证或线下认证"
    NO_NOMINATION = "no_nomination", "共有房屋未有效推选投票人"
    DEVELOPER = "developer", "建设单位房屋，仅可书面表决"
    NO_TITLE = "no_title", "房屋无产权登记"


class BallotChannel(models.TextChoices):
    ONLINE = "online", "网络投票"
    PAPER = "paper", "书面表决票"


class PaperEntryState(models.TextChoices):
    PENDING = "pending", "待复核录入"
    CONFIRMED = "confirmed", "已确认"
    MISMATCH = "mismatch", "两次录入不一致"
    NOT_COUNTED = "not_counted", "未计入（以网络投票为准）"


class PublicityKind(models.TextChoices):
    MEETING_NOTICE = "meeting_notice", "会议通知"
    OTHER = "other", "其他文件"


class Outcome(models.TextChoices):
    PASSED = "passed", "通过"
    REJECTED = "rejected", "未通过"
    NO_DECISION = "no_decision", "参与表决人数或面积不足三分之二，未形成决定"
