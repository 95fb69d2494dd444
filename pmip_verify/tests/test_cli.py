"""The command line, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

TALLY = {
    "matter_class": "ordinary",
    "non_voters_follow_majority": False,
    "units": [
        {"unit": "1-101", "area": "90.00", "owner": "k1"},
        {"unit": "1-102", "area": "110.00", "owner": "k2"},
        {"unit": "1-103", "area": "100.00", "owner": "k3"},
    ],
    "ballots": [{"unit": "1-101", "choice": "yes"}, {"unit": "1-102", "choice": "no"}],
}


def run(*args, stdin: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "pmip_verify", *args],
        input=stdin.encode() if stdin is not None else None,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )


def test_tally_file(tmp_path):
    path = tmp_path / "matter.json"
    path.write_text(json.dumps(TALLY), encoding="utf-8")
    proc = run("tally", str(path))
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr == b""
    out = json.loads(proc.stdout)
    assert (out["participating_area"], out["yes_area"], out["no_area"]) == ("200.00", "90.00", "110.00")
    assert (out["quorum_met"], out["passed"], out["outcome"]) == (True, False, "rejected")


def test_tally_stdin_and_json_numbers_read_exactly():
    doc = json.dumps(TALLY).replace('"90.00"', "90.10")  # a JSON number with a fraction
    proc = run("tally", "-", stdin=doc)
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["total_area"] == "300.10"


def test_apportion_file(tmp_path):
    path = tmp_path / "bill.json"
    path.write_text(
        json.dumps(
            {
                "total": "60000.00",
                "shares": [
                    {"unit": "1-101", "weight": "90.00"},
                    {"unit": "1-102", "weight": "88.50"},
                    {"unit": "2-101", "weight": "281.50"},
                ],
            }
        ),
        encoding="utf-8",
    )
    proc = run("apportion", str(path))
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout) == {
        "allocations": [
            {"unit": "1-101", "amount": "11739.13"},
            {"unit": "1-102", "amount": "11543.48"},
            {"unit": "2-101", "amount": "36717.39"},
        ]
    }


@pytest.mark.parametrize(
    ("command", "text", "code"),
    [
        ("tally", "{not json", "bad_json"),
        ("tally", "[1, 2]", "bad_json"),
        (
            "tally",
            '{"matter_class": "ordinary", "matter_class": "major", "units": [], "ballots": []}',
            "bad_json",
        ),
        (
            "tally",
            '{"matter_class": "ordinary", "units": [{"unit": "A", "area": NaN, "owner": "k"}], '
            '"ballots": []}',
            "bad_json",
        ),
        ("tally", json.dumps({**TALLY, "ballots": [{"unit": "9-9", "choice": "yes"}]}), "unknown_unit"),
        ("tally", json.dumps({**TALLY, "matter_class": "urgent"}), "unknown_matter_class"),
        ("tally", json.dumps(TALLY).replace('"90.00"', "90.001"), "too_many_decimals"),
        ("apportion", '{"total": "-1", "shares": [{"unit": "A", "weight": "1"}]}', "negative_number"),
        ("apportion", '{"total": "1", "shares": []}', "empty_shares"),
    ],
)
def test_errors_exit_2_with_message_on_stderr(command, text, code):
    proc = run(command, "-", stdin=text)
    assert proc.returncode == 2
    assert proc.stdout == b""
    err = proc.stderr.decode("utf-8")
    assert err.startswith(f"pmip-verify: 错误 [{code}] ")
    assert err.count("\n") == 1  # one line, no traceback


def test_missing_file_exits_2(tmp_path):
    proc = run("tally", str(tmp_path / "absent.json"))
    assert proc.returncode == 2
    assert proc.stderr.decode().startswith("pmip-verify: 错误 [cannot_read] ")


def test_usage_error_exits_2():
    proc = run("recount", "x.json")
    assert proc.returncode == 2
    assert b"usage:" in proc.stderr


def test_verifier_imports_neither_django_nor_the_platform():
    code = (
        "import sys, pmip_verify, pmip_verify.__main__, pmip_verify.tally, pmip_verify.apportion\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith(('django.', 'pmip.')) or m == 'pmip')\n"
        "print(bad)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().strip() == "[]"
