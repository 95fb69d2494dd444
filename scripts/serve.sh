#!/usr/bin/env bash
# Serve the platform: granian (production WSGI server) in the foreground, the task worker and the scheduler
# beside it. Ctrl-C stops all three.
#
# Sizing follows the CPUs (scripts/granian.sh): WEB_WORKERS processes (default: the CPUs, at least 2), each with
# WEB_THREADS blocking threads (default: four times PMIP_ADMISSION_CONCURRENCY; see pmip/core/admission.py).
set -euo pipefail
HOST="${HOST:-127.0.0.1}"; PORT="${PORT:-8000}"; VENV="${VENV:-.venv}"
export PMIP_ADMISSION_CONCURRENCY="${PMIP_ADMISSION_CONCURRENCY:-4}"
# /metrics sums every granian worker process (prometheus-client multiprocess mode): an empty directory per start.
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-${PMIP_VAR_DIR:-var}/prometheus}"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
"$VENV/bin/python" manage.py db_worker >>"${PMIP_VAR_DIR:-var}/worker.log" 2>&1 &
worker=$!
"$VENV/bin/python" manage.py periodic >>"${PMIP_VAR_DIR:-var}/worker.log" 2>&1 &
sweeper=$!
trap 'kill $worker $sweeper 2>/dev/null || true' EXIT INT TERM
echo "task worker and scheduler running (log: ${PMIP_VAR_DIR:-var}/worker.log)"
GRANIAN="$VENV/bin/granian" scripts/granian.sh --host "$HOST" --port "$PORT"
