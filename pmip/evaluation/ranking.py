"""City rankings from the maintained tallies (never from the evaluations themselves).

score = (m·C + Σ stars) / (m + n) with C the city mean of the period for the subject kind, m the prior weight; only
subjects with n ≥ min_count are ranked; equal exact scores share a rank and the next rank skips. The published
ranking equals `pmip-verify ranking` on the published open data (tested). Results are cached per tally version and
policy, so a page view reads one small row and the cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.core.cache import cache

from pmip.evaluation.models import PeriodTotal, Tally
from pmip.evaluation.services import get_policy


def round2(value: Fraction) -> str:
    """Half-up to two decimals from the exact value (values are never negative)."""
    hundredths = int((value * 100 + Fraction(1, 2)) // 1)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    project_code: str | None
    count: int
    mean: str
    score: str | None
    rank: int | None


@dataclass(frozen=True)
class Ranking:
    period: str
    kind: str
    prior_weight: int
    min_count: int
    global_mean: str | None
    total_count: int
    ranked: tuple[Row, ...]
    unranked: tuple[Row, ...]

    def published(self) -> dict:
        """The ranking in `pmip-verify ranking`'s output format."""
        return {
            "global_mean": self.global_mean,
            "ranked": [
                {"id": r.code, "count": r.count, "mean": r.mean, "score": r.score, "rank": r.rank}
                for r in self.ranked
            ],
            "unranked": [{"id": r.code, "count": r.count} for r in self.unranked],
        }


def _compute(period: str, kind: str, m: int, min_count: int) -> Ranking:
    rows = list(
        Tally.objects.filter(period=period, kind=kind, count__gt=0).values_list(
            "code", "name", "project__code", "count", "total"
        )
    )
    n_all = sum(r[3] for r in rows)
    sum_all = sum(r[4] for r in rows)
    c = Fraction(sum_all, n_all) if n_all else None
    scored: list[tuple[Fraction, str, str, str, int, str]] = []
    unranked = []
    for code, name, project_code, n, total in rows:
        mean = round2(Fraction(total, n))
        if n >= min_count:
            assert c is not None  # this row counts (count > 0), so n_all > 0
            scored.append(
                (
                    Fraction(m * c + total) / (m + n),
                    code,
                    name,
                    project_code,
                    n,
                    mean,
                )
            )
        else:
            unranked.append(Row(code, name, project_code, n, mean, None, None))
    scored.sort(key=lambda r: r[1])
    scored.sort(key=lambda r: r[0], reverse=True)
    ranked = []
    rank, previous = 0, None
    for position, (score, code, name, project_code, n, mean) in enumerate(scored, start=1):
        if score != previous:
            rank, previous = position, score
        ranked.append(Row(code, name, project_code, n, mean, round2(score), rank))
    unranked.sort(key=lambda r: r.code)
    return Ranking(
        period=period,
        kind=kind,
        prior_weight=m,
        min_count=min_count,
        global_mean=round2(c) if c is not None else None,
        total_count=n_all,
        ranked=tuple(ranked),
        unranked=tuple(unranked),
    )


def ranking(*, period: str, kind: str) -> Ranking:
    policy = get_policy()
    total = PeriodTotal.objects.filter(period=period, kind=kind).values_list("version", flat=True).first()
    key = f"pmip:eval:ranking:{period}:{kind}:{total or 0}:{policy.prior_weight}:{policy.min_count}"
    result = cache.get(key)
    if result is None:
        result = _compute(period, kind, policy.prior_weight, policy.min_count)
        cache.set(key, result, 24 * 3600)
    return result


def position_of(*, period: str, kind: str, code: str) -> Row | None:
    result = ranking(period=period, kind=kind)
    for row in result.ranked:
        if row.code == code:
            return row
    for row in result.unranked:
        if row.code == code:
            return row
    return None
