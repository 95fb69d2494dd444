"""City rankings from the maintained tallies (never from the evaluations themselves).

score = (m·C + Σ stars) / (m + n) with C the city mean of the period for the subject kind, m the prior weight; only
subjects with n ≥ min_count are ranked; equal exact scores share a rank and the next rank skips. The published
ranking equals `pmip-verify ranking` on the published open data (tested). Results are cached per tally version and
policy. A ranking page (`page_of`) and a subject's position (`position_of`) are cached as small items of the public
cache (pmip.core.public_cache, namespace `RANKING_CACHE`, invalidated by every tally or policy change), so a page view
is one cache round trip whatever the number of subjects or evaluations.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator

from pmip.core import public_cache
from pmip.evaluation import periods, selectors
from pmip.evaluation.models import PeriodTotal, Tally
from pmip.evaluation.rounding import round2 as round2  # re-exported: callers use ranking.round2
from pmip.evaluation.services import RANKING_CACHE, get_policy

MAX_PAGE = 10_000  # page numbers asked beyond this are answered as this one (bounds the cache keys)


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
    """The subject's row (ranked or not) in the period's ranking, or None when it has no evaluation."""

    def find() -> Row | None:
        result = ranking(period=period, kind=kind)
        return next((row for row in (*result.ranked, *result.unranked) if row.code == code), None)

    return public_cache.cached(RANKING_CACHE, f"position:{period}:{kind}:{code}", find)


@dataclass(frozen=True)
class RankingPage:
    """One page of a ranking with what a page shows around it: the period and its choices, the method's settings,
    the city mean and the sizes of both lists."""

    period: str
    period_choices: tuple[str, ...]
    prior_weight: int
    min_count: int
    global_mean: str | None
    total_count: int
    ranked_count: int
    unranked_count: int
    unranked: bool  # which list this page is of
    number: int
    num_pages: int
    page_size: int
    rows: tuple[Row, ...]

    @property
    def count(self) -> int:
        return self.unranked_count if self.unranked else self.ranked_count

    def as_page(self) -> Page:
        """A Django page of these rows for the shared pagination template (a paginator over the row count only:
        no other row is loaded)."""
        paginator: Paginator[Any] = Paginator(range(self.count), self.page_size)
        return Page(self.rows, self.number, paginator)


@dataclass(frozen=True)
class PageRequest:
    """Which ranking page is asked, normalised: a valid period or None (the newest with evaluations), a page number
    in 1..MAX_PAGE (anything else is page 1; beyond the last page is the last)."""

    period: str | None
    kind: str
    unranked: bool
    number: int
    size: int

    @classmethod
    def of(cls, *, period: str | None, kind: str, unranked: bool, number: object, size: int) -> PageRequest:
        try:
            asked = min(max(int(str(number)), 1), MAX_PAGE)
        except ValueError:
            asked = 1
        valid = period if period and periods.is_valid(period) else None
        return cls(valid, kind, unranked, asked, size)

    @property
    def key(self) -> str:
        return f"page:{self.period or '-'}:{self.kind}:{int(self.unranked)}:{self.number}:{self.size}"


def _build_page(asked: PageRequest) -> RankingPage:
    """The page, computed from the (version-cached) ranking; `page_of` is the cached read."""
    resolved = selectors.parse_period(asked.period, asked.kind)
    result = ranking(period=resolved, kind=asked.kind)
    rows = result.unranked if asked.unranked else result.ranked
    page = Paginator(rows, asked.size).get_page(asked.number)
    return RankingPage(
        period=resolved,
        period_choices=tuple(selectors.available_periods(kind=asked.kind)),
        prior_weight=result.prior_weight,
        min_count=result.min_count,
        global_mean=result.global_mean,
        total_count=result.total_count,
        ranked_count=len(result.ranked),
        unranked_count=len(result.unranked),
        unranked=asked.unranked,
        number=page.number,
        num_pages=page.paginator.num_pages,
        page_size=asked.size,
        rows=tuple(page.object_list),
    )


def page_of(asked: PageRequest) -> RankingPage:
    """The page from the cache (one round trip while no tally or policy changed)."""
    return public_cache.cached(RANKING_CACHE, asked.key, lambda: _build_page(asked))
