"""What a registry import did: counts per kind of record, for the audit entry and the summary lines."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ImportResult:
    source: str
    rows: int
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    titles_ended: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": {k: v for k, v in self.created.items() if v},
            "updated": {k: v for k, v in self.updated.items() if v},
            "unchanged": {k: v for k, v in self.unchanged.items() if v},
            "titles_ended": self.titles_ended,
        }

    def summary_lines(self) -> list[str]:
        kinds = (
            ("districts", "行政区"),
            ("subdistricts", "街道"),
            ("communities", "社区"),
            ("projects", "物业项目"),
            ("buildings", "楼栋"),
            ("units", "房屋"),
            ("titles", "产权登记"),
        )
        lines = [f"导入完成：{self.source}，共{self.rows}行。"]
        for key, label in kinds:
            c, u, n = self.created[key], self.updated[key], self.unchanged[key]
            if c or u or n:
                lines.append(f"  {label}：新建 {c}，更新 {u}，未变 {n}")
        if self.titles_ended:
            lines.append(f"  终止的原产权登记（产权人已变更）：{self.titles_ended}")
        return lines
