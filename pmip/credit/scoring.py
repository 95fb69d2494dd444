"""Credit score, grade, 失信名单 and the combined service-evaluation score, from the policy in force.

score = base + min(good_cap, Σ points of good entries in validity) − Σ points of bad entries in validity
        (withdrawn entries never count; disputed entries count until the office withdraws them), in [0, 100]
grade = AAA ≥ grade_aaa, AA ≥ grade_aa, A ≥ grade_a, B ≥ grade_b, else C
失信名单: a serious bad entry in validity that is not withdrawn
combined = (owner_weight·owner score + inspection_weight·inspection score) / (owner_weight + inspection_weight),
           the owner score being the company's shrunk evaluation score of the latest period × 20 (0–100)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from pmip.core import clock
from pmip.credit.choices import EntryStatus, Polarity, Severity, SubjectKind
from pmip.credit.models import CreditEntry, CreditPolicy, CreditSubject, InspectionScore


def get_policy() -> CreditPolicy:
    policy, _ = CreditPolicy.objects.get_or_create(pk=1)
    return policy


def grade_of(score: int, policy: CreditPolicy) -> str:
    for grade, line in (
        ("AAA", policy.grade_aaa),
        ("AA", policy.grade_aa),
        ("A", policy.grade_a),
        ("B", policy.grade_b),
    ):
        if score >= line:
            return grade
    return "C"


@dataclass(frozen=True)
class Score:
    score: int
    grade: str
    base: int
    good_points: int
    good_counted: int
    bad_points: int
    serious: bool
    counted: tuple[CreditEntry, ...]


def counting_entries(entries, today: dt.date) -> list[CreditEntry]:
    return [e for e in entries if e.status != EntryStatus.WITHDRAWN and e.issued_on <= today <= e.valid_until]


def score_entries(entries, policy: CreditPolicy, today: dt.date | None = None) -> Score:
    today = today or clock.today()
    counted = counting_entries(entries, today)
    good = sum(e.points for e in counted if e.polarity == Polarity.GOOD)
    bad = sum(e.points for e in counted if e.polarity == Polarity.BAD)
    good_counted = min(good, policy.good_cap)
    value = max(0, min(100, policy.base_score + good_counted - bad))
    serious = any(e.polarity == Polarity.BAD and e.severity == Severity.SERIOUS for e in counted)
    return Score(
        value, grade_of(value, policy), policy.base_score, good, good_counted, bad, serious, tuple(counted)
    )


def subject_score(subject: CreditSubject, policy: CreditPolicy | None = None, today=None) -> Score:
    return score_entries(list(subject.entries.all()), policy or get_policy(), today)


def owner_evaluation_score(subject: CreditSubject) -> Fraction | None:
    """The company's shrunk owner-evaluation score of the newest period with evaluations, on 0–100."""
    if subject.kind != SubjectKind.COMPANY or subject.company_id is None:
        return None
    from pmip.evaluation.choices import SubjectKind as EvalKind
    from pmip.evaluation.models import PeriodTotal, Tally
    from pmip.evaluation.services import get_policy as eval_policy

    tally = (
        Tally.objects.filter(kind=EvalKind.COMPANY, subject_id=subject.company_id, count__gt=0)
        .order_by("-period")
        .first()
    )
    if tally is None:
        return None
    total = PeriodTotal.objects.filter(period=tally.period, kind=EvalKind.COMPANY).first()
    assert (
        total is not None
    )  # kept with the tallies, in their transaction: a period with a tally has its total
    m = eval_policy().prior_weight
    c = Fraction(total.total, total.count)
    return (m * c + tally.total) / (m + tally.count) * 20


def inspection_score(subject: CreditSubject) -> int | None:
    latest = InspectionScore.objects.filter(subject=subject).order_by("-year").first()
    return latest.score if latest else None


@dataclass(frozen=True)
class Combined:
    owner: Fraction | None
    inspection: int | None
    combined: Fraction | None
    owner_weight: int
    inspection_weight: int


def combined_score(subject: CreditSubject, policy: CreditPolicy | None = None) -> Combined:
    policy = policy or get_policy()
    owner = owner_evaluation_score(subject)
    inspection = inspection_score(subject)
    parts: list[tuple[int, Fraction]] = []
    if owner is not None and policy.owner_weight:
        parts.append((policy.owner_weight, owner))
    if inspection is not None and policy.inspection_weight:
        parts.append((policy.inspection_weight, Fraction(inspection)))
    weight = sum(w for w, _ in parts)
    value = Fraction(sum(w * v for w, v in parts), weight) if weight else None
    return Combined(owner, inspection, value, policy.owner_weight, policy.inspection_weight)


def fmt(value: Fraction | int | None) -> str:
    if value is None:
        return "—"
    hundredths = int((Fraction(value) * 100 + Fraction(1, 2)) // 1)
    return f"{hundredths // 100}.{hundredths % 100:02d}"
