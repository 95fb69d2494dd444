from __future__ import annotations

from django.db import models


class TendererKind(models.TextChoices):
    DEVELOPER = "developer", "建设单位（前期物业）"
    ASSEMBLY = "assembly", "业主大会（经业主共同决定）"


class TenderMethod(models.TextChoices):
    PUBLIC = "public", "公开招标"
    INVITED = "invited", "邀请招标"


class Step(models.TextChoices):
    """The stages and publicity notices in the one order they happen (manual ch. 13, domain-rules §3)."""

    TENDER = "tender", "招标（备案、公告）"
    ANNOUNCEMENT = "announcement", "招标公告文件公示"
    OPENING = "opening", "开标"
    OPENING_RESULT = "opening_result", "开标结果公示"
    QUALIFIED = "qualified", "合格投标人公示"
    EVALUATION = "evaluation", "评标"
    EVALUATION_RESULT = "evaluation_result", "评标结果公示"
    AWARD = "award", "定标"
    WINNING = "winning", "中标"
    WINNING_RESULT = "winning_result", "中标结果公示"
    CONTRACT = "contract", "合同备案"


ORDER: tuple[str, ...] = tuple(Step.values)
NOTICES: frozenset[str] = frozenset(
    {Step.ANNOUNCEMENT, Step.OPENING_RESULT, Step.QUALIFIED, Step.EVALUATION_RESULT, Step.WINNING_RESULT}
)
