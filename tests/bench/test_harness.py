"""The benchmark harness itself (bench/), so it cannot rot between benchmark runs: no database, no demo city.

The load generator runs for half a second against a tiny local http.server; the benchmarks' fake title registry is
checked against the platform's own HTTP adapter.
"""

from __future__ import annotations

import importlib
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import binding, http_load, registry, server
from bench.__main__ import BENCHMARKS
from pmip.integrations.title_registry import HttpTitleRegistry, TitleHit


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/ok":
            self._reply(200, b"ok")
        else:
            self._reply(404, b"missing")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.headers.get("X-Client"), body))  # type: ignore[attr-defined]
        self._reply(503 if self.headers.get("X-Client") == "1" else 200, b"posted")


@pytest.fixture
def tiny_server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_every_registered_benchmark_imports_with_a_run_function():
    assert {"registry", "binding"} <= set(BENCHMARKS)
    for name in ("registry", "binding"):
        module = importlib.import_module(f"bench.{name}")
        assert callable(module.run)
    assert registry.BASELINE == "baseline: bare Django endpoint /healthz"
    assert binding.FLOOD_PATH == "/api/v1/me/binding/lookup"


def test_http_load_measures_a_local_server_for_half_a_second(tiny_server):
    port = tiny_server.server_address[1]
    result = http_load.run("127.0.0.1", port, ["/ok"], clients=2, seconds=0.5)
    assert result.requests > 0
    assert result.errors == 0
    assert result.statuses == {200: result.requests}
    assert 0.4 < result.seconds < 5
    assert result.rps == pytest.approx(result.requests / result.seconds)
    assert len(result.latencies_ms) == result.requests
    assert 0 < result.p50 <= result.p95
    summary = result.summary()
    assert summary["requests"] == result.requests
    assert summary["statuses"] == {"200": result.requests}


def test_http_load_counts_other_statuses_as_errors_and_honours_the_budget(tiny_server):
    port = tiny_server.server_address[1]
    result = http_load.run("127.0.0.1", port, ["/ok", "/missing"], clients=1, seconds=5, max_requests=10)
    assert (result.requests, result.errors) == (5, 5)
    assert result.statuses == {200: 5, 404: 5}


def test_http_load_posts_with_per_client_headers_and_classifies_answers(tiny_server):
    port = tiny_server.server_address[1]
    result = http_load.run(
        "127.0.0.1",
        port,
        ["/post"],
        method="POST",
        body=b'{"add": true}',
        clients=2,
        seconds=5,
        client_budget=3,
        client_headers=lambda client, i: {"X-Client": str(client)},
        classify=lambda status, body: f"{status}:{body.decode()}",
    )
    assert result.total == 6
    assert result.outcomes == {"200:posted": 3, "503:posted": 3}
    assert (result.requests, result.errors) == (3, 3)
    assert sorted(len(v) for v in result.outcome_latencies_ms.values()) == [3, 3]
    assert sorted(tiny_server.seen) == [("0", b'{"add": true}')] * 3 + [("1", b'{"add": true}')] * 3


def test_merge_adds_runs_of_one_case(tiny_server):
    port = tiny_server.server_address[1]
    first = http_load.run("127.0.0.1", port, ["/ok"], clients=1, seconds=5, max_requests=3)
    second = http_load.run("127.0.0.1", port, ["/missing"], clients=1, seconds=5, max_requests=2)
    merged = http_load.merge([first, second])
    assert (merged.requests, merged.errors, merged.total) == (3, 2, 5)
    assert merged.statuses == {200: 3, 404: 2}
    assert merged.seconds == pytest.approx(first.seconds + second.seconds)
    assert len(merged.latencies_ms) == 5


def test_http_load_stops_when_asked(tiny_server):
    stop = threading.Event()
    stop.set()
    result = http_load.run("127.0.0.1", tiny_server.server_address[1], ["/ok"], seconds=5, stop=stop)
    assert result.total == 0


def test_http_load_refuses_other_hosts_and_nothing_to_do():
    with pytest.raises(ValueError, match="loopback"):
        http_load.run("192.0.2.1", 80, ["/"], seconds=0.1)
    with pytest.raises(ValueError, match="at least one path"):
        http_load.run("127.0.0.1", 80, [], seconds=0.1)


def test_percentile_is_nearest_rank():
    assert http_load.percentile([], 0.95) == 0.0
    assert http_load.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert http_load.percentile([float(n) for n in range(1, 101)], 0.95) == 96.0


def test_bench_env_keeps_one_var_dir_per_database(monkeypatch, tmp_path):
    monkeypatch.setattr(server, "ROOT", tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    env = server.bench_env("tiny")
    assert env["PMIP_VAR_DIR"] == str(tmp_path / "var" / "bench" / "sqlite-tiny")
    assert server.database_label(env) == "sqlite"
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pmip_bench_medium")
    env = server.bench_env("medium")
    assert env["PMIP_VAR_DIR"] == str(tmp_path / "var" / "bench" / "pg-pmip_bench_medium")
    assert server.database_label(env) == "postgresql:pmip_bench_medium"
    assert sorted(p.name for p in (tmp_path / "var" / "bench").iterdir()) == [
        "pg-pmip_bench_medium",
        "sqlite-tiny",
    ]


def test_fake_registry_speaks_the_platforms_http_protocol():
    answers = {
        ("张三", "mainland", "110101199003074514"): [
            {
                "project_code": "4403040001",
                "building_number": "1",
                "unit_number": "101",
                "holder_name": "张三",
                "share": "0.5",
                "certificate_no": "粤(2020)深圳市不动产权第0000001号",
            }
        ]
    }
    with binding.FakeTitleRegistry(answers, delay=0) as fake:
        client = HttpTitleRegistry(url=fake.url, timeout=5)
        hits = client.lookup("张三", "mainland", "110101199003074514")
        assert client.lookup("李四", "mainland", "110101199003074514") == []
    assert hits == [
        TitleHit("4403040001", "1", "101", "张三", Decimal("0.5"), "粤(2020)深圳市不动产权第0000001号")
    ]
    assert (fake.requests, fake.max_in_flight, fake.in_flight) == (2, 1, 0)


def test_flood_answers_are_classified_by_the_manuals_wording():
    busy = json.dumps(
        {"code": "registry_unavailable", "message": "查询产权数据错误：系统繁忙，请稍后再试"}
    ).encode()
    other = json.dumps({"code": "unavailable", "message": "服务暂不可用"}).encode()
    assert binding._classify(503, busy) == "busy"
    assert binding._classify(503, other) == "other_503"
    assert binding._classify(503, b"<html>") == "other_503"
    assert binding._classify(200, b"{}") == "served"
    assert binding._classify(404, b"{}") == "served_not_found"
    assert binding._classify(429, b"{}") == "rate_limited"
    assert binding._classify(500, b"") == "other_500"
