"""Recount of an evaluation ranking (业主评价排名) from the published open data, with exact rationals.

Input::

    {"prior_weight": 10, "min_count": 5,
     "subjects": [{"id": "4403040001", "scores": [5, 4, 4, 3, 5]}]}

C = the sum of all scores of all subjects (ranked or not) / their count. A subject with n >= min_count gets
score = (prior_weight * C + sum) / (prior_weight + n), an exact fraction. Ranked subjects are ordered by exact score
descending, then id ascending; equal exact scores share a rank and the next rank skips (1, 2, 2, 4). Shown figures
are rounded half-up to two decimals from the exact value.
"""

from __future__ import annotations

from fractions import Fraction

from pmip_verify._numbers import VerifyError

MAX_SUBJECTS = 1_000_000
MAX_ID_LENGTH = 64
MAX_PRIOR_WEIGHT = 1_000_000


def _int(value: object, *, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise VerifyError("malformed_number", f"{what}必须是整数：{value!r}。")
    if not low <= value <= high:
        raise VerifyError("out_of_range", f"{what}必须在{low}到{high}之间：{value}。")
    return value


def round2(value: Fraction) -> str:
    """Half-up to two decimals (away from zero on a tie; values here are never negative)."""
    if value < 0:
        raise ValueError("negative")
    hundredths = (value * 100 + Fraction(1, 2)).__floor__()
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def ranking(doc: dict[str, object]) -> dict[str, object]:
    allowed = {"prior_weight", "min_count", "subjects"}
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise VerifyError("unknown_field", f"未知字段：{'、'.join(unknown)}。")
    for key in sorted(allowed):
        if key not in doc:
            raise VerifyError("missing_field", f"缺少字段“{key}”。")
    m = _int(doc["prior_weight"], what="prior_weight", low=0, high=MAX_PRIOR_WEIGHT)
    min_count = _int(doc["min_count"], what="min_count", low=1, high=2**31)
    subjects = doc["subjects"]
    if not isinstance(subjects, list):
        raise VerifyError("malformed_field", "subjects 必须是数组。")
    if len(subjects) > MAX_SUBJECTS:
        raise VerifyError("too_many", f"subjects 最多{MAX_SUBJECTS}个。")
    seen: set[str] = set()
    rows: list[tuple[str, int, int]] = []  # id, n, sum
    for i, subject in enumerate(subjects):
        where = f"subjects[{i}]"
        if not isinstance(subject, dict):
            raise VerifyError("malformed_field", f"{where} 必须是对象。")
        extra = sorted(set(subject) - {"id", "scores"})
        if extra:
            raise VerifyError("unknown_field", f"{where} 有未知字段：{'、'.join(extra)}。")
        sid = subject.get("id")
        if not isinstance(sid, str) or not 1 <= len(sid) <= MAX_ID_LENGTH:
            raise VerifyError("malformed_field", f"{where}.id 必须是1到{MAX_ID_LENGTH}个字符的字符串。")
        if sid in seen:
            raise VerifyError("duplicate_id", f"id“{sid}”重复。")
        seen.add(sid)
        scores = subject.get("scores")
        if not isinstance(scores, list):
            raise VerifyError("malformed_field", f"{where}.scores 必须是数组。")
        total = 0
        for j, s in enumerate(scores):
            total += _int(s, what=f"{where}.scores[{j}]", low=1, high=5)
        rows.append((sid, len(scores), total))
    all_n = sum(n for _, n, _ in rows)
    all_sum = sum(t for _, _, t in rows)
    c = Fraction(all_sum, all_n) if all_n else None
    ranked: list[tuple[Fraction, str, int, int]] = []
    for sid, n, total in rows:
        if n >= min_count and c is not None:  # n >= 1 here, so C exists
            score = Fraction(m * c + total, m + n)
            ranked.append((score, sid, n, total))
    ranked.sort(key=lambda r: r[1])
    ranked.sort(key=lambda r: r[0], reverse=True)
    out_ranked = []
    rank = 0
    previous: Fraction | None = None
    for position, (score, sid, n, total) in enumerate(ranked, start=1):
        if score != previous:
            rank = position
            previous = score
        out_ranked.append(
            {"id": sid, "count": n, "mean": round2(Fraction(total, n)), "score": round2(score), "rank": rank}
        )
    unranked = sorted(((sid, n) for sid, n, _ in rows if n < min_count), key=lambda r: r[0])
    return {
        "global_mean": round2(c) if c is not None else None,
        "ranked": out_ranked,
        "unranked": [{"id": sid, "count": n} for sid, n in unranked],
    }
