"""The funds benchmark's guards (no database needed): it refuses anything but PostgreSQL on a loopback server."""

from __future__ import annotations

import pytest

from bench import funds
from bench.__main__ import BENCHMARKS


def test_registered_and_skips_without_postgresql(monkeypatch, capsys):
    assert "funds" in BENCHMARKS
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/x.sqlite3")
    result = funds.run(scale="small", seconds=1, clients=1)
    assert result == {
        "skipped": "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> "
        "(postings lock rows and the baseline is pgbench)"
    }
    assert "funds benchmark skipped: needs PostgreSQL" in capsys.readouterr().out


def test_scratch_databases_are_named_after_the_database_and_loopback_only():
    parsed, bench, pgbench = funds._bench_urls("postgres://postgres@127.0.0.1:5432/pmip")
    assert (parsed.hostname, bench, pgbench) == ("127.0.0.1", "pmip_bench_funds", "pmip_bench_funds_pgbench")
    with pytest.raises(SystemExit, match="loopback"):
        funds._bench_urls("postgres://postgres@db.example.com:5432/pmip")
