"""Open data of 业主评价: per period and subject kind, the anonymised overall stars of every current evaluation,
in exactly the input format of `pmip-verify ranking`, and as CSV. No owner, no comment, no date: only stars."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pmip.evaluation.choices import SubjectKind, Target
from pmip.evaluation.models import Evaluation, Tally
from pmip.evaluation.services import get_policy


def _scores(period: str, kind: str) -> dict[str, list[int]]:
    qs = Evaluation.objects.filter(period=period, is_current=True)
    rows: Iterable[tuple[str, int]]
    if kind == SubjectKind.PROJECT:
        rows = (
            qs.filter(target=Target.OFFICE)
            .values_list("project__code", "stars")
            .order_by("project__code", "id")
        )
    elif kind == SubjectKind.COMPANY:
        rows = (
            qs.filter(target=Target.OFFICE)
            .values_list("company__credit_code", "stars")
            .order_by("company__credit_code", "id")
        )
    else:
        committees = (
            qs.filter(target=Target.COMMITTEE)
            .values_list("project__code", "committee_id", "stars")
            .order_by("project__code", "committee_id", "id")
        )
        rows = ((f"{code}-{cid}", stars) for code, cid, stars in committees)
    out: dict[str, list[int]] = {}
    for code, stars in rows:
        out.setdefault(code, []).append(stars)
    return out


def scores_document(*, period: str, kind: str) -> dict:
    policy = get_policy()
    scores = _scores(period, kind)
    return {
        "prior_weight": policy.prior_weight,
        "min_count": policy.min_count,
        "subjects": [{"id": code, "scores": scores[code]} for code in sorted(scores)],
    }


def scores_csv_rows(*, period: str, kind: str) -> Iterator[list[str]]:
    names = dict(Tally.objects.filter(period=period, kind=kind).values_list("code", "name"))
    yield ["period", "kind", "id", "name", "stars"]
    for code, stars_list in sorted(_scores(period, kind).items()):
        for stars in stars_list:
            yield [period, kind, code, names.get(code, ""), str(stars)]
