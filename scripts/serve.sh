#!/usr/bin/env bash
# Serve the platform: granian (production WSGI server) in the foreground, the task worker and the scheduler
# beside it. Ctrl-C stops all three.
#
# Sizing follows the CPUs: WEB_WORKERS processes (default: the number of CPUs, at least 2), each with
# WEB_THREADS blocking threads (default: four times PMIP_ADMISSION_CONCURRENCY, so that requests reach the admission
# gate at once and, when a worker is full, the spare threads answer the excess with a fast 503 instead of leaving it
# queued in the server where no deadline applies; see pmip/core/admission.py).
set -euo pipefail
HOST="${HOST:-127.0.0.1}"; PORT="${PORT:-8000}"; VENV="${VENV:-.venv}"
cpus=$(nproc 2>/dev/null || echo 2)
export PMIP_ADMISSION_CONCURRENCY="${PMIP_ADMISSION_CONCURRENCY:-4}"
WEB_WORKERS="${WEB_WORKERS:-$(( cpus > 2 ? cpus : 2 ))}"
WEB_THREADS="${WEB_THREADS:-$(( PMIP_ADMISSION_CONCURRENCY > 0 ? 4 * PMIP_ADMISSION_CONCURRENCY : 4 ))}"
# /metrics sums every granian worker process (prometheus-client multiprocess mode): an empty directory per start.
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-${PMIP_VAR_DIR:-var}/prometheus}"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
"$VENV/bin/python" manage.py db_worker >>"${PMIP_VAR_DIR:-var}/worker.log" 2>&1 &
worker=$!
"$VENV/bin/python" manage.py periodic >>"${PMIP_VAR_DIR:-var}/worker.log" 2>&1 &
sweeper=$!
trap 'kill $worker $sweeper 2>/dev/null || true' EXIT INT TERM
echo "task worker and scheduler running (log: ${PMIP_VAR_DIR:-var}/worker.log)"
echo "granian: $WEB_WORKERS workers × $WEB_THREADS threads, admission $PMIP_ADMISSION_CONCURRENCY per worker"
"$VENV/bin/granian" --interface wsgi --host "$HOST" --port "$PORT" --workers "$WEB_WORKERS" \
  --blocking-threads "$WEB_THREADS" --backpressure "$WEB_THREADS" config.wsgi:application
