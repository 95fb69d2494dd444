"""Pushes of 招标投标: every recorded step and publicity notice (and every correction) is one fan-out event to the
project's bound owners and delegates in force — inbox + WeChat template message (SMS for those who chose it),
exactly once per owner per event, linking to the owner detail page (which asks for the log-in first)."""

from __future__ import annotations

from pmip.delegation.selectors import project_owners_and_delegates
from pmip.notifications.fanout import record_broadcast, register_audience
from pmip.tendering.choices import NOTICES, Step

AUDIENCE = "tendering.project_owners"

#: WeChat `phrase` fields hold at most 5 characters: the short names of each step.
SHORT = {
    Step.TENDER: "招标",
    Step.ANNOUNCEMENT: "招标公示",
    Step.OPENING: "开标",
    Step.OPENING_RESULT: "开标公示",
    Step.QUALIFIED: "资格公示",
    Step.EVALUATION: "评标",
    Step.EVALUATION_RESULT: "评标公示",
    Step.AWARD: "定标",
    Step.WINNING: "中标",
    Step.WINNING_RESULT: "中标公示",
    Step.CONTRACT: "合同备案",
}

register_audience(AUDIENCE, lambda params: project_owners_and_delegates(int(params["project_id"])))


def detail_link(tender_id: int) -> str:
    return f"/tendering/{tender_id}/"


def step_recorded(tender, row):
    """Called inside the service's transaction when a step (or a correction of it) is recorded."""
    label = Step(row.step).label
    corrected = row.version > 1
    if row.step in NOTICES:
        title = f"{'更正：' if corrected else ''}{label}"
        body = (
            f"{tender.project.name}“{tender.title}”发布{label}，公示期{row.period_days}个工作日，"
            f"自{row.date:%Y年%m月%d日}次日起至{row.period_ends:%Y年%m月%d日}。"
        )
    else:
        title = f"{'更正：' if corrected else ''}招标进入{label}阶段"
        body = f"{tender.project.name}“{tender.title}”于{row.date:%Y年%m月%d日}进入{label}阶段。"
    if corrected:
        body += f"（第{row.version}版更正：{row.correction_reason}）"
    return record_broadcast(
        key=f"tendering.tender.{tender.pk}.{row.step}.v{row.version}",
        kind="tendering.step.notice" if row.step in NOTICES else "tendering.step.stage",
        title=title[:100],
        body=body,
        link=detail_link(tender.pk),
        data={"project": tender.project.name, "subject": tender.title, "stage": SHORT[Step(row.step)]},
        audience_name=AUDIENCE,
        params={"project_id": tender.project_id},
        project_id=tender.project_id,
    )
