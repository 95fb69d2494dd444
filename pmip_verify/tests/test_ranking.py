"""pmip-verify ranking: exact Bayesian ranking, shared ranks, rounding, malformed input."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from pmip_verify import VerifyError, ranking
from pmip_verify.ranking import round2

ROOT = Path(__file__).resolve().parents[2]


def doc(subjects, m=10, k=5):
    return {"prior_weight": m, "min_count": k, "subjects": subjects}


def test_issue_example_shape_and_values():
    out = ranking(
        doc([{"id": "4403040001", "scores": [5, 4, 4, 3, 5]}, {"id": "4403040002", "scores": [4, 5]}])
    )
    # C = (21 + 9) / 7 = 30/7; score = (10*30/7 + 21) / 15 = (300/7 + 147/7) / 15 = 447/105 = 4.257...
    assert out == {
        "global_mean": "4.29",
        "ranked": [{"id": "4403040001", "count": 5, "mean": "4.20", "score": "4.26", "rank": 1}],
        "unranked": [{"id": "4403040002", "count": 2}],
    }
    assert list(out) == ["global_mean", "ranked", "unranked"]
    assert list(out["ranked"][0]) == ["id", "count", "mean", "score", "rank"]


def test_ties_share_rank_and_next_skips_and_id_order_within_rank():
    subjects = [
        {"id": "d", "scores": [3, 3, 3, 3, 3]},
        {"id": "c", "scores": [5, 5, 5, 5, 5]},
        {"id": "b", "scores": [4, 4, 4, 4, 4]},
        {"id": "a", "scores": [4, 4, 4, 4, 4]},
    ]
    out = ranking(doc(subjects, m=0, k=1))
    assert [(r["id"], r["rank"]) for r in out["ranked"]] == [("c", 1), ("a", 2), ("b", 2), ("d", 4)]


def test_few_friendly_votes_do_not_top_the_city():
    subjects = [{"id": "many", "scores": [5] * 40 + [4] * 10}, {"id": "few", "scores": [5, 5, 5, 5, 5]}]
    subjects += [{"id": f"x{i}", "scores": [3] * 20} for i in range(5)]
    out = ranking(doc(subjects))
    assert out["ranked"][0]["id"] == "many"


def test_no_scores_gives_null_mean():
    assert ranking(doc([])) == {"global_mean": None, "ranked": [], "unranked": []}
    assert ranking(doc([{"id": "a", "scores": []}])) == {
        "global_mean": None,
        "ranked": [],
        "unranked": [{"id": "a", "count": 0}],
    }


def test_round_half_up_from_exact_value():
    assert round2(Fraction(4125, 1000)) == "4.13"
    assert round2(Fraction(4124999, 1000000)) == "4.12"
    assert round2(Fraction(5)) == "5.00"
    assert round2(Fraction(1, 200)) == "0.01"


@pytest.mark.parametrize(
    "bad",
    [
        {"prior_weight": -1, "min_count": 5, "subjects": []},
        {"prior_weight": 10, "min_count": 0, "subjects": []},
        {"prior_weight": True, "min_count": 5, "subjects": []},
        {"prior_weight": 10, "min_count": 5},
        {"prior_weight": 10, "min_count": 5, "subjects": [], "extra": 1},
        doc([{"id": "a", "scores": [6]}]),
        doc([{"id": "a", "scores": [0]}]),
        doc([{"id": "a", "scores": [True]}]),
        doc([{"id": "a", "scores": ["5"]}]),
        doc([{"id": "a", "scores": [5]}, {"id": "a", "scores": [4]}]),
        doc([{"id": "", "scores": [5]}]),
        doc([{"id": 1, "scores": [5]}]),
        doc([{"id": "a"}]),
        doc("x"),
    ],
)
def test_malformed_refused(bad):
    with pytest.raises(VerifyError):
        ranking(bad)


def run(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "pmip_verify", *args],
        input=stdin.encode() if stdin is not None else None,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )


def test_cli_prints_result(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc([{"id": "p1", "scores": [5, 4, 4, 3, 5]}])), encoding="utf-8")
    proc = run("ranking", str(path))
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout) == {
        "global_mean": "4.20",
        "ranked": [{"id": "p1", "count": 5, "mean": "4.20", "score": "4.20", "rank": 1}],
        "unranked": [],
    }


def test_cli_malformed_exits_non_zero_with_message():
    proc = run(
        "ranking",
        "-",
        stdin='{"prior_weight": 10, "min_count": 5, "subjects": [{"id": "a", "scores": [4.5]}]}',
    )
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert "scores" in proc.stderr.decode()
