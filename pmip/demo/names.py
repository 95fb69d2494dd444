"""Name pools of the demo city, kept as data in `data/names.json` (surnames, given names, project, road and company
stems, inspectors, inspection findings). Tuples, so the seeded choices stay the same from run to run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


_DATA: dict[str, Any] = {
    k: _tuples(v)
    for k, v in json.loads((Path(__file__).parent / "data" / "names.json").read_text("utf-8")).items()
}

_COMMUNITY_SUFFIXES: tuple[str, ...] = _DATA["community_suffixes"]
_SURNAMES: str = _DATA["surnames"]  # one character each, most common first
_SURNAME_WEIGHTS = tuple(1.0 / (rank + 4) for rank in range(len(_SURNAMES)))
_COMPOUND_SURNAMES: tuple[str, ...] = _DATA["compound_surnames"]
_MALE: str = _DATA["male"]
_FEMALE: str = _DATA["female"]
_HK_GIVEN: tuple[str, ...] = _DATA["hk_given"]
_TW_GIVEN: tuple[str, ...] = _DATA["tw_given"]
_LATIN_GIVEN: tuple[str, ...] = _DATA["latin_given"]
_LATIN_FAMILY: tuple[str, ...] = _DATA["latin_family"]
_PROJECT_STEMS: tuple[str, ...] = _DATA["project_stems"]
_PROJECT_SUFFIXES: tuple[tuple[str, int], ...] = _DATA["project_suffixes"]  # (suffix, weight)
_ROAD_STEMS: tuple[str, ...] = _DATA["road_stems"]
_ROAD_SUFFIXES: tuple[str, ...] = _DATA["road_suffixes"]
_COMPANY_STEMS: tuple[str, ...] = _DATA["company_stems"]
_INSPECTORS: tuple[str, ...] = _DATA["inspectors"]
_FINDINGS: dict[str, tuple[str, ...]] = _DATA["findings"]  # by InspectionResult value
