"""The meeting audit page in words: a label and a short summary per entry. The queries are the domain's
(`pmip.decisions.selectors.meeting_audit_entries`, `paper_entries`, ...); this module only presents their rows.
"""

from __future__ import annotations

import datetime as dt

from pmip.audit.display import action_label, actor_display
from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.decisions.choices import ConvenerKind, ElectionRanking, PublicityKind

SETTING_LABELS = {
    "notice_days": "通知提前天数",
    "include_parking_storage": "车位储藏室计入",
    "non_voters_follow_majority": "从众",
    "allow_ballot_change": "可改票",
    "election_ranking": "选举排序",
}

OUTCOME_LABELS = {"passed": "通过", "rejected": "未通过", "no_decision": "未形成决定"}


def _yes_no(value) -> str:
    return "是" if value else "否"


def _summary(entry: AuditEntry) -> str:
    d = entry.data or {}
    a = entry.action
    if a in ("decisions.meeting.created", "decisions.meeting.updated"):
        parts = []
        if "title" in d:
            parts.append(f"会议名称：{d['title']}")
        if "convener_kind" in d:
            parts.append(f"召集人：{ConvenerKind(d['convener_kind']).label}")
        for key in ("voting_starts_at", "voting_ends_at"):
            if d.get(key):
                label = "投票开始" if key == "voting_starts_at" else "投票截止"
                parts.append(f"{label}：{clock.local(dt.datetime.fromisoformat(d[key])):%Y-%m-%d %H:%M}")
        for key, label in SETTING_LABELS.items():
            if key in d:
                value = d[key]
                if isinstance(value, bool):
                    value = _yes_no(value)
                elif key == "election_ranking" and value in ElectionRanking.values:
                    value = ElectionRanking(value).label
                parts.append(f"{label}：{value}")
        return "；".join(parts)
    if a == "decisions.meeting.notice_published":
        return f"议题{len(d.get('matters', []))}项"
    if a == "decisions.meeting.opened":
        return (
            f"名册房屋{d.get('units')}套，业主{d.get('owners')}人，可网络投票房屋{d.get('eligible_units')}套；"
            f"名册SHA-256：{d.get('roll_hash', '')}"
        )
    if a == "decisions.meeting.closed":
        check = "一致" if d.get("count_check") == "ok" else "不一致"
        return f"有效选票{d.get('valid_ballots')}张；复核计票与实时计数{check}"
    if a == "decisions.meeting.results_published":
        return "；".join(
            f"议题#{o['matter']}{'（候选人#' + str(o['candidate']) + '）' if o.get('candidate') else ''}："
            f"{OUTCOME_LABELS.get(o['outcome'], o['outcome'])}"
            for o in d.get("outcomes", [])
        )
    if a == "decisions.meeting.cancelled":
        return f"原因：{d.get('reason', '')}"
    if a == "decisions.meeting.exported":
        return f"导出议题（候选人）{d.get('matters')}项"
    if a in ("decisions.matter.added", "decisions.matter.updated", "decisions.matter.removed"):
        return f"议题{d.get('order')}：{d.get('title', '')}" + (
            f"（第{d['item']}项）" if d.get("item") else ""
        )
    if a == "decisions.file.uploaded":
        kind = PublicityKind(d["kind"]).label if d.get("kind") in PublicityKind.values else ""
        return f"{kind}：{d.get('title', '')}（SHA-256 {str(d.get('sha256', ''))[:12]}…）"
    if a.startswith("decisions.paper."):
        text = f"房屋{d.get('unit', '')}，议题#{d.get('matter')}"
        if d.get("form_number"):
            text += f"，表决票编号{d['form_number']}"
        if d.get("receipt"):
            text += f"，回执{d['receipt'][:12]}…"
        return text
    return ""


def describe(entries) -> list[dict]:
    """Rows for the audit page: time, who, what (in words), a short summary. Never a choice (none is stored)."""
    return [
        {
            "at": clock.local(e.at),
            "actor": actor_display(e),
            "action": action_label(e),
            "code": e.action,
            "summary": _summary(e),
            "request_id": e.request_id,
        }
        for e in entries
    ]
